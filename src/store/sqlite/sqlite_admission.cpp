// The SQLite store's seat admission: one write transaction per join (shared
// with the other writes of its group), exact between processes because
// BEGIN IMMEDIATE takes the write lock before the seat count is read.
#include "store/sqlite/sqlite_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace livecourse::sqlite {

AdmitResult SqliteStore::admit(const AdmitRequest& q) {
    auto key = parse_id(q.session_id);
    if (!key) return {};
    return write([&](Connection& c) {
        AdmitResult r;
        r.role = q.role;
        if (r.role == Role::none) {
            Use e(c, "SELECT role FROM enrollments WHERE course_id = ?1 AND user_id = ?2");
            e->bind(1, std::string(q.course_id));
            e->bind(2, std::string(q.user_id));
            if (e->executeStep()) r.role = parse_role(e->getColumn(0).getText()).value_or(Role::none);
            if (r.role == Role::none) {
                r.outcome = AdmitOutcome::not_member;
                return r;
            }
        }
        bool seat = takes_seat(r.role);
        Use q_session(c, "SELECT status, max_participants, seats_taken FROM sessions WHERE id = ?1");
        q_session->bind(1, static_cast<std::int64_t>(*key));
        if (!q_session->executeStep()) return r;
        r.status = parse_session_status(q_session->getColumn(0).getText()).value_or(SessionStatus::scheduled);
        r.seats_taken = q_session->getColumn(2).getInt();
        if (r.status != SessionStatus::live) return r;
        if (!seat || r.seats_taken < q_session->getColumn(1).getInt()) {
            // A seat is free (or none is needed): insert, and an earlier
            // admission shows as a conflict.
            Use ins(c, "INSERT INTO participants (session_id, user_id, role, takes_seat, admitted_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (session_id, user_id) DO NOTHING");
            ins->bind(1, static_cast<std::int64_t>(*key));
            ins->bind(2, std::string(q.user_id));
            ins->bind(3, std::string(to_string(r.role)));
            ins->bind(4, seat ? 1 : 0);
            ins->bind(5, static_cast<std::int64_t>(secs(q.at)));
            r.outcome = ins->exec() == 1 ? AdmitOutcome::admitted : AdmitOutcome::rejoined;
            if (r.outcome == AdmitOutcome::admitted && seat) {
                Use count(c, "UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = ?1");
                count->bind(1, static_cast<std::int64_t>(*key));
                count->exec();
                ++r.seats_taken;
            }
        } else {
            // Full: only an earlier admission may come back.
            Use p(c, "SELECT 1 FROM participants WHERE session_id = ?1 AND user_id = ?2");
            p->bind(1, static_cast<std::int64_t>(*key));
            p->bind(2, std::string(q.user_id));
            if (!p->executeStep()) {
                r.outcome = AdmitOutcome::full;
                return r;
            }
            r.outcome = AdmitOutcome::rejoined;
        }
        Use open(c, "INSERT INTO presence (session_id, user_id, joined_at, source) VALUES (?1, ?2, ?3, 'client')");
        open->bind(1, static_cast<std::int64_t>(*key));
        open->bind(2, std::string(q.user_id));
        open->bind(3, static_cast<std::int64_t>(secs(q.at)));
        open->exec();
        return r;
    });
}

}  // namespace livecourse::sqlite
