#include <livecourse/clock.hpp>

#include <catch2/catch.hpp>
#include <date/date.h>

using namespace livecourse;
using namespace std::chrono_literals;

TEST_CASE("RFC 3339 round trip and offsets", "[domain][time]") {
    Instant t = date::sys_days{date::year{2024} / 3 / 1} + 14h + 5min + 9s;
    CHECK(format_rfc3339(t) == "2024-03-01T14:05:09Z");
    CHECK(parse_rfc3339("2024-03-01T14:05:09Z") == t);
    CHECK(parse_rfc3339("2024-03-01T15:05:09+01:00") == t);
    CHECK(parse_rfc3339("2024-03-01T09:05:09.750-05:00") == t);
    for (auto bad : {"", "2024-03-01", "2024-03-01T14:05:09", "2024-02-30T00:00:00Z", "2024-03-01T24:00:00Z",
                     "2024-03-01T14:05:09Zjunk", "1969-12-31T23:59:59Z", "2024-3-1T14:05:09Z", "2024-03-01T14:05:09+1:00"})
        CHECK_FALSE(parse_rfc3339(bad));
}
