// The permissions of the files the SQLite store creates: the database holds
// room passwords, feed salts, e-mails and chat, so a database the store
// creates is 0600 from its first moment, and SQLite gives its -wal and -shm
// files the database file's mode (as the handoff file takes it too). A file
// the host created keeps the mode the host gave it.
#include "support/fixtures.hpp"

#include <livecourse/store.hpp>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

using namespace lc_test;

namespace {

struct UmaskFor {
    mode_t saved;
    explicit UmaskFor(mode_t m) : saved(::umask(m)) {}
    ~UmaskFor() { ::umask(saved); }
};

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    REQUIRE(S_ISREG(st.st_mode));
    return st.st_mode & 07777;
}

// Opens a store on `path` and writes once, so that -wal and -shm exist,
// then checks the mode of every file while the store is open.
void check_modes(const std::string& path, mode_t expected) {
    livecourse::SqliteOptions o;
    o.path = path;
    auto store = livecourse::open_sqlite_store(o);
    store->set_enrollment("c", "u", livecourse::Role::student, after_every_session());
    for (const char* suffix : {"", "-wal", "-shm", "-handoff"}) {
        INFO(path + suffix);
        CHECK(mode_of(path + suffix) == expected);
    }
}

}  // namespace

TEST_CASE("sqlite: a new database and its -wal, -shm and -handoff files are 0600; a host's keeps its mode",
          "[sqlite][security]") {
    TempDir dir;
    const UmaskFor umask(022);  // SQLite alone would make them 0644
    const std::string path = dir.file("new.db");
    check_modes(path, 0600);
    // And still after reopening (a second process, a restart).
    check_modes(path, 0600);
    CHECK(mode_of(path) == 0600);

    // A database the host created (here shared with a group) keeps its
    // mode, and its files follow it.
    const std::string host = dir.file("host.db");
    std::ofstream(host).flush();
    REQUIRE(::chmod(host.c_str(), 0640) == 0);
    check_modes(host, 0640);
}

TEST_CASE("sqlite: open_store creates a database 0600 under any umask", "[sqlite][security]") {
    TempDir dir;
    const UmaskFor umask(0);
    const std::string path = dir.file("any.db");
    auto store = livecourse::open_store(path);
    store->set_enrollment("c", "u", livecourse::Role::student, after_every_session());
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(path + "-wal") == 0600);
    CHECK(mode_of(path + "-shm") == 0600);
}
