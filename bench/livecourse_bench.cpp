// make bench: each measurement is the median of several runs, printed with a
// ratio against a reference measured in the same run (absolute times on a
// shared machine are noise; ratios are the result).
#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>
#include <livecourse/hmac.hpp>
#include <livecourse/ical.hpp>
#include <livecourse/jitsi.hpp>
#include <livecourse.h>

#include <date/date.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

using namespace livecourse;
using namespace std::chrono_literals;
using Clock_ = std::chrono::steady_clock;

namespace {

constexpr int runs = 7;

// The CPU time the calling thread has used, in nanoseconds.
double thread_cpu_ns() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e9 + double(t.tv_nsec);
}

double wall_ns() { return double(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock_::now().time_since_epoch()).count()); }

// Median over `runs` of the time per operation, in nanoseconds: wall time,
// or with `now = thread_cpu_ns` the CPU time of the calling thread (what a
// busy machine disturbs least).
double median_ns(int ops, const std::function<void()>& op, double (*now)() = wall_ns) {
    std::vector<double> per_op;
    for (int r = 0; r < runs; ++r) {
        double t = now();
        for (int i = 0; i < ops; ++i) op();
        per_op.push_back((now() - t) / ops);
    }
    std::sort(per_op.begin(), per_op.end());
    return per_op[per_op.size() / 2];
}

void line(const std::string& name, double ns, const std::string& unit_note, double reference_ns,
          const std::string& reference) {
    fmt::print("{:<44} {:>12.2f} us/op  {:>7.2f}x {}{}\n", name, ns / 1000.0, ns / reference_ns, reference,
               unit_note.empty() ? "" : "  (" + unit_note + ")");
}

std::string rsa_pem() {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, std::size_t(n));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

jitsi::TokenRequest typical_request(Instant now) {
    jitsi::TokenRequest r;
    r.room = "lc-course-123-session-1-abcdefghijklmnop";
    r.user_id = "user-123456";
    r.name = "Amélie Dupont";
    r.email = "amelie.dupont@example.edu";
    r.avatar = "https://lms.example.edu/avatars/123456.png";
    r.moderator = false;
    r.features.screen_sharing = true;
    r.issued_at = now;
    r.expires_at = now + 2h;
    return r;
}

void bench_tokens() {
    Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
    jitsi::Config hs;
    hs.mode = jitsi::Mode::self_hosted;
    hs.server_url = "https://meet.example.edu";
    hs.app_id = "lms";
    hs.app_secret = std::string(48, 's');
    jitsi::TokenIssuer issuer(hs);
    auto req = typical_request(now);
    auto token = *issuer.mint(req);
    std::string signing_input = token.substr(0, token.rfind('.'));

    // The floor: OpenSSL HMAC-SHA256 with a pre-keyed context over the same bytes.
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* keyed = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC_init(keyed, reinterpret_cast<const unsigned char*>(hs.app_secret.data()), hs.app_secret.size(), params);
    unsigned char out[32];
    auto floor = median_ns(20000, [&] {
        EVP_MAC_CTX* c = EVP_MAC_CTX_dup(keyed);
        std::size_t len = 0;
        EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
        EVP_MAC_final(c, out, &len, sizeof out);
        EVP_MAC_CTX_free(c);
    });
    auto ours = median_ns(20000, [&] { (void)issuer.mint(req); });
    line("HMAC-SHA256 floor (pre-keyed, same input)", floor, "", floor, "floor");
    line("HS256 Jitsi token (livecourse)", ours, fmt::format("{} bytes", token.size()), floor, "floor");

    jitsi::Config jaas;
    jaas.mode = jitsi::Mode::jaas;
    jaas.app_id = "vpaas-magic-cookie-0123456789abcdef";
    jaas.jaas_key_id = "key1";
    jaas.jaas_private_key_pem = rsa_pem();
    jitsi::TokenIssuer rsa_issuer(jaas);
    auto rtoken = *rsa_issuer.mint(req);
    std::string rinput = rtoken.substr(0, rtoken.rfind('.'));
    BIO* bio = BIO_new_mem_buf(jaas.jaas_private_key_pem.data(), int(jaas.jaas_private_key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    unsigned char sig[512];
    auto rfloor = median_ns(300, [&] {
        EVP_MD_CTX* c = EVP_MD_CTX_new();
        std::size_t len = sizeof sig;
        EVP_DigestSignInit(c, nullptr, EVP_sha256(), nullptr, key);
        EVP_DigestSign(c, sig, &len, reinterpret_cast<const unsigned char*>(rinput.data()), rinput.size());
        EVP_MD_CTX_free(c);
    });
    auto rours = median_ns(300, [&] { (void)rsa_issuer.mint(req); });
    line("RSA-2048 signature floor (parsed key)", rfloor, "", rfloor, "floor");
    line("RS256 JaaS token (livecourse)", rours, "", rfloor, "floor");
    EVP_PKEY_free(key);
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(mac);
}

class OpenRoster final : public Roster {
public:
    Role role_of(std::string_view, std::string_view user) override {
        return user == "prof" ? Role::instructor : Role::student;
    }
    std::vector<Enrollment> courses_of(std::string_view) override {
        return {{"c", Role::student}, {"course-0", Role::student}};
    }
    std::optional<std::int64_t> count_students(std::string_view) override { return 100000; }
};

struct JoinFigures {
    double per_second = 0, p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
    double cpu_us = 0;  // CPU time of the joining threads per join, when measured
};

JoinFigures figures(std::vector<double> latencies_ns, double seconds, double cpu_ns = 0) {
    std::sort(latencies_ns.begin(), latencies_ns.end());
    auto at = [&](double q) { return latencies_ns[std::min(latencies_ns.size() - 1, std::size_t(q * latencies_ns.size()))] / 1000; };
    auto n = double(latencies_ns.size());
    return {n / seconds, at(0.5), at(0.99), at(0.999), latencies_ns.back() / 1000, cpu_ns / n / 1000};
}

JoinFigures median_of(std::vector<JoinFigures> v) {
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.per_second < b.per_second; });
    return v[v.size() / 2];
}

