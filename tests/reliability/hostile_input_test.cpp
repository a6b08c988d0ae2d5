// Hostile input: each gets a clear typed error and the database is unchanged.
#include "support/fixtures.hpp"

#include <sqlite3.h>

using namespace lc_test;

namespace {

// A fingerprint of everything the store holds.
std::string fingerprint(const std::string& db) {
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    std::string out;
    for (auto table : {"sessions", "participants", "presence", "chat", "enrollments", "users", "series"}) {
        sqlite3_stmt* st = nullptr;
        std::string sql = std::string("SELECT * FROM ") + table;
        sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                auto t = sqlite3_column_text(st, i);
                out += t ? reinterpret_cast<const char*>(t) : "<null>";
                out += '|';
            }
            out += '\n';
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(raw);
    return out;
}

}  // namespace

TEST_CASE("reliability: hostile input is refused with a typed error and changes nothing", "[reliability][hostile]") {
    World w(2);
    auto& e = *w.engine;
    auto s = w.live();
    e.join(student(0), s.id);
    auto db = w.dir.file("livecourse.db");
    auto before = fingerprint(db);

    const std::string mega(1 << 20, 'x');
    const std::string nul("a\0b", 3);
    struct Case {
        const char* what;
        std::function<void()> run;
        const char* field;
    };
    auto draft_with = [&](auto mutate) {
        return [&, mutate] {
            auto d = w.draft();
            mutate(d);
            e.create_session(instructor, course, d);
        };
    };
    std::vector<Case> cases = {
        {"CRLF title", draft_with([](SessionDraft& d) { d.title = "x\r\nDTSTART:19700101T000000Z"; }), "title"},
        {"NUL title", draft_with([&](SessionDraft& d) { d.title = nul; }), "title"},
        {"invalid UTF-8 title", draft_with([](SessionDraft& d) { d.title = "\xed\xa0\x80 surrogate"; }), "title"},
        {"1 MB title", draft_with([&](SessionDraft& d) { d.title = mega; }), "title"},
        {"1 MB description", draft_with([&](SessionDraft& d) { d.description = mega; }), "description"},
        {"huge capacity", draft_with([](SessionDraft& d) { d.max_participants = 2147483647; }), "max_participants"},
        {"negative capacity", draft_with([](SessionDraft& d) { d.max_participants = -1; }), "max_participants"},
        {"time out of range", draft_with([](SessionDraft& d) { d.starts_at = Instant(Seconds(-86400LL * 365 * 3000)); }),
         "starts_at"},
        {"end out of range", draft_with([](SessionDraft& d) { d.ends_at = Instant(Seconds(1LL << 40)); }), "ends_at"},
        {"zone injection", draft_with([](SessionDraft& d) { d.timezone = "../../etc/passwd"; }), "timezone"},
        {"1 MB chat", [&] { e.post_chat(student(0), s.id, ChatType::text, mega, std::nullopt); }, "body"},
        {"NUL chat", [&] { e.post_chat(student(0), s.id, ChatType::text, nul, std::nullopt); }, "body"},
        {"bad UTF-8 user", [&] { e.join(Actor{"\xff\xfe", "", "", ""}, s.id); }, "user_id"},
        {"1 MB user id", [&] { e.join(Actor{mega, "", "", ""}, s.id); }, "user_id"},
        {"CRLF name", [&] { e.join(Actor{"stu-1", "Eve\r\nX-Injected: 1", "", ""}, s.id); }, "name"},
        {"javascript avatar", [&] { e.join(Actor{"stu-1", "Eve", "", "javascript:alert(1)"}, s.id); }, "avatar"},
        {"bad recording URL", [&] { e.end_session(instructor, s.id, "https://x/\r\nSet-Cookie: a"); }, "recording_url"},
        {"1 MB course id", [&] { e.create_session(instructor, mega, w.draft()); }, "course_id"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        auto err = error_of(c.run);
        CHECK(err.code() == ErrorCode::invalid_argument);
        CHECK(err.field() == c.field);
        CHECK(std::string(err.what()).size() < 300);  // the message never echoes the input
    }
    for (auto id : {std::string("' OR 1=1 --"), std::string("1; DROP TABLE sessions"), mega, nul, std::string("-1"),
                    std::string("99999999999999999999999")})
        CHECK(error_of([&] { e.get_session(instructor, id); }).code() == ErrorCode::not_found);
    CHECK(fingerprint(db) == before);

    // SQL metacharacters are ordinary text: stored and returned unchanged.
    auto d = w.draft();
    d.title = "Robert'); DROP TABLE sessions;-- \"quoted\" %_\\";
    auto created = e.create_session(instructor, course, d);
    CHECK(e.get_session(student(1), created.id).title == d.title);
}
