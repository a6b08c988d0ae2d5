#include <livecourse/csv.hpp>

#include <catch2/catch.hpp>

using namespace livecourse;

TEST_CASE("CSV fields are quoted where RFC 4180 requires it", "[codec][csv]") {
    CHECK(csv::text_field("Ada Lovelace") == "Ada Lovelace");
    CHECK(csv::text_field("") == "");
    CHECK(csv::text_field("Lovelace, Ada") == "\"Lovelace, Ada\"");
    CHECK(csv::text_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv::text_field("two\nlines") == "\"two\nlines\"");
    CHECK(csv::text_field("cr\rhere") == "\"cr\rhere\"");
    CHECK(csv::text_field("Zoë Ångström") == "Zoë Ångström");
}

TEST_CASE("CSV text that a spreadsheet would run as a formula is written as text", "[codec][csv]") {
    CHECK(csv::text_field("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    CHECK(csv::text_field("+1") == "\"'+1\"");
    CHECK(csv::text_field("-2+3") == "\"'-2+3\"");
    CHECK(csv::text_field("@SUM(A1)") == "\"'@SUM(A1)\"");
    CHECK(csv::text_field("\t=1") == "\"'\t=1\"");
    CHECK(csv::text_field("\r=1") == "\"'\r=1\"");
    CHECK(csv::text_field("a=1") == "a=1");  // only the first character matters
}

TEST_CASE("CSV numbers stay numbers and records end with CRLF", "[codec][csv]") {
    CHECK(csv::number_field(std::int64_t{-3}) == "-3");
    CHECK(csv::number_field(0.8333333333333334) == "0.8333333333333334");
    CHECK(csv::number_field(1.0) == "1");
    std::string out;
    csv::append_record(out, {csv::text_field("user_id"), csv::text_field("rate")});
    csv::append_record(out, {csv::text_field("a,b"), csv::number_field(0.5)});
    CHECK(out == "user_id,rate\r\n\"a,b\",0.5\r\n");
}
