// The PostgreSQL store's attendance overrides: the decisions in force and
// their append-only log, written together.
#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

namespace livecourse::pg {

namespace {

namespace sql {
// clang-format off
const Statement upsert_override{"lc_upsert_attendance_override", R"sql(
INSERT INTO attendance_overrides (session_id, user_id, outcome, reason, decided_by, decided_at)
VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint))
ON CONFLICT (session_id, user_id) DO UPDATE SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason,
  decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at
)sql"};
const Statement delete_override{"lc_delete_attendance_override", R"sql(
DELETE FROM attendance_overrides WHERE session_id = $1 AND user_id = $2
)sql"};
const Statement log_override{"lc_log_attendance_override", R"sql(
INSERT INTO attendance_override_log (session_id, user_id, outcome, reason, decided_by, decided_at)
VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint))
)sql"};
const Statement overrides{"lc_attendance_overrides", R"sql(
SELECT user_id, outcome, reason, decided_by, extract(epoch FROM decided_at)::bigint
  FROM attendance_overrides WHERE session_id = $1 ORDER BY user_id
)sql"};
const Statement override_log{"lc_attendance_override_log", R"sql(
SELECT user_id, outcome, reason, decided_by, extract(epoch FROM decided_at)::bigint
  FROM attendance_override_log WHERE session_id = $1 ORDER BY id
)sql"};
// clang-format on
}  // namespace sql

std::vector<AttendanceOverride> read_overrides(const Result& r, std::string_view session_id) {
    std::vector<AttendanceOverride> out;
    for (int i = 0; i < r.rows(); ++i) {
        AttendanceOverride o;
        o.session_id = std::string(session_id);
        o.user_id = r.text(i, 0);
        if (!r.null(i, 1)) o.outcome = parse_attendance_outcome(r.view(i, 1));
        o.reason = r.text(i, 2);
        o.decided_by = r.text(i, 3);
        o.decided_at = at(r.integer(i, 4));
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace

void PostgresStore::put_attendance_override(const AttendanceOverride& d) {
    auto key = parse_id(d.session_id);
    if (!key) return;
    std::optional<std::string> outcome;
    if (d.outcome) outcome = std::string(to_string(*d.outcome));
    transaction("record an attendance override", [&](Connection& c) {
        if (outcome)
            c.exec(sql::upsert_override, Params()
                                             .integer(*key)
                                             .text(d.user_id)
                                             .text(*outcome)
                                             .text(d.reason)
                                             .text(d.decided_by)
                                             .integer(secs(d.decided_at)));
        else
            c.exec(sql::delete_override, Params().integer(*key).text(d.user_id));
        c.exec(sql::log_override, Params()
                                      .integer(*key)
                                      .text(d.user_id)
                                      .optional(outcome)
                                      .text(d.reason)
                                      .text(d.decided_by)
                                      .integer(secs(d.decided_at)));
        return 0;
    });
}

std::vector<AttendanceOverride> PostgresStore::attendance_overrides(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return run("read attendance overrides",
               [&](Connection& c) { return read_overrides(c.exec(sql::overrides, Params().integer(*key)), session_id); });
}

std::vector<AttendanceOverride> PostgresStore::attendance_override_log(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return run("read the attendance override log", [&](Connection& c) {
        return read_overrides(c.exec(sql::override_log, Params().integer(*key)), session_id);
    });
}

}  // namespace livecourse::pg
