// The hand-off of SQLite's write lock between processes
// (src/store/write_handoff.hpp): a writer that held the lock last lets an
// announced waiter take it first, a release wakes a sleeping waiter, and
// announcements that lapsed (a waiter that died) or cannot be live (written
// before a reboot) delay nobody. Two handoffs opened on one file are two
// parties, as two processes would be.
#include "store/write_handoff.hpp"
#include "support/fixtures.hpp"

#include <livecourse/store.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

using namespace lc_test;
using livecourse::store_detail::WriteHandoff;

namespace {

// Bounds long enough that no step below depends on how fast this machine is.
WriteHandoff::Timing patient() {
    WriteHandoff::Timing t;
    t.max_deferral = std::chrono::seconds(20);
    t.patience = std::chrono::microseconds(0);
    t.announce_margin = std::chrono::seconds(20);
    t.max_announcement = std::chrono::seconds(60);
    return t;
}

// Default bounds, except that it would defer for 20 s to a live announcement.
WriteHandoff::Timing slow_to_give_up() {
    WriteHandoff::Timing t;
    t.max_deferral = std::chrono::seconds(20);
    return t;
}

// Handoffs opened on one database file, as several processes would.
struct Parties {
    TempDir dir;
    std::string path = dir.file("h.db");
    std::unique_ptr<WriteHandoff> open(WriteHandoff::Timing timing = patient()) {
        auto h = WriteHandoff::open(path, timing);
        REQUIRE(h);
        return h;
    }
};

}  // namespace

TEST_CASE("a writer that held the lock last lets an announced waiter take it first", "[handoff][concurrency]") {
    Parties parties;
    auto a = parties.open(), b = parties.open();
    a->acquired(false);
    a->released();                                   // A held the lock last
    b->wait_for_release(std::chrono::microseconds(0));  // B found it taken and announced itself

    std::atomic<bool> b_has_lock{false};
    std::thread b_takes([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        b_has_lock = true;
        b->acquired(true);
    });
    auto started = std::chrono::steady_clock::now();
    bool deferred = a->before_begin();
    bool b_first = b_has_lock.load();
    auto waited = std::chrono::steady_clock::now() - started;
    b_takes.join();
    CHECK(deferred);
    CHECK(b_first);  // A began only once B had the lock
    CHECK(waited < std::chrono::seconds(15));

    // B's announcement was served when it took the lock: after B releases,
    // nobody is announced, and B goes on at once.
    b->released();
    CHECK_FALSE(b->before_begin());
}

TEST_CASE("a writer defers only to a waiter that has waited for a while", "[handoff][concurrency]") {
    Parties parties;
    auto timing = patient();
    timing.patience = std::chrono::seconds(5);
    auto a = parties.open(timing), b = parties.open(timing);
    a->acquired(false);
    a->released();
    b->wait_for_release(std::chrono::microseconds(0), std::chrono::microseconds(0));  // has just begun to wait
    CHECK_FALSE(a->before_begin());  // A goes on: its cache is warm, B's turn comes within the patience

    b->wait_for_release(std::chrono::microseconds(0), std::chrono::seconds(6));  // has waited longer
    std::thread b_takes([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        b->acquired(true);
    });
    CHECK(a->before_begin());
    b_takes.join();
}

TEST_CASE("a release wakes a writer that sleeps waiting for the lock", "[handoff][concurrency]") {
    Parties parties;
    auto holder = parties.open(), waiter = parties.open();
    holder->acquired(false);
    std::atomic<bool> woken{false};
    auto started = std::chrono::steady_clock::now();
    // Sleeps up to 40 s unless a release wakes it.
    std::thread sleeper([&] {
        waiter->wait_for_release(std::chrono::seconds(40));
        woken = true;
    });
    // The release may come before the waiter has announced itself (then it
    // wakes nobody), so release again until the waiter is up.
    while (!woken && std::chrono::steady_clock::now() - started < std::chrono::seconds(30)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        holder->released();
    }
    sleeper.join();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
}

TEST_CASE("a writer defers to nobody when no other writer waits", "[handoff]") {
    Parties parties;
    auto a = parties.open();
    CHECK_FALSE(a->before_begin());
    a->acquired(false);
    a->released();
    CHECK_FALSE(a->before_begin());
    // Its own announcement does not make a writer wait for itself.
    a->wait_for_release(std::chrono::microseconds(0));
    CHECK_FALSE(a->before_begin());
}

