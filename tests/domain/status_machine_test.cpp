#include <livecourse/error.hpp>
#include <livecourse/status_machine.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <utility>

using namespace livecourse;

TEST_CASE("the status machine answers every status x action pair from one table", "[domain][status]") {
    using S = SessionStatus;
    using A = SessionAction;
    // Expected: the status after the action, or nothing when refused.
    const std::map<std::pair<S, A>, std::optional<S>> expected = {
        {{S::scheduled, A::edit}, S::scheduled},   {{S::scheduled, A::start}, S::live},
        {{S::scheduled, A::end}, std::nullopt},    {{S::scheduled, A::cancel}, S::cancelled},
        {{S::scheduled, A::join}, std::nullopt},   {{S::scheduled, A::token}, std::nullopt},
        {{S::scheduled, A::chat}, std::nullopt},   {{S::live, A::edit}, std::nullopt},
        {{S::live, A::start}, std::nullopt},       {{S::live, A::end}, S::ended},
        {{S::live, A::cancel}, S::cancelled},      {{S::live, A::join}, S::live},
        {{S::live, A::token}, S::live},            {{S::live, A::chat}, S::live},
    };
    for (auto from : all_session_statuses) {
        for (auto action : all_session_actions) {
            INFO(to_string(from) << " x " << to_string(action));
            std::optional<S> want;
            if (auto it = expected.find({from, action}); it != expected.end()) want = it->second;
            // ended and cancelled are final: everything is refused there.
            CHECK(next_status(from, action) == want);
            if (want) {
                CHECK(require_transition(from, action) == *want);
            } else {
                try {
                    require_transition(from, action);
                    FAIL("transition should be refused");
                } catch (const Error& e) {
                    CHECK(e.code() == ErrorCode::conflict);
                    CHECK(e.field() == "status");
                    CHECK_THAT(std::string(e.what()), Catch::Contains(std::string(to_string(from))));
                    std::string want_reason = from == S::ended       ? "session_ended"
                                              : from == S::cancelled ? "session_cancelled"
                                              : from == S::scheduled ? "not_live"
                                                                     : "not_scheduled";
                    CHECK(e.reason() == want_reason);
                }
            }
        }
    }
}

TEST_CASE("status names round-trip", "[domain][status]") {
    for (auto s : all_session_statuses) CHECK(parse_session_status(to_string(s)) == s);
    CHECK_FALSE(parse_session_status("LIVE"));
    CHECK_FALSE(parse_session_status(""));
}

TEST_CASE("a refused action carries the reason of the status it was refused in", "[domain][status]") {
    CHECK(refusal_reason(SessionStatus::scheduled) == "not_live");
    CHECK(refusal_reason(SessionStatus::live) == "not_scheduled");
    CHECK(refusal_reason(SessionStatus::ended) == "session_ended");
    CHECK(refusal_reason(SessionStatus::cancelled) == "session_cancelled");
}
