// A thin RAII layer over libpq, and the connection pool the PostgreSQL store
// runs on.
//
// Why our own ~300 lines rather than libpqxx: Debian 12 ships libpqxx 6.4,
// whose connection, prepared-statement registry and exception hierarchy would
// all have to be wrapped again anyway to (a) map failures onto our stable
// `Error` codes, (b) tell a lost connection from a failed statement so the
// pool can replace it, (c) check an idle connection before reuse, and (d)
// scrub the password from every message. What the store needs from libpq is a
// dozen calls (connect, prepare, execute prepared with bound text parameters,
// read text results, status); owning them keeps one less shared library in
// every host and in the package config.
//
// Thread-safety: a Connection is used by one thread at a time (the pool hands
// it out exclusively); the Pool is safe from any number of threads.
#pragma once

#include "store/postgres/postgres_uri.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <vector>

namespace livecourse::pg {

// A statement the store runs, prepared on each connection under `name` the
// first time that connection runs it, then only executed.
struct Statement {
    const char* name;
    const char* sql;
};

// A failure of libpq or of the server. The store turns it into an `Error`.
class Failure : public std::runtime_error {
public:
    Failure(std::string message, std::string sqlstate, std::string constraint, bool connection_lost)
        : std::runtime_error(std::move(message)), sqlstate_(std::move(sqlstate)),
          constraint_(std::move(constraint)), connection_lost_(connection_lost) {}
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    const std::string& constraint() const noexcept { return constraint_; }
    // The connection is unusable (or the server unreachable): replace it.
    bool connection_lost() const noexcept { return connection_lost_; }

private:
    std::string sqlstate_;
    std::string constraint_;
    bool connection_lost_;
};

// Bound parameters, all in text format (PostgreSQL parses them against the
// types it inferred when the statement was prepared).
class Params {
public:
    Params& text(std::string_view v) {
        values_.emplace_back(v);
        return *this;
    }
    Params& integer(std::int64_t v) {
        values_.push_back(std::to_string(v));
        return *this;
    }
    Params& boolean(bool v) {
        values_.emplace_back(v ? "true" : "false");
        return *this;
    }
    Params& null() {
        values_.emplace_back(std::nullopt);
        return *this;
    }
    template <class T> Params& optional(const std::optional<T>& v) {
        if (!v) return null();
        if constexpr (std::is_integral_v<T>) return integer(*v);
        else return text(*v);
    }
    int size() const { return static_cast<int>(values_.size()); }
    std::vector<const char*> pointers() const {
        std::vector<const char*> out;
        out.reserve(values_.size());
        for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
        return out;
    }

private:
    std::vector<std::optional<std::string>> values_;
};

// One result set, read as text.
class Result {
public:
    explicit Result(PGresult* r) : r_(r, &PQclear) {}
    int rows() const { return PQntuples(r_.get()); }
    bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
    std::string_view view(int row, int col) const {
        return {PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
    }
    std::string text(int row, int col) const { return std::string(view(row, col)); }
    std::optional<std::string> opt_text(int row, int col) const {
        if (null(row, col)) return std::nullopt;
        return text(row, col);
    }
    std::int64_t integer(int row, int col) const;
    std::optional<std::int64_t> opt_integer(int row, int col) const {
        if (null(row, col)) return std::nullopt;
        return integer(row, col);
    }
    bool boolean(int row, int col) const { return view(row, col) == "t"; }
    // Rows an INSERT/UPDATE/DELETE touched.
    std::int64_t affected() const;

private:
    std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

// Where and how to connect; shared by every connection of a pool.
struct Target {
    std::string uri;               // what libpq gets (livecourse's parameters removed)
    std::string redacted_uri;      // for messages
    Secrets secrets;
    int statement_timeout_ms = 0;
};

class Connection {
public:
    explicit Connection(const Target& target);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs a prepared statement (preparing it first on this connection if
    // needed). Throws Failure.
    Result exec(const Statement& statement, const Params& params = {});
    // Runs SQL without parameters through the simple protocol: transaction
    // control, session settings and migrations only.
    Result exec_simple(const char* sql);

    // Fit to be handed out again: connected, outside any transaction, and
    // with nothing unsolicited waiting on the socket (a server that shut
    // down or crashed leaves an error message or EOF there).
    bool reusable() const;
    bool in_transaction() const;

private:
    Result check(PGresult* r, const char* what);
    [[noreturn]] void fail(PGresult* r, const char* what);

    const Target& target_;
    std::unique_ptr<PGconn, void (*)(PGconn*)> conn_;
    std::unordered_set<const char*> prepared_;
    bool lost_ = false;
};

class Pool {
public:
    Pool(Target target, int size);

    // A connection lent to one thread; goes back to the pool (or, if it is no
    // longer fit, is closed) when the lease ends.
    class Lease {
    public:
        Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
        Lease(Lease&& o) noexcept : pool_(o.pool_), c_(std::move(o.c_)) {}
        Lease& operator=(Lease&&) = delete;
        ~Lease() {
            if (c_) pool_->give_back(std::move(c_));
        }
        Connection& operator*() { return *c_; }
        Connection* operator->() { return c_.get(); }
        // Close instead of giving back (the connection was lost).
        void discard() { pool_->drop(std::move(c_)); }

    private:
        Pool* pool_;
        std::unique_ptr<Connection> c_;
    };

    // An idle connection, or a new one while fewer than `size` are open;
    // otherwise waits for one to come back. While the server is known to be
    // unreachable, fails at once (Failure with connection_lost) instead of
    // every caller waiting on its own connection attempt: one caller probes
    // at a time, at most every `probe_interval`.
    Lease acquire();

    const Target& target() const { return target_; }

private:
    void give_back(std::unique_ptr<Connection> c);
    void drop(std::unique_ptr<Connection> c);

    static constexpr std::chrono::milliseconds probe_interval{200};

    Target target_;
    int size_;
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int open_ = 0;
    bool down_ = false;      // the last connection attempt failed
    bool probing_ = false;   // a caller is trying to connect while down
    std::chrono::steady_clock::time_point next_probe_{};
    std::string down_reason_;
};

}  // namespace livecourse::pg