TEST_CASE("a writer defers only if no one else had the lock since it released it", "[handoff]") {
    Parties parties;
    auto a = parties.open(), b = parties.open(), c = parties.open();
    a->acquired(false);
    a->released();
    b->wait_for_release(std::chrono::microseconds(0));  // B waits...
    c->acquired(true);                                  // ...but C, another waiter, got the lock after A
    c->released();
    CHECK_FALSE(a->before_begin());  // A does not hold back: it did not hold the lock last
}

TEST_CASE("a lapsed announcement (a waiter that died) delays nobody", "[handoff]") {
    Parties parties;
    auto a = parties.open(slow_to_give_up());
    auto b = parties.open(WriteHandoff::Timing{});  // default bounds: announcements last about a millisecond
    a->acquired(false);
    a->released();
    b->wait_for_release(std::chrono::microseconds(0));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // B never comes back
    auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(a->before_begin());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(500));
}

TEST_CASE("an announcement too far ahead to be live (from before a reboot) is ignored", "[handoff]") {
    Parties parties;
    auto a = parties.open(slow_to_give_up());
    // A party whose announcements reach an hour ahead: what a file written
    // before a reboot holds, once the monotonic clock has restarted.
    WriteHandoff::Timing stale;
    stale.announce_margin = std::chrono::hours(1);
    auto b = parties.open(stale);
    a->acquired(false);
    a->released();
    b->wait_for_release(std::chrono::microseconds(0));
    auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(a->before_begin());
    CHECK_FALSE(a->before_begin());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(500));
}

TEST_CASE("no handoff file for an in-memory database or a directory that does not exist", "[handoff]") {
    TempDir dir;
    CHECK_FALSE(WriteHandoff::open(":memory:"));
    CHECK_FALSE(WriteHandoff::open(""));
    CHECK_FALSE(WriteHandoff::open(dir.file("missing/h.db")));
    CHECK(WriteHandoff::open(dir.file("h.db")));
    CHECK(std::filesystem::exists(dir.file("h.db-handoff")));
}

TEST_CASE("two stores on one file write concurrently through the handoff, and none without it",
          "[handoff][concurrency]") {
    for (bool handoff : {true, false}) {
        TempDir dir;
        livecourse::SqliteOptions o;
        o.path = dir.file("shared.db");
        o.handoff = handoff;
        auto first = livecourse::open_sqlite_store(o);
        auto second = livecourse::open_sqlite_store(o);
        CHECK(std::filesystem::exists(o.path + "-handoff") == handoff);
        constexpr int per_thread = 150;
        std::vector<std::thread> writers;
        for (int t = 0; t < 6; ++t)
            writers.emplace_back([&, t] {
                auto& store = t % 2 ? *first : *second;
                for (int i = 0; i < per_thread; ++i)
                    store.set_enrollment("c", "u" + std::to_string(t) + "-" + std::to_string(i),
                                         livecourse::Role::student, after_every_session());
            });
        for (auto& w : writers) w.join();
        CHECK(first->count_enrolled_students("c") == 6 * per_thread);
        CHECK(second->count_enrolled_students("c") == 6 * per_thread);
    }
}

namespace {

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct stat status_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st;
}

// Sets the process's umask for a scope.
struct UmaskFor {
    mode_t saved;
    explicit UmaskFor(mode_t m) : saved(::umask(m)) {}
    ~UmaskFor() { ::umask(saved); }
};

// The storage error that opening a handoff on `db` gives, which names the file.
void check_refused(const std::string& db) {
    try {
        WriteHandoff::open(db);
        FAIL("expected the handoff file to be refused");
    } catch (const livecourse::Error& e) {
        CHECK(e.code() == livecourse::ErrorCode::storage);
        CHECK(std::string(e.what()).find(db + "-handoff") != std::string::npos);
    }
}

}  // namespace

