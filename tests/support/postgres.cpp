#include "support/postgres.hpp"

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lc_test::postgres {

namespace fs = std::filesystem;

namespace {

const std::string bin = "/usr/lib/postgresql/15/bin/";

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string tail(const std::string& s, std::size_t n = 3000) { return s.size() > n ? s.substr(s.size() - n) : s; }

[[noreturn]] void fail(const std::string& what, const fs::path& log = {}) {
    std::string msg = "cannot run the test PostgreSQL server: " + what;
    if (!log.empty()) msg += "\n--- " + log.string() + " ---\n" + tail(read_file(log));
    throw std::runtime_error(msg);
}

// Runs a shell command (paths are ours: no quoting issues), output to `log`.
int sh(const std::string& command, const fs::path& log) {
    std::string full = "(" + command + ") >>'" + log.string() + "' 2>&1";
    int status = std::system(full.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool root() { return ::geteuid() == 0; }

// PostgreSQL refuses to run as root: as root, run its tools as `postgres`.
std::string as_postgres(const std::string& command) {
    return root() ? "runuser -u postgres -- " + command : command;
}

void give_to_postgres(const fs::path& p) {
    if (!root()) return;
    passwd* pw = ::getpwnam("postgres");
    if (!pw) fail("no `postgres` system user (run scripts/bootstrap to install PostgreSQL)");
    if (::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) fail("cannot chown " + p.string());
}

// The template cluster for this build directory, made once under a lock.
fs::path template_cluster() {
    auto exe = fs::read_symlink("/proc/self/exe").string();
    const std::string initdb_options =
        "-A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions --wal-segsize=1";
    auto key = std::hash<std::string>{}(exe + "|" + bin + "|" + initdb_options + "|" + std::to_string(::geteuid()));
    std::ostringstream name;
    name << "/tmp/livecourse-pg-template-" << std::hex << key;
    fs::path tmpl = name.str();
    fs::path lock_path = tmpl.string() + ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot open " + lock_path.string());
    if (::flock(fd, LOCK_EX) != 0) fail("cannot lock " + lock_path.string());
    struct Unlock {
        int fd;
        ~Unlock() { ::close(fd); }
    } unlock{fd};
    if (fs::exists(tmpl / "PG_VERSION")) return tmpl;
    fs::path building = tmpl.string() + ".building";
    fs::path log = tmpl.string() + ".initdb.log";
    std::error_code ec;
    fs::remove_all(building, ec);
    fs::remove(log, ec);
    if (!fs::exists(bin + "initdb")) fail(bin + "initdb not found (run scripts/bootstrap to install postgresql)");
    fs::create_directories(building);
    fs::permissions(building, fs::perms::owner_all);
    give_to_postgres(building);
    if (sh(as_postgres(bin + "initdb -D '" + building.string() + "' " + initdb_options), log) != 0)
        fail("initdb failed", log);
    fs::rename(building, tmpl);
    return tmpl;
}

// The guardian pipe ends held by the process that started the server.
int the_server_fds[2] = {-1, -1};

class Server {
public:
    Server() {
        char pattern[] = "/tmp/lc-pg-XXXXXX";
        if (!::mkdtemp(pattern)) fail("mkdtemp failed");
        dir_ = pattern;
        dir_string_ = dir_.string();
        log_ = dir_ / "server.log";
        give_to_postgres(dir_);
        start_guardian();
        fs::path tmpl = template_cluster();
        if (sh("cp -a '" + tmpl.string() + "' '" + data().string() + "'", dir_ / "setup.log") != 0)
            fail("cannot copy the template cluster", dir_ / "setup.log");
        {
            std::ofstream conf(data() / "postgresql.conf", std::ios::app);
            conf << "\n# livecourse tests\nlisten_addresses = ''\nunix_socket_directories = '" << dir_.string()
                 << "'\nfsync = off\nfull_page_writes = off\nshared_buffers = 32MB\nmax_connections = 200\n";
        }
        start();
    }

    void start() {
        if (sh(as_postgres(bin + "pg_ctl -D '" + data().string() + "' -l '" + log_.string() + "' -w -t 60 -s start"),
               dir_ / "pg_ctl.log") != 0)
            fail("pg_ctl start failed", log_);
    }

    void stop() {
        if (sh(as_postgres(bin + "pg_ctl -D '" + data().string() + "' -m immediate -w -s stop"), dir_ / "pg_ctl.log") !=
            0)
            fail("pg_ctl stop failed", dir_ / "pg_ctl.log");
    }

    std::string uri(const std::string& db) const { return "postgresql://postgres@/" + db + "?host=" + dir_.string(); }
    const std::string& socket_dir() const { return dir_string_; }

    std::string create_database() {
        static std::atomic<int> counter{0};
        std::string name = "t_" + std::to_string(++counter);
        // FILE_COPY: a plain copy of template1 plus a checkpoint (cheap with
        // fsync off), instead of writing the whole template into the WAL.
        query(uri("postgres"), "CREATE DATABASE " + name + " STRATEGY = FILE_COPY");
        return uri(name);
    }

    // Run at exit in the process that started the server (not in forked
    // children): let the guardian stop the server and delete the directory,
    // and wait until it has.
    void shut_down() {
        if (::getpid() != owner_ || alive_w_ < 0) return;
        ::close(alive_w_);
        alive_w_ = -1;
        char buf[64];
        while (::read(done_r_, buf, sizeof buf) > 0) {
        }
        ::close(done_r_);
    }

private:
    fs::path data() const { return dir_ / "data"; }

    // The guardian: `setsid -f` detaches it into its own session (so neither
    // a terminal's ^C nor a kill of the test's process group or tree reaches
    // it); it reads its stdin until EOF, which comes when every copy of the
    // pipe's write end is closed (this process exited, however it ended), then
    // stops the server and removes the directory. Its stdout is the `done`
    // pipe, whose EOF tells shut_down() it has finished.
    void start_guardian() {
        int alive[2], done[2];
        if (::pipe2(alive, O_CLOEXEC) != 0 || ::pipe2(done, O_CLOEXEC) != 0) fail("pipe2 failed");
        std::string script = "trap '' INT TERM HUP QUIT; cat >/dev/null; " +
                             as_postgres(bin + "pg_ctl -D \"$1/data\" -m immediate -w -s stop") +
                             " >/dev/null 2>&1; rm -rf \"$1\"";
        std::string dir = dir_.string();
        pid_t pid = ::fork();
        if (pid < 0) fail("fork failed");
        if (pid == 0) {
            ::dup2(alive[0], 0);
            ::dup2(done[1], 1);
            int null = ::open("/dev/null", O_WRONLY);
            if (null >= 0) ::dup2(null, 2);
            ::execl("/usr/bin/setsid", "setsid", "-f", "/bin/sh", "-c", script.c_str(), "lc-pg-guardian", dir.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(alive[0]);
        ::close(done[1]);
        int status = 0;
        ::waitpid(pid, &status, 0);  // `setsid -f` returns once the guardian is forked off
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("cannot start the guardian process (setsid)");
        alive_w_ = alive[1];
        done_r_ = done[0];
        owner_ = ::getpid();
        // A forked child (the seat races fork racers) must not keep the
        // server alive after this process is gone.
        ::pthread_atfork(nullptr, nullptr, [] {
            if (the_server_fds[0] >= 0) ::close(the_server_fds[0]);
            if (the_server_fds[1] >= 0) ::close(the_server_fds[1]);
        });
        the_server_fds[0] = alive_w_;
        the_server_fds[1] = done_r_;
    }

    fs::path dir_;
    fs::path log_;
    std::string dir_string_;
    int alive_w_ = -1;
    int done_r_ = -1;
    pid_t owner_ = 0;
};

std::mutex server_mutex;
Server* the_server = nullptr;

Server& server() {
    std::lock_guard lock(server_mutex);
    if (!the_server) {
        the_server = new Server();  // lives until exit: atexit stops it
        std::atexit([] { the_server->shut_down(); });
    }
    return *the_server;
}

}  // namespace

std::string fresh_database() { return server().create_database(); }
const std::string& socket_dir() { return server().socket_dir(); }
void stop_server() { server().stop(); }
void start_server() { server().start(); }

std::string query(const std::string& uri, const std::string& sql) {
    PGconn* c = PQconnectdb(uri.c_str());
    struct Finish {
        PGconn* c;
        ~Finish() { PQfinish(c); }
    } finish{c};
    if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error(std::string("test query: ") + PQerrorMessage(c));
    PGresult* r = PQexec(c, sql.c_str());
    auto status = PQresultStatus(r);
    std::string out, error = PQresultErrorMessage(r);
    if (status == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0) out = PQgetvalue(r, 0, 0);
    PQclear(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        throw std::runtime_error("test query `" + sql + "` failed: " + error);
    return out;
}

}  // namespace lc_test::postgres
