#include "store/postgres/postgres_connection.hpp"

#include <livecourse/error.hpp>
#include <livecourse/no_wait.hpp>

#include <fmt/format.h>

#include <charconv>
#include <poll.h>

namespace livecourse::pg {

namespace {

void ignore_notice(void*, const char*) {}

std::string trimmed(const char* s) {
    std::string m = s ? s : "";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
}

// SQLSTATEs after which the connection cannot be trusted any more: class 08
// (connection exception) and the server shutting down or crashing.
bool connection_state(std::string_view sqlstate) {
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

}  // namespace

std::int64_t Result::integer(int row, int col) const {
    auto v = view(row, col);
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size())
        throw Failure(fmt::format("unexpected non-integer value from the database"), "", "", false);
    return out;
}

std::int64_t Result::affected() const {
    const char* n = PQcmdTuples(r_.get());
    std::int64_t out = 0;
    if (n && *n) std::from_chars(n, n + std::char_traits<char>::length(n), out);
    return out;
}

Connection::Connection(const Target& target) : target_(target), conn_(nullptr, &PQfinish) {
    // Keywords before `dbname` are defaults the URI may override (libpq
    // processes them in order); connect_timeout bounds the wait for a host
    // that does not answer, so that callers fail fast with `storage`.
    const char* keywords[] = {"fallback_application_name", "connect_timeout", "dbname", nullptr};
    const char* values[] = {"livecourse", "5", target.uri.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keywords, values, 1));
    if (!conn_) throw Failure("cannot connect to the database: out of memory", "", "", true);
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw Failure(target.secrets.scrub(fmt::format("cannot connect to the database {}: {}", target.redacted_uri,
                                                       trimmed(PQerrorMessage(conn_.get())))),
                      "08001", "", true);
    // Notices (e.g. "relation already exists, skipping") are not errors and
    // must not reach the host's stderr.
    PQsetNoticeProcessor(conn_.get(), &ignore_notice, nullptr);
    // The same value for idle-in-transaction: a stuck client must not keep a
    // session row locked for everyone else.
    auto settings = fmt::format("SET statement_timeout = {0}; SET idle_in_transaction_session_timeout = {0}",
                                target.statement_timeout_ms);
    exec_simple(settings.c_str());
}

bool Connection::in_transaction() const { return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE; }

bool Connection::reusable() const {
    if (lost_ || PQstatus(conn_.get()) != CONNECTION_OK || in_transaction()) return false;
    pollfd p{PQsocket(conn_.get()), POLLIN, 0};
    if (p.fd < 0) return false;
    // An idle connection never has anything to read (we LISTEN to nothing):
    // readable means the server sent a FATAL before closing it, or EOF.
    return ::poll(&p, 1, 0) == 0;
}

Result Connection::exec(const Statement& statement, const Params& params) {
    if (!prepared_.contains(statement.name)) {
        check(PQprepare(conn_.get(), statement.name, statement.sql, 0, nullptr), statement.name);
        prepared_.insert(statement.name);
    }
    auto values = params.pointers();
    return check(PQexecPrepared(conn_.get(), statement.name, params.size(), values.data(), nullptr, nullptr, 0),
                 statement.name);
}

Result Connection::exec_simple(const char* sql) { return check(PQexec(conn_.get(), sql), "statement"); }

Result Connection::check(PGresult* r, const char* what) {
    auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Result(r);
    fail(r, what);
}

void Connection::fail(PGresult* raw, const char* what) {
    Result r(raw);  // frees it whatever happens
    std::string sqlstate, constraint, message;
    if (raw) {
        if (const char* s = PQresultErrorField(raw, PG_DIAG_SQLSTATE)) sqlstate = s;
        if (const char* c = PQresultErrorField(raw, PG_DIAG_CONSTRAINT_NAME)) constraint = c;
        message = trimmed(PQresultErrorMessage(raw));
    }
    if (message.empty()) message = trimmed(PQerrorMessage(conn_.get()));
    lost_ = lost_ || PQstatus(conn_.get()) != CONNECTION_OK || connection_state(sqlstate);
    throw Failure(target_.secrets.scrub(fmt::format("{} failed: {}", what, message)), sqlstate, constraint, lost_);
}

// ------------------------------------------------------------------ pool

Pool::Pool(Target target, int size) : target_(std::move(target)), size_(size) {}

Pool::Lease Pool::acquire() {
    // Every PostgreSQL call waits for the server's answer.
    if (NoWait::active()) throw Error::would_block("the PostgreSQL server");
    std::unique_lock lock(mutex_);
    for (;;) {
        while (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            if (c->reusable()) return Lease(*this, std::move(c));
            --open_;  // stale (the server went away while it sat idle): replace it
        }
        if (open_ < size_) {
            auto now = std::chrono::steady_clock::now();
            bool probe = down_;
            if (down_ && (probing_ || now < next_probe_))
                throw Failure(target_.secrets.scrub("the database is unreachable: " + down_reason_), "08006", "",
                              true);
            ++open_;
            if (probe) probing_ = true;
            lock.unlock();
            try {
                auto c = std::make_unique<Connection>(target_);
                lock.lock();
                down_ = probing_ = false;
                return Lease(*this, std::move(c));
            } catch (const Failure& f) {
                lock.lock();
                --open_;
                down_ = true;
                probing_ = false;
                next_probe_ = std::chrono::steady_clock::now() + probe_interval;
                down_reason_ = f.what();
                returned_.notify_all();
                throw;
            }
        }
        returned_.wait(lock);
    }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
    if (!c->reusable()) return drop(std::move(c));
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
    returned_.notify_one();
}

void Pool::drop(std::unique_ptr<Connection> c) {
    c.reset();  // PQfinish outside the lock
    std::lock_guard lock(mutex_);
    --open_;
    returned_.notify_one();
}

}  // namespace livecourse::pg
