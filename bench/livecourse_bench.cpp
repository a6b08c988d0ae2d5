// make bench: each measurement is the median of several runs, printed with a
// ratio against a reference measured in the same run (absolute times on a
// shared machine are noise; ratios are the result).
#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>
#include <livecourse/hmac.hpp>
#include <livecourse/ical.hpp>
#include <livecourse/jitsi.hpp>

#include <date/date.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>
#include <sys/resource.h>
#include <unistd.h>

using namespace livecourse;
using namespace std::chrono_literals;
using Clock_ = std::chrono::steady_clock;

namespace {

constexpr int runs = 7;

// Median over `runs` of the time per operation, in nanoseconds.
double median_ns(int ops, const std::function<void()>& op) {
    std::vector<double> per_op;
    for (int r = 0; r < runs; ++r) {
        auto t = Clock_::now();
        for (int i = 0; i < ops; ++i) op();
        per_op.push_back(double(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock_::now() - t).count()) / ops);
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
};

JoinFigures figures(std::vector<double> latencies_ns, double seconds) {
    std::sort(latencies_ns.begin(), latencies_ns.end());
    auto at = [&](double q) { return latencies_ns[std::min(latencies_ns.size() - 1, std::size_t(q * latencies_ns.size()))] / 1000; };
    return {double(latencies_ns.size()) / seconds, at(0.5), at(0.99), at(0.999), latencies_ns.back() / 1000};
}

JoinFigures median_of(std::vector<JoinFigures> v) {
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.per_second < b.per_second; });
    return v[v.size() / 2];
}

constexpr int join_students = 4000;
const Actor bench_prof{"prof", "Prof", "", ""};

EngineConfig join_config(const std::string& db) {
    EngineConfig c;
    c.database = db;
    c.jitsi.mode = jitsi::Mode::self_hosted;
    c.jitsi.server_url = "https://meet.example.edu";
    c.jitsi.app_id = "lms";
    c.jitsi.app_secret = std::string(48, 's');
    return c;
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

// `threads` threads share students u<first> .. u<first + count - 1>, who
// join `session`; returns each join's latency in nanoseconds.
std::vector<double> timed_joins(Engine& e, const std::string& session, int first, int count, int threads) {
    std::vector<std::vector<double>> lat(std::size_t(std::max(1, threads)));
    std::atomic<int> next{first};
    std::vector<std::thread> pool;
    for (auto& mine : lat)
        pool.emplace_back([&] {
            for (int i; (i = next++) < first + count;) {
                Actor a{fmt::format("u{}", i), "Student", "", ""};
                auto t0 = Clock_::now();
                e.join(a, session);
                mine.push_back(double((Clock_::now() - t0).count()));
            }
        });
    for (auto& th : pool) th.join();
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    return all;
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
    // `livecourse-bench joins` (or tokens, postgres, ical, attendance,
    // memory) runs one section; no argument runs them all.
    std::string only = argc == 2 ? argv[1] : "";
    auto wanted = [&](const char* name) { return only.empty() || only == name; };
    if (wanted("tokens")) bench_tokens();
    if (wanted("joins")) bench_join_throughput(dir, std::filesystem::canonical("/proc/self/exe").string());
    if (wanted("postgres")) bench_postgres_join_throughput();
    if (wanted("ical")) bench_ical(dir);
    if (wanted("attendance")) bench_attendance(dir);
    if (wanted("memory")) bench_memory(dir);
    std::filesystem::remove_all(dir);
}