constexpr int join_students = 4000;
const Actor bench_prof{"prof", "Prof", "", ""};

// An engine on `db` with self-hosted Jitsi (HS256 tokens, app id "lms").
EngineConfig self_hosted_config(const std::string& db, std::string server_url, std::string secret) {
    EngineConfig c;
    c.database = db;
    c.jitsi.mode = jitsi::Mode::self_hosted;
    c.jitsi.server_url = std::move(server_url);
    c.jitsi.app_id = "lms";
    c.jitsi.app_secret = std::move(secret);
    return c;
}

EngineConfig join_config(const std::string& db) {
    return self_hosted_config(db, "https://meet.example.edu", std::string(48, 's'));
}

// A database with one course of `join_students` enrolled students.
std::string join_database(const std::filesystem::path& dir) {
    auto db = (dir / "joins.db").string();
    Engine e(join_config(db));
    e.enroll("c", bench_prof.user_id, Role::instructor);
    for (int i = 0; i < join_students; ++i) e.enroll("c", fmt::format("u{}", i), Role::student);
    return db;
}

std::string live_session(Engine& e) {
    SessionDraft d;
    d.title = "Rush";
    d.starts_at = e.now();
    d.ends_at = d.starts_at + 2h;
    d.max_participants = join_students;
    auto s = e.create_session(bench_prof, "c", d);
    e.start_session(bench_prof, s.id);
    return s.id;
}

// `threads` threads share the calls call(first) .. call(last - 1); returns
// each call's latency in nanoseconds (and adds the threads' CPU time to
// `cpu_ns` when given).
std::vector<double> timed_calls(int first, int last, int threads, const std::function<void(int)>& call,
                                std::atomic<double>* cpu_ns = nullptr) {
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(std::max(1, threads)));
    std::atomic<int> next{first};
    std::vector<std::thread> pool;
    for (auto& mine : lat)
        pool.emplace_back([&] {
            double cpu0 = thread_cpu_ns();
            for (int i; (i = next++) < last;) {
                auto t0 = Clock_::now();
                call(i);
                mine.push_back(double((Clock_::now() - t0).count()));
            }
            if (cpu_ns) *cpu_ns += thread_cpu_ns() - cpu0;
        });
    for (auto& th : pool) th.join();
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    return all;
}

// `threads` threads share students u<first> .. u<first + count - 1>, who
// join `session`; returns each join's latency in nanoseconds.
std::vector<double> timed_joins(Engine& e, const std::string& session, int first, int count, int threads) {
    return timed_calls(first, first + count, threads,
                       [&](int i) { e.join(Actor{fmt::format("u{}", i), "Student", "", ""}, session); });
}

// `threads` threads share the students of one fresh session.
JoinFigures library_joins(Engine& e, int threads) {
    auto session = live_session(e);
    auto t = Clock_::now();
    auto lat = timed_joins(e, session, 0, join_students, threads);
    double secs = std::chrono::duration<double>(Clock_::now() - t).count();
    return figures(std::move(lat), secs);
}

// The floor: the same join transaction written directly against the SQLite
// C API with prepared statements, one transaction per join (enrollment
// check, status and seat check, participant, seat count, presence). With
// `batch` > 1, that many joins share each transaction: what perfect group
// commit could reach on one thread, with no token and no thread hand-offs.
JoinFigures floor_joins(const std::string& db, const std::string& session, int batch = 1) {
    sqlite3* c = nullptr;
    sqlite3_open(db.c_str(), &c);
    sqlite3_busy_timeout(c, 10000);
    sqlite3_exec(c, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr);
    auto prep = [&](const char* sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v3(c, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) std::abort();
        return st;
    };
    auto begin = prep("BEGIN IMMEDIATE"), commit = prep("COMMIT");
    auto role = prep("SELECT role FROM enrollments WHERE course_id = ?1 AND user_id = ?2");
    auto sess = prep("SELECT status, max_participants, seats_taken FROM sessions WHERE id = ?1");
    auto part = prep("SELECT 1 FROM participants WHERE session_id = ?1 AND user_id = ?2");
    auto ins = prep("INSERT INTO participants (session_id, user_id, role, takes_seat, admitted_at) VALUES (?1, ?2, 'student', 1, ?3)");
    auto seat = prep("UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = ?1");
    auto pres = prep("INSERT INTO presence (session_id, user_id, joined_at, source) VALUES (?1, ?2, ?3, 'client')");
    auto step = [](sqlite3_stmt* st) {
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc;
    };
    std::int64_t sid = std::stoll(session);
    std::vector<double> lat;
    auto t = Clock_::now();
    for (int i = 0; i < join_students; ++i) {
        auto user = fmt::format("u{}", i);
        auto t0 = Clock_::now();
        std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        if (i % batch == 0) step(begin);
        sqlite3_bind_text(role, 1, "c", 1, SQLITE_STATIC);
        sqlite3_bind_text(role, 2, user.c_str(), int(user.size()), SQLITE_STATIC);
        step(role);
        sqlite3_bind_int64(sess, 1, sid);
        step(sess);
        sqlite3_bind_int64(part, 1, sid);
        sqlite3_bind_text(part, 2, user.c_str(), int(user.size()), SQLITE_STATIC);
        step(part);
        sqlite3_bind_int64(ins, 1, sid);
        sqlite3_bind_text(ins, 2, user.c_str(), int(user.size()), SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, now);
        step(ins);
        sqlite3_bind_int64(seat, 1, sid);
        step(seat);
        sqlite3_bind_int64(pres, 1, sid);
        sqlite3_bind_text(pres, 2, user.c_str(), int(user.size()), SQLITE_STATIC);
        sqlite3_bind_int64(pres, 3, now);
        step(pres);
        if ((i + 1) % batch == 0 || i + 1 == join_students)
            if (step(commit) != SQLITE_DONE) std::abort();
        lat.push_back(double((Clock_::now() - t0).count()));
    }
    double secs = std::chrono::duration<double>(Clock_::now() - t).count();
    for (auto st : {begin, commit, role, sess, part, ins, seat, pres}) sqlite3_finalize(st);
    sqlite3_close(c);
    return figures(std::move(lat), secs);
}

