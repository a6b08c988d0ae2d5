// The backends the store conformance suite runs against. Each entry opens a
// fresh, empty store; a second backend adds itself here and runs the same
// suite unchanged.
#pragma once

#include "support/fixtures.hpp"
#include "support/postgres.hpp"

#include <functional>

namespace lc_test {

struct Backend {
    std::string name;
    // Opens a store on a fresh database that lives as long as `dir`.
    std::function<std::shared_ptr<Store>(TempDir& dir)> open;
};

inline std::vector<Backend> backends() {
    return {
        {"sqlite", [](TempDir& dir) { return std::shared_ptr<Store>(open_sqlite_store({dir.file("store.db")})); }},
        // A fresh database on this test process's throwaway server (started
        // at first use; see support/postgres.hpp). It outlives `dir`: the
        // whole server is deleted when the process exits.
        {"postgres",
         [](TempDir&) { return std::shared_ptr<Store>(open_postgres_store({postgres::fresh_database()})); }},
    };
}

// A scheduled session of `course` from `start` for one hour, 3 seats,
// created by "prof" a day before, with a fresh id and a room of its own; not
// yet stored.
inline Session new_session(Store& store, const std::string& course, Instant start,
                           const std::string& room_suffix = "") {
    Session s;
    s.id = store.allocate_session_id();
    s.course_id = course;
    s.instructor_id = "prof";
    s.title = "Title";
    s.starts_at = start;
    s.ends_at = start + std::chrono::hours(1);
    s.timezone = "Europe/Paris";
    s.max_participants = 3;
    s.jitsi_room_name = "lc-course-" + course + "-session-" + s.id + room_suffix;
    s.jitsi_server_url = "https://meet.jit.si";
    s.created_at = s.updated_at = start - std::chrono::hours(24);
    return s;
}

}  // namespace lc_test
