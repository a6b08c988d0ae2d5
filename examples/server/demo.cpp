#include "demo.hpp"

#include <livecourse/clock.hpp>
#include <livecourse/hmac.hpp>
#include <livecourse/store.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>

namespace lcserver {

namespace {

struct DemoUser {
    const char* variable;  // the shell variable the banner exports its token as
    const char* id;
    const char* name;
    const char* email;
    const char* role;  // nullptr: not enrolled (the LMS admin)
};

constexpr DemoUser demo_users[] = {
    {"PROF", "prof-diallo", "Aminata Diallo", "aminata.diallo@example.edu", "instructor"},
    {"MOD", "mod-okafor", "Chidi Okafor", "chidi.okafor@example.edu", "moderator"},
    {"ANA", "stu-ana", "Ana Souza", "ana.souza@example.edu", "student"},
    {"KOFI", "stu-kofi", "Kofi Mensah", "kofi.mensah@example.edu", "student"},
    {"LEA", "stu-lea", "Léa Martin", "lea.martin@example.edu", "student"},
    {"ADMIN", "lms-admin", "LMS roster sync", "", nullptr},
};

}  // namespace

bool seed_demo(livecourse::JsonApi& api) {
    auto role = api.call("roster_get_role", {{"course_id", demo_course_id}, {"user_id", demo_users[0].id}});
    if (role.is_object())
        if (auto* r = role.as_object().if_contains("role"); r && r->is_string() && r->get_string() != "none")
            return false;
    for (const auto& u : demo_users) {
        if (!u.role) continue;
        api.call("user_put", {{"user_id", u.id}, {"name", u.name}, {"email", u.email}});
        api.call("roster_enroll", {{"course_id", demo_course_id}, {"user_id", u.id}, {"role", u.role}});
    }
    return true;
}

std::string mint_bearer_token(const ServerConfig& config, const std::string& user_id, const std::string& name,
                              const std::string& email, bool admin) {
    auto now = livecourse::SystemClock().now().time_since_epoch().count();
    boost::json::object claims{{"sub", user_id},
                               {"name", name},
                               {"iss", config.api_issuer},
                               {"aud", config.api_audience},
                               {"iat", now},
                               {"exp", now + config.api_token_max_lifetime.count()}};
    if (!email.empty()) claims["email"] = email;
    if (admin) claims["admin"] = true;
    std::string input = livecourse::base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    input += '.';
    input += livecourse::base64url_encode(boost::json::serialize(claims));
    return input + "." + livecourse::base64url_encode(livecourse::hmac_sha256(config.api_secret, input));
}

std::string demo_banner(const ServerConfig& config, const std::string& base_url) {
    using namespace std::chrono;
    auto now = livecourse::SystemClock().now();
    auto start = ceil<hours>(now) + hours(1);
    auto end = start + hours(1);
    auto today = floor<days>(now);

    std::string out;
    out += "\n=== livecourse demo ===\n";
    out += fmt::format("Course \"{}\": an instructor, a moderator and three students. Database: {}\n", demo_course_id,
                       livecourse::redact_database_location(config.database));
    out += fmt::format("Jitsi: {} mode on {}\n", livecourse::jitsi::to_string(config.engine.jitsi.mode),
                       livecourse::jitsi::server_base_url(config.engine.jitsi));
    out += fmt::format("Bearer tokens (HS256 with the demo API secret, valid {} hours; a restart prints new ones); "
                       "paste these lines into a shell:\n\n",
                       config.api_token_max_lifetime.count() / 3600);
    out += fmt::format("export LC={}\n", base_url);
    for (const auto& u : demo_users)
        out += fmt::format("export {}={}   # {} ({})\n", u.variable,
                           mint_bearer_token(config, u.id, u.name, u.email, !u.role),
                           u.name, u.role ? u.role : "admin: roster routes");
    out += "\n# Then walk the seed's Q&A use case (these lines run as they are in bash):\n\n";
    // The session's start and the calendar window are substituted; the rest
    // is plain shell. `field` extracts one string field from a JSON answer.
    std::string script = R"SH(field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
# 1. the instructor schedules a session
SID=$(curl -s -X POST $LC/api/courses/@COURSE@/live-sessions -H "Authorization: Bearer $PROF" \
  -H 'Content-Type: application/json' -d '{"title":"Q&A sur la gouvernance","description":"Bring your questions",
  "starts_at":"@START@","ends_at":"@END@","timezone":"Europe/Paris","max_participants":50,
  "recording_enabled":true,"room_password":true}' | field id); echo "session $SID"
# 2. students see it in their calendar and in their .ics subscription feed
curl -s "$LC/api/calendar/events?start=@FROM@&end=@TO@" -H "Authorization: Bearer $ANA"; echo
FEED=$(curl -s $LC/api/calendar/feed-url -H "Authorization: Bearer $ANA" | field url); curl -s "$FEED"
# 3. the instructor starts it; students join and get their Jitsi link (and password)
curl -s -X POST $LC/api/live-sessions/$SID/start -H "Authorization: Bearer $PROF"; echo
curl -s -X POST $LC/api/live-sessions/$SID/join -H "Authorization: Bearer $ANA"; echo
curl -s -X POST $LC/api/live-sessions/$SID/join -H "Authorization: Bearer $KOFI"; echo
curl -s -X POST $LC/api/live-sessions/$SID/jitsi-token -H "Authorization: Bearer $ANA"; echo
# 4. a question and its answer
QID=$(curl -s -X POST $LC/api/live-sessions/$SID/chat -H "Authorization: Bearer $ANA" \
  -d '{"type":"question","body":"Who appoints the board?"}' | field id)
curl -s -X POST $LC/api/live-sessions/$SID/chat -H "Authorization: Bearer $PROF" \
  -d "{\"type\":\"answer\",\"body\":\"The general assembly.\",\"reply_to\":\"$QID\"}"; echo
curl -s $LC/api/live-sessions/$SID/chat -H "Authorization: Bearer $KOFI"; echo
# 5. a student leaves; the instructor ends with the recording; statistics
curl -s -X POST $LC/api/live-sessions/$SID/leave -H "Authorization: Bearer $KOFI"; echo
curl -s -X POST $LC/api/live-sessions/$SID/end -H "Authorization: Bearer $PROF" \
  -d '{"recording_url":"https://recordings.example.edu/qa.mp4"}'; echo
curl -s $LC/api/live-sessions/$SID/attendance -H "Authorization: Bearer $PROF"; echo
# roster sync, as the LMS pushes it (admin token)
curl -s -X PUT $LC/api/courses/@COURSE@/roster/stu-new -H "Authorization: Bearer $ADMIN" \
  -d '{"role":"student","name":"New Student"}'; echo
)SH";
    auto replace = [&](const std::string& key, const std::string& value) {
        for (auto pos = script.find(key); pos != std::string::npos; pos = script.find(key, pos + value.size()))
            script.replace(pos, key.size(), value);
    };
    replace("@COURSE@", demo_course_id);
    replace("@START@", livecourse::format_rfc3339(start));
    replace("@END@", livecourse::format_rfc3339(end));
    replace("@FROM@", livecourse::format_rfc3339(today).substr(0, 10));
    replace("@TO@", livecourse::format_rfc3339(today + days(8)).substr(0, 10));
    out += script;
    out += "\n";
    out += "# API reference: docs/openapi.yaml; configuration: docs/server.md. Ctrl-C stops the server.\n\n";
    return out;
}

}  // namespace lcserver