// Two processes on one file, each joining half of the students of a fresh
// session from `threads` threads. Both open their engine first and start joining at the same
// instant (steady_clock is the system's monotonic clock, shared by
// processes), so that process start-up is not counted as joining.
JoinFigures two_process_joins(Engine& e, const std::string& db, const std::string& self, bool handoff, int threads) {
    auto session = live_session(e);
    auto start = Clock_::now() + 300ms;
    std::vector<FILE*> workers;
    for (int p = 0; p < 2; ++p)
        workers.push_back(::popen(fmt::format("{} --join-worker {} {} {} {} {} {} {}", self, db, session,
                                              p * join_students / 2, join_students / 2, start.time_since_epoch().count(),
                                              handoff ? "handoff" : "retry", threads)
                                      .c_str(),
                                  "r"));
    std::vector<double> lat;
    double finished_ns = 0;
    for (auto* w : workers) {
        double v;
        while (std::fscanf(w, "%lf", &v) == 1) lat.push_back(v);
        if (std::fscanf(w, " end %lf", &v) == 1) finished_ns = std::max(finished_ns, v);
        ::pclose(w);
    }
    double seconds = (finished_ns - double(start.time_since_epoch().count())) / 1e9;
    return figures(std::move(lat), seconds);
}

void print_joins(const std::string& name, const JoinFigures& f, const std::string& ratio) {
    fmt::print("{:<44} {:>9.0f} joins/s  p50 {:>6.1f} us  p99 {:>7.1f} us  p99.9 {:>7.1f} us  max {:>8.1f} us  {}\n",
               name, f.per_second, f.p50_us, f.p99_us, f.p999_us, f.max_us, ratio);
}

void bench_join_throughput(const std::filesystem::path& dir, const std::string& self) {
    auto db = join_database(dir);
    Engine e(join_config(db));
    std::vector<JoinFigures> floor, batched, one, pair, eight, rush, two_proc, two_proc_retry, two_by_8, two_by_8_retry;
    for (int r = 0; r < 3; ++r) {
        floor.push_back(floor_joins(db, live_session(e)));
        batched.push_back(floor_joins(db, live_session(e), 16));
        one.push_back(library_joins(e, 1));
        pair.push_back(library_joins(e, 2));
        eight.push_back(library_joins(e, 8));
        rush.push_back(library_joins(e, 16));
        two_proc.push_back(two_process_joins(e, db, self, true, 1));
        two_proc_retry.push_back(two_process_joins(e, db, self, false, 1));
        two_by_8.push_back(two_process_joins(e, db, self, true, 8));
        two_by_8_retry.push_back(two_process_joins(e, db, self, false, 8));
    }
    auto f = median_of(floor), a = median_of(one), b = median_of(rush), c = median_of(two_proc);
    print_joins("join floor: raw SQLite C API, 1 thread", f, "1.00x floor time");
    auto g = median_of(batched);
    print_joins("floor, 16 joins per transaction", g, fmt::format("{:.2f}x floor throughput", g.per_second / f.per_second));
    print_joins("join (livecourse), 1 thread", a, fmt::format("{:.2f}x floor time", f.per_second / a.per_second));
    for (auto [threads, figures] : {std::pair{2, median_of(pair)}, std::pair{8, median_of(eight)}, std::pair{16, b}})
        print_joins(fmt::format("join (livecourse), {} threads", threads), figures,
                    fmt::format("{:.2f}x floor throughput", figures.per_second / f.per_second));
    print_joins("join (livecourse), 2 processes, one file", c, fmt::format("{:.2f}x 1 thread", c.per_second / a.per_second));
    auto r = median_of(two_proc_retry);
    print_joins("  the same, writers only retry (no handoff)", r, fmt::format("{:.2f}x 1 thread", r.per_second / a.per_second));
    auto e8 = median_of(eight), p8 = median_of(two_by_8), r8 = median_of(two_by_8_retry);
    print_joins("join (livecourse), 2 processes x 8 threads", p8,
                fmt::format("{:.2f}x 8 threads in one process", p8.per_second / e8.per_second));
    print_joins("  the same, writers only retry (no handoff)", r8,
                fmt::format("{:.2f}x 8 threads in one process", r8.per_second / e8.per_second));
}

