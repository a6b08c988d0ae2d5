/*
 * The notification outbox through the C ABI only: reminders planned when a
 * session is created, claimed under a lease, acknowledged, failed, parked
 * dead and retried; the in-app list and its read marker. Every string the
 * library returns is released with lc_free (valgrind checks it).
 */
#include "capi_test.h"

#define PROF "{\"user_id\":\"prof\"}"
#define STU "{\"user_id\":\"stu-1\"}"

static void expect_status(lc_engine *e, lc_operation_fn op, const char *request, lc_status expected,
                          const char *code) {
    char *response = NULL, *error = NULL;
    CHECK_STATUS(op(e, request, &response, &error), expected);
    CHECK(response == NULL);
    CHECK_CONTAINS(error, fmt("\"code\":\"%s\"", code));
    lc_free(response);
    lc_free(error);
}

int main(void) {
    char dir[512], first[64], second[64], cursor[128];
    test_clock clock = {T0};
    lc_host host;
    lc_engine *e;
    char *r;

    temp_dir(dir, sizeof dir);
    memset(&host, 0, sizeof host);
    host.user_data = &clock;
    host.now = test_clock_now;
    e = open_engine(dir, &host);

    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"c\",\"user_id\":\"prof\",\"role\":\"instructor\"}");
    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"c\",\"user_id\":\"stu-1\",\"role\":\"student\"}");
    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"c\",\"user_id\":\"stu-2\",\"role\":\"student\"}");
    /* Two days ahead: reminders due at T0 + 24 h and T0 + 47 h, nothing now. */
    DO_OK(lc_session_create, e,
          "{\"actor\":" PROF ",\"course_id\":\"c\",\"title\":\"Q&A\",\"starts_at\":\"2026-03-09T13:00:00Z\","
          "\"ends_at\":\"2026-03-09T14:00:00Z\"}");
    r = CALL_OK(lc_notification_claim, e, "{}");
    CHECK(r && strcmp(r, "{\"notifications\":[]}") == 0);
    lc_free(r);

    clock.now = T0 + 24 * 3600;
    r = CALL_OK(lc_notification_claim, e, "{\"limit\":1,\"lease_seconds\":30}");
    CHECK(count_of(r, "\"kind\":\"reminder_24h\"") == 1);
    CHECK_CONTAINS(r, "\"attempts\":1");
    CHECK_CONTAINS(r, "\"idempotency_key\":\"reminder_24h:");
    CHECK_CONTAINS(r, "\"next_attempt_at\":\"2026-03-08T13:00:30Z\"");
    CHECK(json_string(r, "id", first, sizeof first));
    lc_free(r);
    r = CALL_OK(lc_notification_claim, e, "{\"limit\":5}");
    CHECK(count_of(r, "\"kind\":\"reminder_24h\"") == 1);
    CHECK(json_string(r, "id", second, sizeof second));
    lc_free(r);

    r = CALL_OK(lc_notification_ack, e, fmt("{\"ids\":[\"%s\",\"999999\"]}", first));
    CHECK(r && strcmp(r, fmt("{\"acked\":[\"%s\"]}", first)) == 0);
    lc_free(r);
    r = CALL_OK(lc_notification_fail, e,
                fmt("{\"id\":\"%s\",\"attempts\":1,\"retry_in_seconds\":0,\"error\":\"HTTP 503\"}", second));
    CHECK_CONTAINS(r, "\"state\":\"pending\"");
    CHECK_CONTAINS(r, "\"last_error\":\"HTTP 503\"");
    lc_free(r);
    expect_status(e, lc_notification_fail, fmt("{\"id\":\"%s\",\"attempts\":1}", second), LC_ERR_CONFLICT,
                  "not_claimed");
    expect_status(e, lc_notification_fail, "{\"id\":\"nope\"}", LC_ERR_NOT_FOUND, "not_found");
    expect_status(e, lc_notification_claim, "{\"limit\":0}", LC_ERR_INVALID_ARGUMENT, "invalid_argument");
    expect_status(e, lc_notification_ack, "{\"ids\":\"1\"}", LC_ERR_INVALID_ARGUMENT, "invalid_argument");

    /* Seven more failed attempts: parked dead (max_attempts 8). */
    {
        int i;
        for (i = 0; i < 7; ++i) {
            r = CALL_OK(lc_notification_claim, e, "{}");
            CHECK_CONTAINS(r, fmt("\"id\":\"%s\"", second));
            lc_free(r);
            DO_OK(lc_notification_fail, e, fmt("{\"id\":\"%s\",\"retry_in_seconds\":0}", second));
        }
    }
    r = CALL_OK(lc_notification_dead_list, e, "{}");
    CHECK_CONTAINS(r, fmt("\"id\":\"%s\"", second));
    CHECK_CONTAINS(r, "\"state\":\"dead\"");
    CHECK_CONTAINS(r, "\"attempts\":8");
    lc_free(r);
    r = CALL_OK(lc_notification_retry, e, fmt("{\"id\":\"%s\"}", second));
    CHECK_CONTAINS(r, "\"state\":\"pending\"");
    CHECK_CONTAINS(r, "\"attempts\":0");
    lc_free(r);
    expect_status(e, lc_notification_retry, fmt("{\"id\":\"%s\"}", second), LC_ERR_CONFLICT, "not_dead");

    /* The in-app list: stu-1's reminder is due; the 1 h one is not yet. */
    r = CALL_OK(lc_notification_list, e, "{\"actor\":" STU ",\"limit\":1}");
    CHECK(count_of(r, "\"kind\":") == 1);
    CHECK_CONTAINS(r, "\"read\":false");
    CHECK_CONTAINS(r, "\"unread_count\":1");
    CHECK_CONTAINS(r, "\"next_cursor\":null");
    CHECK(json_string(r, "id", cursor, sizeof cursor));
    lc_free(r);
    r = CALL_OK(lc_notification_mark_read, e, fmt("{\"actor\":" STU ",\"up_to\":\"%s\"}", cursor));
    CHECK(r && strcmp(r, fmt("{\"read_up_to\":\"%s\",\"unread_count\":0}", cursor)) == 0);
    lc_free(r);
    expect_status(e, lc_notification_list, "{\"limit\":5}", LC_ERR_UNAUTHENTICATED, "unauthenticated");
    expect_status(e, lc_notification_mark_read, "{\"actor\":" PROF ",\"up_to\":\"1\"}", LC_ERR_NOT_FOUND,
                  "not_found");

    CHECK(lc_last_error() != NULL); /* the last call failed */
    lc_engine_close(e);
    remove_dir(dir);
    return test_report("capi_notifications");
}
