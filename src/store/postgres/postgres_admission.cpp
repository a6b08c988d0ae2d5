// The PostgreSQL store's seat admission, batched: see postgres_store.hpp and
// livecourse_admit_batch() in postgres_schema.hpp.
#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

#include <algorithm>

namespace livecourse::pg {

namespace {

// Every statement of this file; each is prepared once per connection.
namespace sql {
// clang-format off
// Parallel arrays, one element per request: session ids, users, roles
// (NULL: read the built-in roster), courses, times; then the roles that take
// a seat.
const Statement admit_batch{"lc_admit_batch", R"sql(
SELECT out_index, out_outcome, out_status, out_seats, out_role
  FROM livecourse_admit_batch($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
)sql"};
// clang-format on
}  // namespace sql

}  // namespace

AdmitResult PostgresStore::admit(const AdmitRequest& q) {
    auto key = parse_id(q.session_id);
    if (!key) return {};
    PendingAdmission p{&q, *key, {}, {}};
    // The operation only enqueues: the group's statement runs when the
    // leader "commits" (run_admissions), and every request has its own
    // result or error once run() returns.
    admissions_group_.run([this, &p] { group_.push_back(&p); });
    if (p.error) std::rethrow_exception(p.error);
    return p.result;
}

pg::AdmissionCounters PostgresStore::admission_counters() const {
    auto g = admissions_group_.counters();
    return {g.groups, g.operations, statements_.load(std::memory_order_relaxed),
            retried_alone_.load(std::memory_order_relaxed)};
}

store_detail::WriteGroup::Transaction PostgresStore::admission_steps() {
    auto nothing = [] {};
    return {
        .begin = [this] { group_.clear(); },
        .commit = [this] { run_admissions(); },
        .rollback = [this] { group_.clear(); },
        .savepoint = nothing,
        .release = nothing,
        .rollback_to = nothing,
        .translate = [](std::exception_ptr e) -> std::exception_ptr {
            try {
                std::rethrow_exception(e);
            } catch (const Failure& f) {
                return std::make_exception_ptr(storage_error("admit a participant", f));
            } catch (...) {
                return std::current_exception();
            }
        },
    };
}

// The group leader's "commit": sends the group queued in group_. Throws
// Failure when every request of the group must fail with it (a lost
// connection or an unreachable server, a timeout); otherwise each
// request gets its own result or error.
void PostgresStore::run_admissions() {
    if (group_.empty()) return;
    // Sorted by session (stable: arrivals keep their order within one),
    // so that every batch locks session rows in ascending order.
    std::stable_sort(group_.begin(), group_.end(),
                     [](const PendingAdmission* a, const PendingAdmission* b) { return a->session < b->session; });
    try {
        admit_together(group_);
    } catch (const Failure& f) {
        // A request of its own alone: nothing to separate. A lost
        // connection fails every request the same way, and a timeout
        // (a lock held elsewhere) would be waited out once per request.
        if (group_.size() == 1 || f.connection_lost() || f.sqlstate() == "57014") throw;
        retried_alone_.fetch_add(group_.size(), std::memory_order_relaxed);
        for (auto* p : group_) {
            try {
                admit_together(std::span<PendingAdmission* const>(&p, 1));
            } catch (const Failure& g) {
                p->error = std::make_exception_ptr(storage_error("admit a participant", g));
            }
        }
    }
}

// One call of livecourse_admit_batch() for `batch`, in its order, on a
// pooled connection; fills each request's result.
void PostgresStore::admit_together(std::span<PendingAdmission* const> batch) {
    std::string sessions = "{", users = "{", roles = "{", courses = "{", times = "{";
    for (const auto* p : batch) {
        const bool first = sessions.size() == 1;
        if (!first) {
            sessions += ',';
            times += ',';
        }
        sessions += std::to_string(p->session);
        times += std::to_string(secs(p->q->at));
        append_element(users, p->q->user_id);
        if (p->q->role == Role::none) roles += first ? "NULL" : ",NULL";
        else append_element(roles, to_string(p->q->role));
        append_element(courses, p->q->course_id);
    }
    for (auto* a : {&sessions, &users, &roles, &courses, &times}) *a += '}';
    Params params;
    params.text(sessions).text(users).text(roles).text(courses).text(times).text(seat_roles());
    statements_.fetch_add(1, std::memory_order_relaxed);
    auto lease = pool_.acquire();
    Result r = [&] {
        try {
            return lease->exec(sql::admit_batch, params);
        } catch (const Failure& f) {
            if (f.connection_lost()) lease.discard();
            throw;
        }
    }();
    if (r.rows() != static_cast<int>(batch.size()))
        throw Failure("the admission function returned an unexpected number of rows", "", "", false);
    for (int i = 0; i < r.rows(); ++i) {
        auto index = r.integer(i, 0) - 1;
        if (index < 0 || index >= r.rows())
            throw Failure("the admission function returned an unexpected row", "", "", false);
        auto* p = batch[static_cast<std::size_t>(index)];
        AdmitResult out;
        auto outcome = r.view(i, 1);
        if (outcome == "not_member") {
            out.outcome = AdmitOutcome::not_member;
            p->result = out;
            continue;
        }
        out.role = p->q->role != Role::none ? p->q->role : parse_role(r.view(i, 4)).value_or(Role::none);
        out.outcome = outcome == "admitted"   ? AdmitOutcome::admitted
                      : outcome == "rejoined" ? AdmitOutcome::rejoined
                      : outcome == "full"     ? AdmitOutcome::full
                                              : AdmitOutcome::not_live;
        out.status = parse_session_status(r.view(i, 2)).value_or(SessionStatus::scheduled);
        out.seats_taken = static_cast<int>(r.integer(i, 3));
        p->result = out;
    }
}

// The roles that take a seat, as an array literal: the rule is
// takes_seat() (roster.hpp), and the database function is told it.
const std::string& PostgresStore::seat_roles() {
    static const std::string roles = [] {
        std::string out = "{";
        for (Role r : {Role::student, Role::moderator, Role::instructor})
            if (takes_seat(r)) append_element(out, to_string(r));
        return out + "}";
    }();
    return roles;
}

}  // namespace livecourse::pg
