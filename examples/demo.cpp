// The seed's "Q&A session" use case, walked end to end on an embedded SQLite
// file: an instructor schedules a session, students see it in their calendar,
// the instructor starts it, students join and ask questions, the instructor
// answers, and the session ends with statistics.
#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

using namespace livecourse;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
    std::string db = argc > 1 ? argv[1] : "var/livecourse.db";
    try {
        std::filesystem::create_directories(std::filesystem::path(db).parent_path().empty()
                                                ? std::filesystem::path(".")
                                                : std::filesystem::path(db).parent_path());
        auto clock = std::make_shared<ManualClock>(std::chrono::floor<Seconds>(std::chrono::system_clock::now()));
        EngineConfig config;
        config.database = db;
        config.clock = clock;
        config.calendar.feed_secret = "demo-feed-secret-that-is-at-least-32-bytes";
        Engine engine(config);

        std::string course = "governance-101";
        Actor instructor{"prof-diallo", "Aminata Diallo", "aminata@example.edu", ""};
        std::vector<Actor> students = {{"stu-ana", "Ana Souza", "ana@example.edu", ""},
                                       {"stu-kofi", "Kofi Mensah", "kofi@example.edu", ""},
                                       {"stu-lea", "Léa Martin", "lea@example.edu", ""}};
        engine.enroll(course, instructor.user_id, Role::instructor);
        for (auto& s : students) engine.enroll(course, s.user_id, Role::student);
        fmt::print("database: {}\n", db);

        SessionDraft draft;
        draft.title = "Q&A sur la gouvernance";
        draft.description = "Bring your questions about chapters 1 to 3.";
        draft.starts_at = clock->now() + 2h;
        draft.ends_at = draft.starts_at + 1h;
        draft.timezone = "Europe/Paris";
        draft.max_participants = 50;
        draft.room_password = true;
        Session s = engine.create_session(instructor, course, draft);
        fmt::print("1. {} schedules \"{}\" (session {}, room {}, status {})\n", instructor.name, s.title, s.id,
                   s.jitsi_room_name, to_string(s.status));

        auto events = engine.calendar_events(students[0], {clock->now(), clock->now() + std::chrono::days(7), {}});
        fmt::print("2. {} sees {} event(s) in the calendar this week\n", students[0].name, events.size());

        try {
            engine.join(students[0], s.id);
        } catch (const Error& e) {
            fmt::print("3. joining before the start is refused: {}\n", e.most_specific_code());
        }

        clock->set(s.starts_at);
        s = engine.start_session(instructor, s.id);
        fmt::print("4. the instructor starts it at {} (status {})\n", format_rfc3339(*s.actual_start_at),
                   to_string(s.status));
        auto host = engine.join(instructor, s.id);
        fmt::print("   instructor joins: {}\n", host.jitsi_join_url);

        for (auto& st : students) {
            auto j = engine.join(st, s.id);
            fmt::print("5. {} joins (password {})\n", st.name, j.jitsi_room_password.value_or("none"));
            clock->advance(1min);
        }
        auto q = engine.post_chat(students[1], s.id, ChatType::question, "Who appoints the board?", std::nullopt);
        engine.post_chat(instructor, s.id, ChatType::answer, "The general assembly does.", q.id);
        fmt::print("6. chat: {} message(s)\n", engine.list_chat(instructor, s.id, std::nullopt, 50).messages.size());

        clock->advance(20min);
        engine.leave(students[2], s.id);
        clock->advance(37min);
        auto end = engine.end_session(instructor, s.id, "https://recordings.example.edu/qa-governance.mp4");
        const auto& st = end.statistics;
        fmt::print("7. ended at {}: {} s, {} participants ({} students of {} enrolled), average presence {:.0f} s, "
                   "peak {}, recording {}\n",
                   format_rfc3339(*end.session.actual_end_at), st.actual_duration_seconds, st.participants_count,
                   st.students_count, st.enrolled_count.value_or(0), st.average_presence_seconds, st.peak_concurrent,
                   st.recording_url.value_or("none"));
        for (const auto& row : engine.attendance(instructor, s.id))
            fmt::print("   {:<12} {:<10} present {:>5} s, joins {}\n", row.user_id, to_string(row.role),
                       row.present_seconds, row.joins);
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "livecourse-demo: %s (%s)\n", e.what(), std::string(e.most_specific_code()).c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "livecourse-demo: %s\n", e.what());
        return 1;
    }
}
