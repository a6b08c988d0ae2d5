// libFuzzer harness: every JSON entry point of the C ABI takes arbitrary
// bytes. The first byte picks the operation; the rest is the request. The
// library must answer with a status and, on failure, a JSON error; never
// crash, leak or throw.
#include "livecourse.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

using op_fn = lc_status (*)(lc_engine*, const char*, char**, char**);
const op_fn operations[] = {
    lc_roster_enroll,  lc_roster_unenroll, lc_roster_set_role, lc_roster_get_role, lc_user_put,
    lc_session_create, lc_session_get,     lc_session_list,    lc_session_update,  lc_session_cancel,
    lc_session_start,  lc_session_end,     lc_session_join,    lc_session_leave,   lc_token_create,
    lc_attendance_get, lc_statistics_get,  lc_chat_post,       lc_chat_list,       lc_series_create,
    lc_series_cancel,  lc_calendar_query,  lc_calendar_feed,   lc_calendar_feed_by_token,
    lc_feed_token_get, lc_feed_token_rotate,
    lc_notification_claim, lc_notification_ack, lc_notification_fail, lc_notification_list,
    lc_notification_mark_read, lc_notification_dead_list, lc_notification_retry,
    lc_presence_jitsi_event, lc_presence_jaas_webhook, lc_presence_heartbeat, lc_recording_set,
};

lc_engine* engine() {
    static lc_engine* e = [] {
        std::string db = "/tmp/livecourse-fuzz-" + std::to_string(::getpid()) + ".db";
        std::string config = R"({"database":")" + db +
                             R"(","calendar":{"feed_secret":"fuzz-feed-secret-of-at-least-32-bytes!"}})";
        lc_engine* out = nullptr;
        if (lc_engine_open(config.c_str(), nullptr, &out, nullptr) != LC_OK) std::abort();
        lc_roster_enroll(out, R"({"course_id":"c","user_id":"prof","role":"instructor"})", nullptr, nullptr);
        return out;
    }();
    return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto op = operations[data[0] % (sizeof operations / sizeof operations[0])];
    std::string request(reinterpret_cast<const char*>(data + 1), size - 1);  // NUL-terminated copy
    char* response = nullptr;
    char* error = nullptr;
    lc_status st = op(engine(), request.c_str(), &response, &error);
    if (st == LC_OK) {
        if (!response || error) std::abort();
    } else {
        if (response || !error || std::strncmp(error, "{\"error\":", 9) != 0) std::abort();
        if (st == LC_ERR_INTERNAL) std::abort();  // a bug, by definition
    }
    lc_free(response);
    lc_free(error);
    return 0;
}
