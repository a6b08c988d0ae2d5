// Seat races across real processes: 8 processes x 100 joiners on one
// database file for a 50-seat session, plain and as rejoin storms.
#include "support/fixtures.hpp"

#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

using namespace lc_test;

namespace {

int count(const std::string& db, const std::string& sql) {
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return n;
}

// Exit codes of a racer: 0 all refusals were session_full, 3 another error.
void race(World& w, const Session& s, int processes, int per_process, int joins_each) {
    std::vector<pid_t> pids;
    for (int p = 0; p < processes; ++p) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int code = 0;
            try {
                EngineConfig c;
                c.database = w.dir.file("livecourse.db");
                c.clock = w.clock;
                Engine engine(c);
                for (int k = 0; k < joins_each; ++k)
                    for (int i = 0; i < per_process; ++i) {
                        try {
                            engine.join(student(p * per_process + i), s.id);
                        } catch (const Error& e) {
                            if (e.reason() != "session_full" || e.code() != ErrorCode::session_full) code = 3;
                        }
                    }
            } catch (...) {
                code = 4;
            }
            ::_exit(code);
        }
        pids.push_back(pid);
    }
    for (auto pid : pids) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
}

}  // namespace

TEST_CASE("reliability: 8 processes x 100 joiners take exactly 50 seats", "[reliability][concurrency][processes]") {
    World w(800);
    auto s = w.live(50);
    race(w, s, 8, 100, 1);
    auto db = w.dir.file("livecourse.db");
    CHECK(count(db, "SELECT COUNT(*) FROM participants WHERE session_id = " + s.id) == 50);
    CHECK(count(db, "SELECT seats_taken FROM sessions WHERE id = " + s.id) == 50);
    CHECK(count(db, "SELECT COUNT(DISTINCT user_id) FROM participants WHERE session_id = " + s.id) == 50);
}

TEST_CASE("reliability: a rejoin storm keeps exactly one seat per admitted student",
          "[reliability][concurrency][processes]") {
    World w(800);
    auto s = w.live(50);
    race(w, s, 8, 100, 3);
    auto db = w.dir.file("livecourse.db");
    CHECK(count(db, "SELECT COUNT(*) FROM participants WHERE session_id = " + s.id) == 50);
    CHECK(count(db, "SELECT seats_taken FROM sessions WHERE id = " + s.id) == 50);
    // Every admitted student has three connections (one per pass); nobody else has any.
    CHECK(count(db, "SELECT COUNT(*) FROM presence WHERE session_id = " + s.id) == 150);
    CHECK(count(db, "SELECT COUNT(*) FROM presence p WHERE session_id = " + s.id +
                        " AND NOT EXISTS (SELECT 1 FROM participants q WHERE q.session_id = p.session_id AND "
                        "q.user_id = p.user_id)") == 0);
}
