// Seat races across real processes: 8 processes x 100 joiners on one
// database file for a 50-seat session, plain and as rejoin storms.
#include "support/fixtures.hpp"
#include "support/spawn.hpp"

#include <sqlite3.h>


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

// Starts `processes` racers on the world's database; each joins students
// [p * per_process, (p + 1) * per_process) `joins_each` times.
void race(World& w, const Session& s, int processes, int per_process, int joins_each) {
    std::vector<pid_t> pids;
    for (int p = 0; p < processes; ++p)
        pids.push_back(spawn_child("seat racer", {{"LC_RACE_DB", w.dir.file("livecourse.db")},
                                                  {"LC_RACE_SESSION", s.id},
                                                  {"LC_RACE_NOW", std::to_string(w.clock->now().time_since_epoch().count())},
                                                  {"LC_RACE_FIRST", std::to_string(p * per_process)},
                                                  {"LC_RACE_COUNT", std::to_string(per_process)},
                                                  {"LC_RACE_JOINS", std::to_string(joins_each)}}));
    for (auto pid : pids) CHECK(wait_exit_code(pid) == 0);
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

// One racing process (started by race()): every refusal must be session_full.
TEST_CASE("seat racer", "[.child]") {
    auto db = child_env("LC_RACE_DB");
    REQUIRE(db);
    EngineConfig c;
    c.database = *db;
    c.clock = std::make_shared<ManualClock>(Instant(Seconds(std::stoll(*child_env("LC_RACE_NOW")))));
    Engine engine(c);
    auto session = *child_env("LC_RACE_SESSION");
    int first = std::stoi(*child_env("LC_RACE_FIRST")), count = std::stoi(*child_env("LC_RACE_COUNT"));
    int joins = std::stoi(*child_env("LC_RACE_JOINS"));
    int other_errors = 0;
    for (int k = 0; k < joins; ++k)
        for (int i = first; i < first + count; ++i) {
            try {
                engine.join(student(i), session);
            } catch (const Error& e) {
                if (e.reason() != "session_full" || e.code() != ErrorCode::session_full) ++other_errors;
            }
        }
    CHECK(other_errors == 0);
}