// ------------------------------------------------------------------ rush
// The 10:00 rush of bench/bindings/python_rush.py and node_rush.mjs, the
// same workload through the C++ API the bindings call: 500 courses with one
// live session each, an instructor and 100 students per course, every user
// with a name, an e-mail and an avatar, self-hosted Jitsi with HS256 tokens;
// 22,000 joins in a shuffled order over all courses (2% reconnects), the
// first 2,000 a warm-up, each join timed alone. The order is the one the
// bindings' scripts build, drawn from the same generator.
constexpr int rush_courses = 500;
constexpr int rush_members = 101;  // the instructor, then 100 students
constexpr int rush_joins = 22000;
constexpr int rush_warmup = 2000;
constexpr std::uint32_t rush_seed = 20260307;

// Python's random.Random(seed) for a seed below 2^32 (MT19937 seeded by
// init_by_array), its shuffle and randrange: the scripts' join order, bit
// for bit.
class PythonRandom {
public:
    explicit PythonRandom(std::uint32_t seed) {
        mt_[0] = 19650218u;
        for (std::uint32_t i = 1; i < n; ++i) mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + i;
        std::uint32_t i = 1;
        for (std::uint32_t k = 0; k < n; ++k) {
            mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + seed;
            if (++i >= n) mt_[0] = mt_[n - 1], i = 1;
        }
        for (std::uint32_t k = 0; k < n - 1; ++k) {
            mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - i;
            if (++i >= n) mt_[0] = mt_[n - 1], i = 1;
        }
        mt_[0] = 0x80000000u;
    }

    // A uniform integer in [0, bound): getrandbits(bound.bit_length()) until below.
    std::uint32_t below(std::uint32_t bound) {
        int bits = std::bit_width(bound);
        for (;;)
            if (std::uint32_t r = next() >> (32 - bits); r < bound) return r;
    }

    template <class T>
    void shuffle(T first, T last) {
        for (auto i = std::uint32_t(last - first) - 1; i > 0; --i) std::swap(first[i], first[below(i + 1)]);
    }

private:
    static constexpr std::uint32_t n = 624, m = 397;

