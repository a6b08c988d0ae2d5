// Shared test fixtures: temporary directories, an engine on a fresh SQLite
// file driven by a manual clock, and a populated course.
#pragma once

#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>

#include <catch2/catch.hpp>
#include <date/date.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

namespace lc_test {

using namespace livecourse;
using namespace std::chrono_literals;

class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("livecourse-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                 std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline Instant t0() { return date::sys_days{date::year{2026} / 3 / 7} + 13h; }

// After every session a test schedules: an enrollment changed at this instant
// plans no reminder (Store::set_enrollment plans only those still due).
inline Instant after_every_session() { return date::sys_days{date::year{9999} / 12 / 31}; }

inline const Actor instructor{"prof", "Ada Lovelace", "ada@example.edu", ""};
inline const Actor moderator{"mod", "Grace Hopper", "grace@example.edu", ""};
inline const Actor outsider{"nobody", "No Body", "", ""};
inline Actor student(int i) { return {"stu-" + std::to_string(i), "Student " + std::to_string(i), "", ""}; }

inline const std::string course = "course-1";

struct World {
    TempDir dir;
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(t0());
    std::unique_ptr<Engine> engine;

    explicit World(int students = 5, EngineConfig config = {}) {
        config.database = dir.file("livecourse.db");
        config.clock = clock;
        if (config.calendar.feed_secret.empty()) config.calendar.feed_secret = std::string(32, 'f');
        engine = std::make_unique<Engine>(config);
        engine->enroll(course, instructor.user_id, Role::instructor);
        engine->enroll(course, moderator.user_id, Role::moderator);
        for (int i = 0; i < students; ++i) engine->enroll(course, student(i).user_id, Role::student);
    }

    SessionDraft draft(int capacity = 50) const {
        SessionDraft d;
        d.title = "Q&A sur la gouvernance";
        d.description = "Questions and answers";
        d.starts_at = clock->now() + 1h;
        d.ends_at = d.starts_at + 1h;
        d.max_participants = capacity;
        return d;
    }

    Session scheduled(int capacity = 50) { return engine->create_session(instructor, course, draft(capacity)); }
    Session live(int capacity = 50) {
        auto s = scheduled(capacity);
        clock->set(s.starts_at);
        return engine->start_session(instructor, s.id);
    }
};

// Runs `f` and returns the Error it throws (fails the test if none).
template <class F> Error error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected a livecourse::Error");
    return Error(ErrorCode::internal, "unreachable");
}

}  // namespace lc_test
