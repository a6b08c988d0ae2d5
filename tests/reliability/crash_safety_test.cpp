// Crash safety: a child process does joins, leaves and chat in a loop, from
// 8 threads so that its writes share group-commit transactions, and reports
// each operation only after the engine returned (that is, after the group
// holding it committed). The parent kills it with SIGKILL at random points;
// after every kill the database must open, pass PRAGMA integrity_check, and
// hold every operation the child had reported.
#include "support/fixtures.hpp"
#include "support/spawn.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

using namespace lc_test;

namespace {

// Everyone is a student of every course: keeps enrollment out of the loop.
class OpenRoster final : public Roster {
public:
    Role role_of(std::string_view, std::string_view user) override {
        return user == instructor.user_id ? Role::instructor : Role::student;
    }
    std::vector<Enrollment> courses_of(std::string_view) override { return {}; }
    std::optional<std::int64_t> count_students(std::string_view) override { return std::nullopt; }
};

EngineConfig open_config(const std::string& db, std::shared_ptr<Clock> clock) {
    EngineConfig c;
    c.database = db;
    c.clock = std::move(clock);
    c.roster = std::make_shared<OpenRoster>();
    return c;
}

std::string query_one(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

}  // namespace

TEST_CASE("reliability: SIGKILL at random points loses no acknowledged operation", "[reliability][crash]") {
    TempDir dir;
    auto db = dir.file("crash.db");
    auto clock = std::make_shared<ManualClock>(t0());
    // A session per round, so that 8 fast threads never fill one.
    std::vector<std::string> sessions;
    {
        Engine e(open_config(db, clock));
        auto d = SessionDraft{};
        d.title = "Crash test";
        d.starts_at = t0();
        d.ends_at = t0() + 2h;
        d.max_participants = 10000;
        for (int round = 0; round < 8; ++round) {
            sessions.push_back(e.create_session(instructor, "c", d).id);
            e.start_session(instructor, sessions.back());
        }
    }
    std::mt19937 rng(12345);
    std::set<std::string> joined, left, chats;
    for (int round = 0; round < 8; ++round) {
        const auto& session_id = sessions[std::size_t(round)];
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);  // the child keeps only the write end
        pid_t pid = spawn_child("crash child", {{"LC_CRASH_DB", db},
                                                {"LC_CRASH_SESSION", session_id},
                                                {"LC_CRASH_ROUND", std::to_string(round)},
                                                {"LC_CRASH_FD", std::to_string(fds[1])},
                                                {"LC_CRASH_NOW", std::to_string(t0().time_since_epoch().count())}});
        ::close(fds[1]);
        // Let it run a random while once it acknowledged its first operation
        // (so that a slow start, under a sanitizer or a loaded machine, is
        // not the whole round), reading what it acknowledges, then kill.
        const auto work_time = std::chrono::milliseconds(30 + rng() % 200);
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        std::optional<std::chrono::steady_clock::time_point> deadline;
        std::string buffer;
        char chunk[4096];
        bool killed = false;
        for (;;) {
            auto now = std::chrono::steady_clock::now();
            if (!deadline && !buffer.empty()) deadline = now + work_time;
            if (!killed && ((deadline && now >= *deadline) || now >= give_up)) {
                ::kill(pid, SIGKILL);
                killed = true;
            }
            pollfd p{fds[0], POLLIN, 0};
            if (::poll(&p, 1, 10) <= 0) continue;
            auto n = ::read(fds[0], chunk, sizeof chunk);
            if (n <= 0) break;  // the child is gone and the pipe drained
            buffer.append(chunk, std::size_t(n));
        }
        ::close(fds[0]);
        REQUIRE(wait_exit_code(pid) == 128 + SIGKILL);
        std::istringstream lines(buffer);
        std::string kind, value;
        // A line cut by the kill is incomplete: only whole lines count.
        while (lines >> kind >> value) {
            if (lines.peek() != '\n') break;
            (kind == "J" ? joined : kind == "L" ? left : chats).insert(value);
        }

        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
        CHECK(query_one(raw, "PRAGMA integrity_check") == "ok");
        sqlite3_close(raw);
    }
    REQUIRE(joined.size() > 10);  // the children really did work

    Engine e(open_config(db, clock));
    std::vector<AttendanceRow> rows;
    std::set<std::string> present, stored;
    for (const auto& session_id : sessions) {
        auto these = e.attendance(instructor, session_id);
        rows.insert(rows.end(), these.begin(), these.end());
        std::optional<std::string> cursor;
        do {
            auto page = e.list_chat(instructor, session_id, cursor, 200);
            for (const auto& m : page.messages) stored.insert(m.id);
            cursor = page.next_cursor;
        } while (cursor);
    }
    for (const auto& r : rows) present.insert(r.user_id);  // user ids are distinct across rounds
    for (const auto& u : joined) CHECK(present.count(u) == 1);
    for (const auto& c : chats) CHECK(stored.count(c) == 1);
    for (const auto& r : rows)
        if (left.count(r.user_id)) CHECK_FALSE(r.is_present);
}

// The process the crash test kills: 8 threads join, chat and leave in a loop
// and report each operation on the pipe only after the engine returned (one
// short write per line: atomic on a pipe).
TEST_CASE("crash child", "[.child]") {
    auto db = child_env("LC_CRASH_DB");
    REQUIRE(db);
    auto clock = std::make_shared<ManualClock>(Instant(Seconds(std::stoll(*child_env("LC_CRASH_NOW")))));
    Engine e(open_config(*db, clock));
    auto session_id = *child_env("LC_CRASH_SESSION");
    int round = std::stoi(*child_env("LC_CRASH_ROUND"));
    int fd = std::stoi(*child_env("LC_CRASH_FD"));
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0;; ++i) {
                Actor a = student(round * 100000 + t * 10000 + i);
                e.join(a, session_id);
                dprintf(fd, "J %s\n", a.user_id.c_str());
                auto m = e.post_chat(a, session_id, ChatType::text, "hello " + std::to_string(i), std::nullopt);
                dprintf(fd, "C %s\n", m.id.c_str());
                if (i % 3 == 0 && e.leave(a, session_id)) dprintf(fd, "L %s\n", a.user_id.c_str());
            }
        });
    for (auto& t : threads) t.join();  // never: the parent kills the process
}