    std::uint32_t next() {
        if (index_ >= n) {
            for (std::uint32_t k = 0; k < n; ++k) {
                std::uint32_t y = (mt_[k] & 0x80000000u) | (mt_[(k + 1) % n] & 0x7fffffffu);
                mt_[k] = mt_[(k + m) % n] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
            }
            index_ = 0;
        }
        std::uint32_t y = mt_[index_++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        return y ^ (y >> 18);
    }

    std::array<std::uint32_t, n> mt_{};
    std::uint32_t index_ = n;
};

// Member `member` of course `course`: 0 is the instructor.
Actor rush_person(int course, int member) {
    if (member == 0)
        return {fmt::format("prof-{}", course), fmt::format("Professor {}", course),
                fmt::format("prof{}@example.edu", course), fmt::format("https://cdn.example.edu/avatars/prof-{}.png", course)};
    int k = member - 1;
    return {fmt::format("stu-{}-{}", course, k), fmt::format("Student {}.{}", course, k),
            fmt::format("stu{}.{}@example.edu", course, k), fmt::format("https://cdn.example.edu/avatars/stu-{}-{}.png", course, k)};
}

struct RushJoin {
    int course;
    int member;
};

// Every member of every course, shuffled; the first 98% of them, then 2%
// reconnects drawn from the first half, then the second half shuffled again.
std::vector<RushJoin> rush_order() {
    std::vector<RushJoin> all;
    for (int c = 0; c < rush_courses; ++c)
        for (int k = 0; k < rush_members; ++k) all.push_back({c, k});
    PythonRandom rng(rush_seed);
    rng.shuffle(all.begin(), all.end());
    std::vector<RushJoin> order(all.begin(), all.begin() + (rush_joins - rush_joins / 50));
    auto firsts = std::uint32_t(order.size() / 2);
    for (int i = 0; i < rush_joins / 50; ++i) order.push_back(order[rng.below(firsts)]);
    rng.shuffle(order.begin() + std::ptrdiff_t(order.size() / 2), order.end());
    return order;
}

// The scripts' Jitsi settings.
EngineConfig rush_config(const std::string& db) {
    return self_hosted_config(db, "https://meet.example.org", "rush-secret-rush-secret-rush-secret-0123456789");
}

struct RushBase {
    std::string db;
    std::vector<Session> sessions;  // by course
    std::vector<Actor> actors;      // course * rush_members + member
    std::vector<RushJoin> order;
    const Actor& actor(const RushJoin& j) const { return actors[std::size_t(j.course * rush_members + j.member)]; }
};

// The rush's database, built once through the engine and copied for every case.
RushBase rush_database(const std::filesystem::path& dir) {
    RushBase base;
    base.db = (dir / "rush.db").string();
    base.order = rush_order();
    Engine e(rush_config(base.db));
    Instant now = e.now();
    for (int c = 0; c < rush_courses; ++c) {
        auto course = fmt::format("course-{}", c);
        for (int k = 0; k < rush_members; ++k) {
            base.actors.push_back(rush_person(c, k));
            e.enroll(course, base.actors.back().user_id, k == 0 ? Role::instructor : Role::student);
            e.put_user(base.actors.back());
        }
        const Actor& prof = base.actors[std::size_t(c * rush_members)];
        SessionDraft d;
        d.title = fmt::format("Live class {}", c);
        d.starts_at = now - 1min;
        d.ends_at = now + 2h;
        d.max_participants = rush_members + 9;
        auto s = e.create_session(prof, course, d);
        base.sessions.push_back(e.start_session(prof, s.id));
    }
    return base;
}

std::string rush_copy(const RushBase& base, const std::string& name) {
    auto to = (std::filesystem::path(base.db).parent_path() / name).string();
    for (const char* suffix : {"", "-wal"})
        if (std::filesystem::exists(base.db + suffix))
            std::filesystem::copy_file(base.db + suffix, to + suffix, std::filesystem::copy_options::overwrite_existing);
    return to;
}

// Runs the warm-up, then times each other join alone, `threads` threads
// sharing the order; `join(j)` makes join j.
JoinFigures rush_run(const RushBase& base, int threads, const std::function<void(const RushJoin&)>& join) {
    auto call = [&](int i) { join(base.order[std::size_t(i)]); };
    timed_calls(0, rush_warmup, threads, call);
    std::atomic<double> cpu{0};
    auto t = Clock_::now();
    auto lat = timed_calls(rush_warmup, rush_joins, threads, call, &cpu);
    return figures(std::move(lat), std::chrono::duration<double>(Clock_::now() - t).count(), cpu);
}

// Engine::join, with the token and the join link.
JoinFigures rush_engine_joins(const RushBase& base, int threads) {
    Engine e(rush_config(rush_copy(base, fmt::format("rush-engine-{}.db", threads))));
    return rush_run(base, threads, [&](const RushJoin& j) {
        auto r = e.join(base.actor(j), base.sessions[std::size_t(j.course)].id);
        if (r.jitsi_join_url.find("jwt=") == std::string::npos) std::abort();
    });
}

// lc_session_join, with the request the Python binding sends (a cached
// actor encoding and the session id): the C ABI's request reading and
// result text on top of Engine::join.
JoinFigures rush_capi_joins(const RushBase& base) {
    auto db = rush_copy(base, "rush-capi.db");
    auto config = rush_config(db);
    auto open = fmt::format(R"({{"database":"{}","jitsi":{{"mode":"self_hosted","server_url":"{}","app_id":"{}","app_secret":"{}"}}}})",
                            db, config.jitsi.server_url, config.jitsi.app_id, config.jitsi.app_secret);
    lc_engine* engine = nullptr;
    char* error = nullptr;
    if (lc_engine_open(open.c_str(), nullptr, &engine, &error) != LC_OK) std::abort();
    std::vector<std::string> requests;
    for (const auto& j : base.order) {
        const Actor& a = base.actor(j);
        requests.push_back(fmt::format(R"({{"actor":{{"user_id":"{}","name":"{}","email":"{}","avatar":"{}"}},"session_id":"{}"}})",
                                       a.user_id, a.name, a.email, a.avatar, base.sessions[std::size_t(j.course)].id));
    }
    auto f = rush_run(base, 1, [&](const RushJoin& j) {
        auto i = std::size_t(&j - base.order.data());
        char* out = nullptr;
        char* err = nullptr;
        if (lc_session_join(engine, requests[i].c_str(), &out, &err) != LC_OK) std::abort();
        lc_free(out);
    });
    lc_engine_close(engine);
    return f;
}

// Only the store's admission transaction (Store::admit) of each join.
JoinFigures rush_store_admits(const RushBase& base) {
    SqliteOptions options;
    options.path = rush_copy(base, "rush-store.db");
    auto store = open_sqlite_store(options);
    return rush_run(base, 1, [&](const RushJoin& j) {
        const Session& s = base.sessions[std::size_t(j.course)];
        AdmitRequest r{s.id, base.actor(j).user_id, Role::none, s.course_id, std::chrono::floor<Seconds>(std::chrono::system_clock::now())};
        auto a = store->admit(r);
        if (a.outcome != AdmitOutcome::admitted && a.outcome != AdmitOutcome::rejoined) std::abort();
    });
}

// The token and the join link of each join, as the engine makes them.
struct RushTokens {
    double token_ns = 0, token_and_url_ns = 0;
};

RushTokens rush_tokens(const RushBase& base) {
    auto config = rush_config(base.db).jitsi;
    jitsi::TokenIssuer issuer(config);
    auto timed = std::vector<RushJoin>(base.order.begin() + rush_warmup, base.order.end());
    std::size_t i = 0;
    auto mint = [&](const RushJoin& j) {
        const Session& s = base.sessions[std::size_t(j.course)];
        const Actor& a = base.actor(j);
        bool moderator = j.member == 0;
        Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
        jitsi::TokenRequest r;
        r.room = s.jitsi_room_name;
        r.user_id = a.user_id;
        r.name = a.name;
        r.email = a.email;
        r.avatar = a.avatar;
        r.moderator = moderator;
        r.features = jitsi::features_for(config, moderator, s.recording_enabled, false);
        r.issued_at = now;
        r.expires_at = jitsi::token_expiry(config, now, s.ends_at);
        return issuer.mint(r);
    };
    RushTokens t;
    t.token_ns = median_ns(int(timed.size()), [&] { (void)mint(timed[i++ % timed.size()]); }, thread_cpu_ns);
    t.token_and_url_ns = median_ns(int(timed.size()), [&] {
        const RushJoin& j = timed[i++ % timed.size()];
        jitsi::JoinLinkOptions o;
        o.jwt = mint(j);
        o.display_name = base.actor(j).name;
        o.email = base.actor(j).email;
        o.moderator = o.screen_sharing = j.member == 0;
        (void)jitsi::join_url(config, base.sessions[std::size_t(j.course)].jitsi_room_name, o);
    }, thread_cpu_ns);
    return t;
}

void bench_rush(const std::filesystem::path& dir) {
    auto base = rush_database(dir);
    std::vector<JoinFigures> one, sixteen, capi, store;
    for (int r = 0; r < 3; ++r) {
        one.push_back(rush_engine_joins(base, 1));
        sixteen.push_back(rush_engine_joins(base, 16));
        capi.push_back(rush_capi_joins(base));
        store.push_back(rush_store_admits(base));
    }
    auto tokens = rush_tokens(base);
    auto a = median_of(one), b = median_of(sixteen), c = median_of(capi), s = median_of(store);
    auto us = [](const JoinFigures& f) { return 1e6 / f.per_second; };
    auto per_join = [&](const JoinFigures& f) { return fmt::format("{:.1f} us/join, cpu {:.1f} us/join", us(f), f.cpu_us); };
    print_joins("rush (livecourse join), 1 thread", a, per_join(a));
    print_joins("rush (livecourse join), 16 threads", b,
                fmt::format("{}, {:.2f}x 1 thread", per_join(b), b.per_second / a.per_second));
    print_joins("rush, C ABI lc_session_join, 1 thread", c,
                fmt::format("{}, {:.2f}x Engine::join cpu", per_join(c), c.cpu_us / a.cpu_us));
    print_joins("rush, Store::admit alone, 1 thread", s,
                fmt::format("{}, {:.2f}x Engine::join cpu", per_join(s), s.cpu_us / a.cpu_us));
    line("rush, HS256 token alone (livecourse)", tokens.token_ns, "cpu", tokens.token_ns, "token");
    line("rush, token and join URL (livecourse)", tokens.token_and_url_ns, "cpu", tokens.token_ns, "token");
    // CPU time of the joining thread (the checkpointer's is not in it).
    double token_us = tokens.token_and_url_ns / 1000;
    fmt::print("rush, one join on 1 thread (cpu us): store transaction {:.1f}, token and URL {:.1f}, "
               "rest of Engine::join {:.1f}, C ABI codec {:.1f}\n",
               s.cpu_us, token_us, a.cpu_us - s.cpu_us - token_us, c.cpu_us - a.cpu_us);
}

// PostgreSQL joins/s from 1, 4 and 16 client threads, on the database named
// by LIVECOURSE_BENCH_PG_URI (a local socket, synchronous_commit at its
// default); skipped when it is not set.
void bench_postgres_join_throughput() {
    const char* uri = std::getenv("LIVECOURSE_BENCH_PG_URI");
    if (!uri || !*uri) {
        fmt::print("{:<44} (set LIVECOURSE_BENCH_PG_URI to measure PostgreSQL joins)\n", "join on PostgreSQL");
        return;
    }
    Engine e(join_config(uri));
    e.enroll("c", bench_prof.user_id, Role::instructor);
    for (int i = 0; i < join_students; ++i) e.enroll("c", fmt::format("u{}", i), Role::student);
    for (int threads : {1, 4, 16}) {
        std::vector<JoinFigures> v;
        for (int r = 0; r < 3; ++r) v.push_back(library_joins(e, threads));
        print_joins(fmt::format("join on PostgreSQL, {} thread(s)", threads), median_of(v), "");
    }
}

// One of the two processes of the two-process measurement: opens its
// engine, waits for the common start, then prints each join's latency in
// nanoseconds and, last, "end" and the steady_clock time it finished.
int join_worker(const std::string& db, const std::string& session, int first, int count, Clock_::rep start,
                bool handoff, int threads) {
    auto config = join_config(db);
    SqliteOptions store;
    store.path = db;
    store.handoff = handoff;
    config.store = open_sqlite_store(store);
    Engine e(config);
    std::this_thread::sleep_until(Clock_::time_point(Clock_::duration(start)));
    auto lat = timed_joins(e, session, first, count, threads);
    auto end = Clock_::now();
    for (double x : lat) std::printf("%.0f\n", x);
    std::printf("end %.0f\n", double(end.time_since_epoch().count()));
    return 0;
}

void bench_ical(const std::filesystem::path& dir) {
    std::vector<ical::Event> events;
    Instant base = date::sys_days{date::year{2026} / 1 / 5} + 10h;
    for (int i = 0; i < 10000; ++i) {
        ical::Event e;
        e.uid = fmt::format("session-{}@livecourse", i);
        e.stamp = e.created = e.last_modified = base;
        e.start = base + std::chrono::hours(24 * (i % 365));
        e.end = e.start + 90min;
        e.summary = fmt::format("Cours {}: Introduction à la gouvernance, partie {}", i, i % 7);
        e.description = "Séance en direct; apportez vos questions.\nLien dans l'espace du cours.";
        e.url = fmt::format("https://lms.example.edu/courses/gov/live-sessions/{}/join", i);
        e.sequence = i % 3;
        e.organizer_name = "Aminata Diallo";
        e.organizer_email = "aminata@example.edu";
        events.push_back(std::move(e));
    }
    ical::CalendarInfo info;
    std::string out = ical::write_calendar(info, events);
    // The floor: the same bytes appended line by line with a plain loop.
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos < out.size();) {
        auto end = out.find("\r\n", pos);
        lines.push_back(std::string_view(out).substr(pos, end + 2 - pos));
        pos = end + 2;
    }
    auto floor = median_ns(1, [&] {
        std::string copy;
        copy.reserve(out.size());
        for (auto l : lines) copy.append(l);
        if (copy.size() != out.size()) std::abort();
    });
    auto ours = median_ns(1, [&] { (void)ical::write_calendar(info, events); });
    line("iCal floor: 10,000 events' bytes, plain loop", floor, fmt::format("{} bytes", out.size()), floor, "floor");
    line("iCal export, 10,000 sessions (livecourse)", ours, "", floor, "floor");