TEST_CASE("a symbolic link planted as the handoff file is refused, its target untouched", "[handoff][security]") {
    TempDir dir;
    const std::string db = dir.file("h.db"), victim = dir.file("victim");
    std::ofstream(victim) << "not yours";
    ::chmod(victim.c_str(), 0640);
    std::ofstream(db).flush();
    REQUIRE(::symlink(victim.c_str(), (db + "-handoff").c_str()) == 0);
    const bool root = ::geteuid() == 0;
    // Run as root on a database another user owns, the old code chowned the
    // link's target to that user too.
    if (root) REQUIRE(::chown(db.c_str(), 4242, 4242) == 0);
    const auto before = status_of(victim);

    check_refused(db);
    // Through the store too: opening it fails with the same error, and the
    // target is not written, resized, chmod-ed or chown-ed.
    livecourse::SqliteOptions o;
    o.path = db;
    auto e = error_of([&] { livecourse::open_sqlite_store(o); });
    CHECK(e.code() == livecourse::ErrorCode::storage);
    CHECK(std::string(e.what()).find(db + "-handoff") != std::string::npos);
    CHECK(std::string(e.what()).find("symbolic link") != std::string::npos);
    const auto after = status_of(victim);
    CHECK(contents(victim) == "not yours");
    CHECK(after.st_size == before.st_size);
    CHECK(after.st_mode == before.st_mode);
    CHECK(after.st_uid == before.st_uid);
    CHECK(after.st_gid == before.st_gid);
    // A dangling link is refused too (creating its target would follow it).
    REQUIRE(::unlink((db + "-handoff").c_str()) == 0);
    REQUIRE(::symlink(dir.file("nothing-here").c_str(), (db + "-handoff").c_str()) == 0);
    check_refused(db);
    CHECK_FALSE(std::filesystem::exists(dir.file("nothing-here")));
    // Without the handoff the store opens as before.
    o.handoff = false;
    CHECK_NOTHROW(livecourse::open_sqlite_store(o));
}

TEST_CASE("a handoff file that is a FIFO, a hard link or someone else's is refused", "[handoff][security]") {
    TempDir dir;
    const std::string db = dir.file("h.db"), handoff = db + "-handoff";
    std::ofstream(db).flush();

    SECTION("a FIFO") {
        REQUIRE(::mkfifo(handoff.c_str(), 0600) == 0);
        check_refused(db);
    }
    SECTION("a hard link to another file") {
        const std::string victim = dir.file("victim");
        std::ofstream(victim) << "not yours";
        REQUIRE(::link(victim.c_str(), handoff.c_str()) == 0);
        check_refused(db);
        CHECK(contents(victim) == "not yours");
    }
    SECTION("a file of another user than the database's") {
        if (::geteuid() != 0) {
            WARN("not root: cannot make a file another user owns");
            return;
        }
        std::ofstream(handoff).flush();
        REQUIRE(::chown(handoff.c_str(), 4242, 4242) == 0);
        check_refused(db);
        CHECK(status_of(handoff).st_size == 0);  // not grown to its size
        // The same file is fine once the database belongs to that user: a
        // process of the database's owner made it.
        REQUIRE(::chown(db.c_str(), 4242, 4242) == 0);
        CHECK(WriteHandoff::open(db));
        CHECK(status_of(handoff).st_uid == 4242);
    }
}

TEST_CASE("the handoff file is created 0600 for a 0600 database, owned like it when root creates it",
          "[handoff][security]") {
    TempDir dir;
    const std::string db = dir.file("h.db"), handoff = db + "-handoff";
    const UmaskFor umask(022);  // what most services run with
    {
        std::ofstream(db).flush();
        REQUIRE(::chmod(db.c_str(), 0600) == 0);
        if (::geteuid() == 0) REQUIRE(::chown(db.c_str(), 4242, 4343) == 0);
        REQUIRE(WriteHandoff::open(db));
        const auto st = status_of(handoff);
        CHECK(S_ISREG(st.st_mode));
        CHECK((st.st_mode & 07777) == 0600);
        if (::geteuid() == 0) {
            CHECK(st.st_uid == 4242);
            CHECK(st.st_gid == 4343);
        }
        // Opened again (another process of the same user): the same file.
        CHECK(WriteHandoff::open(db));
        // A database shared with a group: so is its handoff, never with others.
        REQUIRE(::unlink(handoff.c_str()) == 0);
        REQUIRE(::chmod(db.c_str(), 0664) == 0);
        REQUIRE(WriteHandoff::open(db));
        CHECK((status_of(handoff).st_mode & 07777) == 0660);
    }
}
