#include <livecourse/access.hpp>
#include <livecourse/error.hpp>
#include <livecourse/status_machine.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace livecourse;

namespace {
constexpr Role all_roles[] = {Role::none, Role::student, Role::moderator, Role::instructor};

std::string answer(const AccessDecision& d) { return d.allowed ? "allowed" : std::string(d.reason); }
}  // namespace

TEST_CASE("access policy: who sees and who manages", "[domain][access]") {
    struct Row {
        Role role;
        const char* view;
        const char* manage;
    };
    const Row rows[] = {
        {Role::none, "not_enrolled", "not_enrolled"},
        {Role::student, "allowed", "forbidden"},
        {Role::moderator, "allowed", "allowed"},
        {Role::instructor, "allowed", "allowed"},
    };
    for (const auto& r : rows) {
        INFO(to_string(r.role));
        CHECK(answer(AccessPolicy::view(r.role)) == r.view);
        CHECK(answer(AccessPolicy::manage(r.role)) == r.manage);
        CHECK(answer(AccessPolicy::see_room(r.role)) == r.manage);
    }
}

TEST_CASE("access policy: joining and tokens, by role and status", "[domain][access]") {
    using S = SessionStatus;
    struct Row {
        S status;
        const char* member;  // any role but none
    };
    const Row rows[] = {
        {S::scheduled, "not_live"},
        {S::live, "allowed"},
        {S::ended, "session_ended"},
        {S::cancelled, "session_cancelled"},
    };
    for (const auto& r : rows) {
        for (auto role : all_roles) {
            INFO(to_string(role) << " in " << to_string(r.status));
            std::string want = role == Role::none ? "not_enrolled" : r.member;
            CHECK(answer(AccessPolicy::join(role, r.status)) == want);
            CHECK(answer(AccessPolicy::token(role, r.status)) == want);
        }
    }
}

TEST_CASE("access policy and status machine agree on joins and tokens", "[domain][access][status]") {
    // One source of truth: a member's join or token is allowed exactly where
    // the status machine's table allows the action, and refused with the
    // reason the status machine gives.
    struct Column {
        SessionAction action;
        AccessDecision (*decide)(Role, SessionStatus) noexcept;
    };
    const Column columns[] = {{SessionAction::join, &AccessPolicy::join}, {SessionAction::token, &AccessPolicy::token}};
    for (const auto& c : columns) {
        for (auto status : all_session_statuses) {
            INFO(to_string(c.action) << " in " << to_string(status));
            auto d = c.decide(Role::student, status);
            bool machine_allows = next_status(status, c.action).has_value();
            CHECK(d.allowed == machine_allows);
            if (!machine_allows) {
                try {
                    require_transition(status, c.action);
                    FAIL("the status machine should refuse");
                } catch (const Error& e) {
                    CHECK(e.reason() == d.reason);
                }
            }
        }
    }
}

TEST_CASE("access policy: taking part needs a seat, except for staff", "[domain][access]") {
    struct Row {
        Role role;
        bool admitted;
        const char* want;
    };
    const Row rows[] = {
        {Role::student, true, "allowed"},      {Role::student, false, "not_participant"},
        {Role::moderator, false, "allowed"},   {Role::instructor, false, "allowed"},
        {Role::instructor, true, "allowed"},   {Role::none, false, "not_participant"},
    };
    for (const auto& r : rows) {
        INFO(to_string(r.role) << (r.admitted ? " admitted" : " not admitted"));
        CHECK(answer(AccessPolicy::take_part(r.role, r.admitted)) == r.want);
    }
}

TEST_CASE("enforce turns a refusal into forbidden with its reason", "[domain][access]") {
    CHECK_NOTHROW(enforce(AccessPolicy::view(Role::student), "see this session"));
    try {
        enforce(AccessPolicy::join(Role::student, SessionStatus::ended), "join this session");
        FAIL("enforce should throw");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::forbidden);
        CHECK(e.reason() == "session_ended");
        CHECK(std::string(e.what()) == "not allowed to join this session: session_ended");
    }
}