    // Python's icalendar at the same work, timed inside the interpreter.
    auto script = (dir / "ical_peer.py").string();
    std::ofstream(script) << R"(import sys, time, datetime as dt
import icalendar
base = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.timezone.utc)
times = []
for run in range(3):
    t = time.perf_counter()
    cal = icalendar.Calendar()
    cal.add('prodid', '-//peer//EN'); cal.add('version', '2.0'); cal.add('calscale', 'GREGORIAN'); cal.add('method', 'PUBLISH')
    for i in range(10000):
        e = icalendar.Event()
        e.add('uid', 'session-%d@livecourse' % i); e.add('dtstamp', base); e.add('created', base); e.add('last-modified', base)
        s = base + dt.timedelta(days=i % 365)
        e.add('dtstart', s); e.add('dtend', s + dt.timedelta(minutes=90))
        e.add('summary', 'Cours %d: Introduction à la gouvernance, partie %d' % (i, i % 7))
        e.add('description', "Séance en direct; apportez vos questions.\nLien dans l'espace du cours.")
        e.add('url', 'https://lms.example.edu/courses/gov/live-sessions/%d/join' % i)
        e.add('sequence', i % 3); e.add('status', 'CONFIRMED')
        org = icalendar.vCalAddress('mailto:aminata@example.edu'); org.params['cn'] = 'Aminata Diallo'; e.add('organizer', org)
        cal.add_component(e)
    data = cal.to_ical()
    times.append(time.perf_counter() - t)
