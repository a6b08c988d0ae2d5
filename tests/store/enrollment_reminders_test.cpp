// The reminders an enrollment plans (src/store/enrollment_reminders.hpp):
// their idempotency keys, written out here byte for byte, are the ones a
// session's own planning gives the same reminder, so the two paths store one
// copy; and they take their ids rule by rule, then by start.
#include "support/stores.hpp"

#include <fmt/format.h>

using namespace lc_test;

namespace {

std::int64_t epoch(Instant t) { return t.time_since_epoch().count(); }

Session scheduled(Store& store, Instant start, const std::string& suffix) {
    auto s = new_session(store, "c1", start, suffix);
    s.created_at = s.updated_at = t0();
    store.insert_session(s, NotificationPlan{});
    return s;
}

std::vector<Notification> pending(Store& store) {
    return store.notifications_in_state(NotificationState::pending, std::nullopt, 100).notifications;
}

}  // namespace

TEST_CASE("store: an enrollment's reminders have the keys of the session's own planning", "[store][outbox]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto late = scheduled(*store, t0() + 72h, "-b");
    auto soon = scheduled(*store, t0() + 48h, "-a");
    auto past = scheduled(*store, t0() - 2h, "-c");  // no reminder still due

    store->set_enrollment("c1", "u1", Role::student, t0());
    auto rows = pending(*store);  // by id
    REQUIRE(rows.size() == 4);
    // Rule by rule, then by start.
    CHECK(rows[0].idempotency_key == fmt::format("reminder_24h:{}:{}:u1", soon.id, epoch(soon.starts_at)));
    CHECK(rows[1].idempotency_key == fmt::format("reminder_24h:{}:{}:u1", late.id, epoch(late.starts_at)));
    CHECK(rows[2].idempotency_key == fmt::format("reminder_1h:{}:{}:u1", soon.id, epoch(soon.starts_at)));
    CHECK(rows[3].idempotency_key == fmt::format("reminder_1h:{}:{}:u1", late.id, epoch(late.starts_at)));
    CHECK(rows[0].due_at == soon.starts_at - 24h);
    CHECK(rows[3].due_at == late.starts_at - 1h);
    for (const auto& n : rows) {
        CHECK(n.user_id == "u1");
        CHECK(n.course_id == "c1");
        CHECK(n.created_at == t0());
        CHECK(n.next_attempt_at == n.due_at);
        CHECK_FALSE(n.cancel_reason);
        CHECK(n.session_id != past.id);
    }

    // The session's own planning of the same reminders for the same user
    // finds them stored already.
    Recipients r;
    r.users = std::vector<std::string>{"u1"};
    auto again = NotificationPlanner::created({soon, late}, t0(), r);
    auto next = late;
    next.title = "Renamed";  // any change that writes the plan
    next.revision = late.revision + 1;
    REQUIRE(store->replace_session(next, late.revision, again));
    CHECK(pending(*store).size() == 4);
}