times.sort()
print(times[1] * 1e9)
)";
    // Each peer prints its median time in nanoseconds for the same work.
    auto peer = [&](const std::string& name, const std::string& cmd) {
        FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
        if (!p) return;
        char buf[128] = {0};
        bool ok = std::fgets(buf, sizeof buf, p) != nullptr;
        if (::pclose(p) != 0 || !ok) {
            fmt::print("{:<44} (not available)\n", name);
            return;
        }
        double ns = std::atof(buf);
        line(name, ns, fmt::format("livecourse is {:.1f}x faster", ns / ours), floor, "floor");
    };
#ifdef LIVECOURSE_BENCH_LIBICAL
    peer("iCal export, 10,000 events (libical, C)", LIVECOURSE_BENCH_LIBICAL);
#endif
    peer("iCal export, 10,000 events (Python icalendar)", "/usr/bin/python3 " + script);
    peer("iCal export, 10,000 events (Node ical-generator)",
         std::string("node ") + LIVECOURSE_BENCH_PEERS_DIR + "/ical_generator.mjs");
}

// A term's gradebook: a course of 300 students (built-in roster) and 40
// one-hour classes held, each student present for a share that varies by
// student and class; the report reads every class's presence once.
void bench_course_report(const std::filesystem::path& dir) {
    auto clock = std::make_shared<ManualClock>(date::sys_days{date::year{2026} / 1 / 5} + 9h);
    EngineConfig c;
    c.database = (dir / "course_report.db").string();
    c.clock = clock;
    Engine e(c);
    Actor prof{"prof", "Prof", "", ""};
    e.enroll("term", prof.user_id, Role::instructor);
    std::vector<Actor> students;
    for (int u = 0; u < 300; ++u) {
        students.push_back(Actor{fmt::format("s{:03}", u), "", "", ""});
        e.enroll("term", students.back().user_id, Role::student);
    }
    Instant from = clock->now();
    for (int k = 0; k < 40; ++k) {
        SessionDraft d;
        d.title = fmt::format("Class {}", k + 1);
        d.starts_at = from + std::chrono::hours(24 * (k + 1));
        d.ends_at = d.starts_at + 1h;
        d.max_participants = 300;
        clock->set(d.starts_at - 1h);
        auto s = e.create_session(prof, "term", d);
        clock->set(d.starts_at);
        e.start_session(prof, s.id);
        e.join(prof, s.id);
        // Student u comes 0-15 min late and leaves 0-30 min early; one in
        // ten misses the class.
        std::vector<std::pair<Instant, int>> events;
        for (int u = 0; u < 300; ++u) {
            if ((u + k) % 10 == 0) continue;
            events.emplace_back(d.starts_at + std::chrono::minutes((u * 7 + k) % 16), u);
            events.emplace_back(d.ends_at - std::chrono::minutes((u * 11 + k) % 31), -1 - u);
        }
        std::sort(events.begin(), events.end());
        for (auto& [at, who] : events) {
            clock->set(at);
            if (who >= 0)
                e.join(students[static_cast<std::size_t>(who)], s.id);
            else
                e.leave(students[static_cast<std::size_t>(-1 - who)], s.id);
        }
        clock->set(d.ends_at);
        e.end_session(prof, s.id);
    }
    clock->advance(24h);
    Instant to = clock->now();
    auto ns = median_ns(5, [&] { (void)e.course_attendance(prof, "term", from, to); });
    auto report = e.course_attendance(prof, "term", from, to);
    fmt::print("{:<44} {:>12.2f} ms  ({} students x {} sessions; target under 200 ms)\n",
               "course report: 300 students x 40 sessions", ns / 1e6, report.students.size(), report.sessions.size());
}

void bench_attendance(const std::filesystem::path& dir) {
    auto db = (dir / "attendance.db").string();
    auto clock = std::make_shared<ManualClock>(date::sys_days{date::year{2026} / 3 / 1} + 9h);
    EngineConfig c;
    c.database = db;
    c.roster = std::make_shared<OpenRoster>();
    c.clock = clock;
    Engine e(c);
    Actor prof{"prof", "Prof", "", ""};
    SessionDraft d;
    d.title = "Big lecture";
    d.starts_at = clock->now();
    d.ends_at = d.starts_at + 10h;
    d.max_participants = 10000;
    auto s = e.create_session(prof, "c", d);
    e.start_session(prof, s.id);
    // 5,000 participants x 10 connections = 100,000 join/leave events.
    for (int round = 0; round < 10; ++round) {
        for (int u = 0; u < 5000; ++u) e.join(Actor{fmt::format("u{}", u), "", "", ""}, s.id);
        clock->advance(20min);
        for (int u = 0; u < 5000; ++u) e.leave(Actor{fmt::format("u{}", u), "", "", ""}, s.id);
        clock->advance(5min);
    }
    auto ns = median_ns(1, [&] { (void)e.statistics(prof, s.id); });
    auto stats = e.statistics(prof, s.id);
    fmt::print("{:<44} {:>12.2f} ms  ({} participants, peak {})\n", "statistics: 5,000 people, 100,000 events",
               ns / 1e6, stats.participants_count, stats.peak_concurrent);
    // The live roster an instructor's page polls: 500 in the room now, over
    // the same history. It reads the open intervals through their index, so
    // it costs what the room holds, not what the session has seen.
    for (int u = 0; u < 500; ++u) e.join(Actor{fmt::format("u{}", u), "", "", ""}, s.id);
    clock->advance(1min);
    auto roster_ns = median_ns(10, [&] { (void)e.live_roster(prof, s.id); });
    auto in_room = e.live_roster(prof, s.id).entries.size();
    auto report_ns = median_ns(1, [&] { (void)e.statistics(prof, s.id); });
    fmt::print("{:<44} {:>12.2f} ms  ({} in the room; the live statistics over the same history {:.2f} ms, {:.0f}x)\n",
               "live roster: 500 in, 100,500 intervals", roster_ns / 1e6, in_room, report_ns / 1e6,
               report_ns / roster_ns);
    bench_course_report(dir);
}

long peak_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

void bench_memory(const std::filesystem::path& dir) {
    auto db = (dir / "memory.db").string();
    {
        EngineConfig c;
        c.database = db;
        c.roster = std::make_shared<OpenRoster>();
        Engine e(c);
        Actor prof{"prof", "Prof", "", ""};
        SeriesDraft sd;
        sd.session.title = "Weekly";
        sd.rule.timezone = "Europe/Paris";
        sd.rule.start_time = 10h;
        sd.rule.duration = 60min;
        sd.rule.weekdays = {date::Monday, date::Tuesday, date::Wednesday, date::Thursday, date::Friday};
        sd.rule.count = 200;
        auto today = date::year_month_day{date::floor<date::days>(e.now())};
        sd.rule.first_date = today;
        for (int i = 0; i < 500; ++i) e.create_series(prof, fmt::format("course-{}", i), sd);  // 100,000 sessions
    }
    long before = peak_rss_kb();
    EngineConfig c;
    c.database = db;
    c.roster = std::make_shared<OpenRoster>();
    Engine e(c);
    auto events = e.calendar_events(Actor{"u1", "", "", ""}, {e.now(), e.now() + std::chrono::days(30), {}});
    fmt::print("{:<44} {:>12} KiB peak RSS  (database {} MiB, {} events read)\n",
               "engine over 100,000 sessions", std::max(peak_rss_kb(), before),
               std::filesystem::file_size(db) / (1 << 20), events.size());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 9 && std::string(argv[1]) == "--join-worker")
        return join_worker(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]), std::atoll(argv[6]),
                           std::string(argv[7]) == "handoff", std::atoi(argv[8]));
    auto dir = std::filesystem::temp_directory_path() / fmt::format("livecourse-bench-{}", ::getpid());
    std::filesystem::create_directories(dir);
    fmt::print("livecourse {} benchmarks: median of {} runs; ratios against references measured in this run\n\n",
               "0.1.0", runs);
    // `livecourse-bench joins` (or tokens, rush, postgres, ical,
    // attendance, memory) runs one section; no argument runs them all.
    std::string only = argc == 2 ? argv[1] : "";
    auto wanted = [&](const char* name) { return only.empty() || only == name; };
    if (wanted("tokens")) bench_tokens();
    if (wanted("joins")) bench_join_throughput(dir, std::filesystem::canonical("/proc/self/exe").string());
    if (wanted("rush")) bench_rush(dir);
    if (wanted("postgres")) bench_postgres_join_throughput();
    if (wanted("ical")) bench_ical(dir);
    if (wanted("attendance")) bench_attendance(dir);
    if (wanted("memory")) bench_memory(dir);
    std::filesystem::remove_all(dir);
}
