/*
 * Every error path of every lc_ function: NULL engine, NULL request, NULL
 * out-parameter, malformed JSON, invalid UTF-8, a request that is not an
 * object, missing fields, unknown ids, forbidden roles, conflicts, a full
 * session; out-parameters NULL on entry; the error document both through
 * error_json and lc_last_error(), and no error_json asked for.
 */
#include "capi_test.h"

typedef struct op_entry {
    const char *name;
    lc_operation_fn fn;
    lc_status on_empty; /* the status of "{}" */
    const char *empty_field;
} op_entry;

#define OP(f, st, field) {#f, f, st, field}
static const op_entry ops[] = {
    OP(lc_roster_enroll, LC_ERR_INVALID_ARGUMENT, "course_id"),
    OP(lc_roster_unenroll, LC_ERR_INVALID_ARGUMENT, "course_id"),
    OP(lc_roster_set_role, LC_ERR_INVALID_ARGUMENT, "course_id"),
    OP(lc_roster_get_role, LC_ERR_INVALID_ARGUMENT, "course_id"),
    OP(lc_user_put, LC_ERR_INVALID_ARGUMENT, "user_id"),
    OP(lc_session_create, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_session_get, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_session_list, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_session_update, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_session_cancel, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_session_start, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_session_end, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_session_join, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_session_leave, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_token_create, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_attendance_get, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_statistics_get, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_chat_post, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_chat_list, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_series_create, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_series_cancel, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_calendar_query, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_calendar_feed, LC_ERR_INVALID_ARGUMENT, "user_id"),
    OP(lc_calendar_feed_by_token, LC_ERR_INVALID_ARGUMENT, "token"),
    OP(lc_feed_token_get, LC_ERR_INVALID_ARGUMENT, "user_id"),
    OP(lc_feed_token_rotate, LC_ERR_INVALID_ARGUMENT, "user_id"),
    OP(lc_presence_jaas_webhook, LC_ERR_INVALID_ARGUMENT, "body"),
    OP(lc_presence_heartbeat, LC_ERR_UNAUTHENTICATED, "actor"),
    OP(lc_recording_set, LC_ERR_INVALID_ARGUMENT, "session_id"),
};
#define N_OPS (sizeof ops / sizeof ops[0])

static char sentinel_byte;
#define SENTINEL (&sentinel_byte)

/* Calls op and checks the failure: status, out-parameters, error document
 * (code, category, field) through both channels. */
static void expect_failure(const char *what, lc_operation_fn fn, lc_engine *e, const char *request_text,
                           int pass_response, lc_status expected, const char *code, const char *field) {
    char *response = SENTINEL, *error = SENTINEL;
    char request_copy[8192];
    const char *request = NULL;
    lc_status st;
    if (request_text) { /* fmt's buffers rotate: keep our own copy */
        strncpy(request_copy, request_text, sizeof request_copy - 1);
        request_copy[sizeof request_copy - 1] = '\0';
        request = request_copy;
    }
    st = fn(e, request, pass_response ? &response : NULL, &error);
    ++t_checks;
    if (st != expected) {
        ++t_failures;
        fprintf(stderr, "%s: returned %s, expected %s (%s)\n", what, lc_status_name(st), lc_status_name(expected),
                error && error != SENTINEL ? error : "no error");
    }
    if (pass_response) CHECK(response == NULL);
    CHECK(error != SENTINEL && error != NULL);
    if (error == SENTINEL || error == NULL) return;
    CHECK(strncmp(error, "{\"error\":{\"code\":", 17) == 0);
    CHECK_CONTAINS(error, "\"message\":\"");
    CHECK_CONTAINS(error, fmt("\"category\":\"%s\"", lc_status_name(expected)));
    if (code) CHECK_CONTAINS(error, fmt("\"code\":\"%s\"", code));
    if (field) CHECK_CONTAINS(error, fmt("\"field\":\"%s\"", field));
    CHECK(lc_last_error() != NULL && strcmp(lc_last_error(), error) == 0);
    lc_free(error);
    /* The same failure without an error_json: the status and lc_last_error() only. */
    response = SENTINEL;
    st = fn(e, request, pass_response ? &response : NULL, NULL);
    CHECK(st == expected);
    if (pass_response) CHECK(response == NULL);
    CHECK(lc_last_error() != NULL);
    if (code && lc_last_error()) CHECK_CONTAINS(lc_last_error(), fmt("\"code\":\"%s\"", code));
}

static void boundary_errors(lc_engine *e) {
    size_t i;
    for (i = 0; i < N_OPS; ++i) {
        const op_entry *op = &ops[i];
        expect_failure(fmt("%s(NULL engine)", op->name), op->fn, NULL, "{}", 1, LC_ERR_INVALID_ARGUMENT,
                       "invalid_argument", "engine");
        expect_failure(fmt("%s(NULL request)", op->name), op->fn, e, NULL, 1, LC_ERR_INVALID_ARGUMENT,
                       "invalid_argument", "request");
        expect_failure(fmt("%s(NULL response_json)", op->name), op->fn, e, "{}", 0, LC_ERR_INVALID_ARGUMENT,
                       "invalid_argument", "response_json");
        expect_failure(fmt("%s(bad JSON)", op->name), op->fn, e, "{\"actor\":", 1, LC_ERR_INVALID_ARGUMENT,
                       "invalid_argument", "request");
        expect_failure(fmt("%s(empty text)", op->name), op->fn, e, "", 1, LC_ERR_INVALID_ARGUMENT,
                       "invalid_argument", "request");
        expect_failure(fmt("%s(invalid UTF-8)", op->name), op->fn, e, "{\"user_id\":\"\xc3\x28\"}", 1,
                       LC_ERR_INVALID_ARGUMENT, "invalid_argument", "request");
        expect_failure(fmt("%s(overlong UTF-8)", op->name), op->fn, e, "{\"user_id\":\"\xc0\xaf\"}", 1,
                       LC_ERR_INVALID_ARGUMENT, "invalid_argument", "request");
        expect_failure(fmt("%s(array)", op->name), op->fn, e, "[]", 1, LC_ERR_INVALID_ARGUMENT, "invalid_argument",
                       "request");
        expect_failure(fmt("%s(trailing comma)", op->name), op->fn, e, "{\"a\":1,}", 1, LC_ERR_INVALID_ARGUMENT,
                       "invalid_argument", "request");
        expect_failure(fmt("%s({})", op->name), op->fn, e, "{}", 1, op->on_empty, NULL, op->empty_field);
        expect_failure(fmt("%s(actor not an object)", op->name), op->fn, e, "{\"actor\":\"prof\",\"user_id\":5}", 1,
                       LC_ERR_INVALID_ARGUMENT, "invalid_argument", NULL);
        /* Deeply nested input is refused, not a stack overflow. */
        {
            char deep[2 * 5000 + 16];
            int d;
            strcpy(deep, "{\"a\":");
            for (d = 0; d < 5000; ++d) deep[5 + d] = '[';
            deep[5 + 5000] = '\0';
            expect_failure(fmt("%s(deep)", op->name), op->fn, e, deep, 1, LC_ERR_INVALID_ARGUMENT,
                           "invalid_argument", "request");
        }
    }
}

static void open_errors(const char *dir) {
    lc_engine *e = (lc_engine *)SENTINEL;
    char *error = SENTINEL;
    struct {
        const char *config;
        lc_status status;
        const char *field;
    } cases[] = {
        {NULL, LC_ERR_INVALID_ARGUMENT, "config"},
        {"", LC_ERR_INVALID_ARGUMENT, "config"},
        {"{\"database\":", LC_ERR_INVALID_ARGUMENT, "config"},
        {"{\"database\":\"\xff\"}", LC_ERR_INVALID_ARGUMENT, "config"},
        {"[]", LC_ERR_INVALID_ARGUMENT, "config"},
        {"{}", LC_ERR_INVALID_ARGUMENT, "database"},
        {"{\"database\":42}", LC_ERR_INVALID_ARGUMENT, "database"},
        {"{\"database\":\"x.db\",\"jitsi\":{\"mode\":\"zoom\"}}", LC_ERR_INVALID_ARGUMENT, "jitsi.mode"},
        {"{\"database\":\"x.db\",\"jitsi\":{\"mode\":\"self_hosted\",\"app_id\":\"lms\",\"app_secret\":\"short\"}}",
         LC_ERR_INVALID_ARGUMENT, "jitsi.app_secret"},
        {"{\"database\":\"x.db\",\"calendar\":{\"feed_secret\":\"short\"}}", LC_ERR_INVALID_ARGUMENT,
         "calendar.feed_secret"},
        {"{\"database\":\"/nonexistent-livecourse-dir/sub/lc.db\"}", LC_ERR_STORAGE, NULL},
        {"{\"database\":\"x.db\",\"presence\":{\"video_events_secret\":\"short\"}}", LC_ERR_INVALID_ARGUMENT,
         "presence.video_events_secret"},
        {"{\"database\":\"x.db\",\"presence\":{\"presence_timeout_seconds\":-1}}", LC_ERR_INVALID_ARGUMENT,
         "presence.presence_timeout_seconds"},
    };
    size_t i;
    (void)dir;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        e = (lc_engine *)SENTINEL;
        error = SENTINEL;
        CHECK_STATUS(lc_engine_open(cases[i].config, NULL, &e, &error), cases[i].status);
        CHECK(e == NULL);
        CHECK(error != SENTINEL && error != NULL);
        if (cases[i].field) CHECK_CONTAINS(error, fmt("\"field\":\"%s\"", cases[i].field));
        CHECK(lc_last_error() != NULL && error && strcmp(error, lc_last_error()) == 0);
        if (error != SENTINEL) lc_free(error);
        /* No error_json asked for. */
        CHECK(lc_engine_open(cases[i].config, NULL, &e, NULL) == cases[i].status);
    }
    error = SENTINEL;
    CHECK_STATUS(lc_engine_open("{\"database\":\"x.db\"}", NULL, NULL, &error), LC_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(error, "\"field\":\"engine\"");
    if (error != SENTINEL) lc_free(error);
}

static void domain_errors(lc_engine *e, test_clock *clock) {
    char id[128], full_id[128];
    char *r;
    const char *prof = "{\"user_id\":\"prof\"}";
    const char *stu = "{\"user_id\":\"stu-0\"}";
    const char *out = "{\"user_id\":\"nobody\"}";
    const char *unknown = "\"session_id\":\"s-does-not-exist\"";
    lc_operation_fn session_ops[] = {lc_session_get,   lc_session_update, lc_session_cancel,  lc_session_start,
                                     lc_session_end,   lc_session_join,   lc_session_leave,   lc_token_create,
                                     lc_attendance_get, lc_statistics_get, lc_chat_list};
    size_t i;

    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"c\",\"user_id\":\"prof\",\"role\":\"instructor\"}");
    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"c\",\"user_id\":\"stu-0\",\"role\":\"student\"}");
    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"c\",\"user_id\":\"stu-1\",\"role\":\"student\"}");

    /* Unknown ids: not_found, whatever their form. */
    for (i = 0; i < sizeof session_ops / sizeof session_ops[0]; ++i)
        expect_failure("unknown session", session_ops[i], e, fmt("{\"actor\":%s,%s}", prof, unknown), 1,
                       LC_ERR_NOT_FOUND, "not_found", NULL);
    expect_failure("unknown session (chat_post)", lc_chat_post, e,
                   fmt("{\"actor\":%s,%s,\"body\":\"hello\"}", prof, unknown), 1, LC_ERR_NOT_FOUND, "not_found", NULL);
    expect_failure("empty session id", lc_session_get, e, fmt("{\"actor\":%s,\"session_id\":\"\"}", prof), 1,
                   LC_ERR_NOT_FOUND, "not_found", NULL);
    expect_failure("unknown series", lc_series_cancel, e, fmt("{\"actor\":%s,\"series_id\":\"nope\"}", prof), 1,
                   LC_ERR_NOT_FOUND, "not_found", NULL);

    /* Forbidden roles. */
    expect_failure("student creates", lc_session_create, e,
                   fmt("{\"actor\":%s,\"course_id\":\"c\",\"title\":\"t\",\"starts_at\":\"2026-03-07T14:00:00Z\","
                       "\"ends_at\":\"2026-03-07T15:00:00Z\"}",
                       stu),
                   1, LC_ERR_FORBIDDEN, "forbidden", NULL);
    expect_failure("outsider creates", lc_session_create, e,
                   fmt("{\"actor\":%s,\"course_id\":\"c\",\"title\":\"t\",\"starts_at\":\"2026-03-07T14:00:00Z\","
                       "\"ends_at\":\"2026-03-07T15:00:00Z\"}",
                       out),
                   1, LC_ERR_FORBIDDEN, "not_enrolled", NULL);
    expect_failure("student creates a series", lc_series_create, e,
                   fmt("{\"actor\":%s,\"course_id\":\"c\",\"title\":\"t\",\"first_date\":\"2026-09-01\","
                       "\"start_time\":\"10:00\",\"duration_minutes\":60,\"weekdays\":[\"monday\"],\"count\":2}",
                       stu),
                   1, LC_ERR_FORBIDDEN, "forbidden", NULL);
    expect_failure("outsider lists", lc_session_list, e, fmt("{\"actor\":%s,\"course_id\":\"c\"}", out), 1,
                   LC_ERR_FORBIDDEN, "not_enrolled", NULL);

    r = CALL_OK(lc_session_create, e,
                fmt("{\"actor\":%s,\"course_id\":\"c\",\"title\":\"t\",\"starts_at\":\"2026-03-07T14:00:00Z\","
                    "\"ends_at\":\"2026-03-07T15:00:00Z\",\"max_participants\":1}",
                    prof));
    CHECK(json_string(r, "id", id, sizeof id));
    lc_free(r);
    {
        const char *sid = fmt("\"session_id\":\"%s\"", id);
        char s_sid[200];
        lc_operation_fn staff_ops[] = {lc_session_update, lc_session_cancel, lc_session_start,
                                       lc_session_end,    lc_attendance_get, lc_statistics_get};
        lc_operation_fn member_ops[] = {lc_session_get, lc_session_join, lc_session_leave, lc_token_create,
                                        lc_chat_list};
        strcpy(s_sid, sid);
        for (i = 0; i < sizeof staff_ops / sizeof staff_ops[0]; ++i)
            expect_failure("student manages", staff_ops[i], e, fmt("{\"actor\":%s,%s}", stu, s_sid), 1,
                           LC_ERR_FORBIDDEN, "forbidden", NULL);
        for (i = 0; i < sizeof member_ops / sizeof member_ops[0]; ++i)
            expect_failure("outsider", member_ops[i], e, fmt("{\"actor\":%s,%s}", out, s_sid), 1, LC_ERR_FORBIDDEN,
                           "not_enrolled", NULL);
        expect_failure("outsider chats", lc_chat_post, e, fmt("{\"actor\":%s,%s,\"body\":\"x\"}", out, s_sid), 1,
                       LC_ERR_FORBIDDEN, "not_enrolled", NULL);

        /* Status conflicts and refusals. */
        expect_failure("join before start", lc_session_join, e, fmt("{\"actor\":%s,%s}", stu, s_sid), 1,
                       LC_ERR_FORBIDDEN, "not_live", NULL);
        expect_failure("end before start", lc_session_end, e, fmt("{\"actor\":%s,%s}", prof, s_sid), 1,
                       LC_ERR_CONFLICT, NULL, NULL);
        expect_failure("chat before start", lc_chat_post, e, fmt("{\"actor\":%s,%s,\"body\":\"x\"}", prof, s_sid), 1,
                       LC_ERR_CONFLICT, "not_live", NULL);
        expect_failure("stale revision", lc_session_update, e,
                       fmt("{\"actor\":%s,%s,\"title\":\"x\",\"revision\":7}", prof, s_sid), 1, LC_ERR_CONFLICT,
                       "revision_mismatch", "revision");
        expect_failure("bad value", lc_session_update, e,
                       fmt("{\"actor\":%s,%s,\"max_participants\":\"many\"}", prof, s_sid), 1,
                       LC_ERR_INVALID_ARGUMENT, "invalid_argument", "max_participants");
        expect_failure("ends before start", lc_session_update, e,
                       fmt("{\"actor\":%s,%s,\"ends_at\":\"2026-03-07T13:00:00Z\"}", prof, s_sid), 1,
                       LC_ERR_INVALID_ARGUMENT, "invalid_argument", "ends_at");
        clock->now = T0 + 3600;
        DO_OK(lc_session_start, e, fmt("{\"actor\":%s,%s}", prof, s_sid));
        expect_failure("start twice", lc_session_start, e, fmt("{\"actor\":%s,%s}", prof, s_sid), 1, LC_ERR_CONFLICT,
                       NULL, NULL);
        expect_failure("edit once live", lc_session_update, e, fmt("{\"actor\":%s,%s,\"title\":\"x\"}", prof, s_sid),
                       1, LC_ERR_CONFLICT, "not_scheduled", NULL);
        expect_failure("token before join", lc_token_create, e, fmt("{\"actor\":%s,%s}", stu, s_sid), 1,
                       LC_ERR_FORBIDDEN, "not_participant", NULL);
        expect_failure("answer without question", lc_chat_post, e,
                       fmt("{\"actor\":%s,%s,\"type\":\"answer\",\"body\":\"x\"}", prof, s_sid), 1,
                       LC_ERR_INVALID_ARGUMENT, "invalid_argument", "reply_to");

        /* The seat limit: one seat, two students. */
        DO_OK(lc_session_join, e, fmt("{\"actor\":%s,%s}", stu, s_sid));
        expect_failure("second student", lc_session_join, e, fmt("{\"actor\":{\"user_id\":\"stu-1\"},%s}", s_sid), 1,
                       LC_ERR_FULL, "session_full", NULL);
        /* The instructor does not take a student's seat. */
        DO_OK(lc_session_join, e, fmt("{\"actor\":%s,%s}", prof, s_sid));
        DO_OK(lc_session_end, e, fmt("{\"actor\":%s,%s}", prof, s_sid));
        expect_failure("join ended", lc_session_join, e, fmt("{\"actor\":%s,%s}", stu, s_sid), 1, LC_ERR_FORBIDDEN,
                       "session_ended", NULL);
        expect_failure("cancel ended", lc_session_cancel, e, fmt("{\"actor\":%s,%s}", prof, s_sid), 1,
                       LC_ERR_CONFLICT, "session_ended", NULL);
        strcpy(full_id, id);
    }

    /* Other operations' own failures. */
    expect_failure("enroll role none", lc_roster_enroll, e, "{\"course_id\":\"c\",\"user_id\":\"u\",\"role\":\"none\"}",
                   1, LC_ERR_INVALID_ARGUMENT, "invalid_argument", "role");
    expect_failure("set unknown role", lc_roster_set_role, e,
                   "{\"course_id\":\"c\",\"user_id\":\"u\",\"role\":\"dean\"}", 1, LC_ERR_INVALID_ARGUMENT,
                   "invalid_argument", "role");
    expect_failure("unenroll empty", lc_roster_unenroll, e, "{\"course_id\":\"c\",\"user_id\":\"\"}", 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "user_id");
    expect_failure("get role of nobody", lc_roster_get_role, e, "{\"course_id\":\"c\",\"user_id\":7}", 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "user_id");
    expect_failure("user without id", lc_user_put, e, "{\"name\":\"x\"}", 1, LC_ERR_INVALID_ARGUMENT,
                   "invalid_argument", "user_id");
    expect_failure("bad avatar", lc_user_put, e, "{\"user_id\":\"u\",\"avatar\":\"javascript:alert(1)\"}", 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "avatar");
    expect_failure("bad calendar range", lc_calendar_query, e,
                   fmt("{\"actor\":%s,\"start\":\"2026-03-08\",\"end\":\"2026-03-01\"}", stu), 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "end");
    expect_failure("bad calendar date", lc_calendar_query, e,
                   fmt("{\"actor\":%s,\"start\":\"March 1\",\"end\":\"2026-03-01\"}", stu), 1, LC_ERR_INVALID_ARGUMENT,
                   "invalid_argument", "start");
    expect_failure("bad series", lc_series_create, e,
                   fmt("{\"actor\":%s,\"course_id\":\"c\",\"title\":\"t\",\"first_date\":\"2026-09-01\","
                       "\"start_time\":\"10:00\",\"duration_minutes\":60,\"weekdays\":[\"someday\"],\"count\":2}",
                       prof),
                   1, LC_ERR_INVALID_ARGUMENT, "invalid_argument", "weekdays");
    expect_failure("chat page too big", lc_chat_list, e, fmt("{\"actor\":%s,\"session_id\":\"%s\",\"limit\":100000}",
                                                             prof, full_id),
                   1, LC_ERR_INVALID_ARGUMENT, "invalid_argument", "limit");
    expect_failure("feed of empty user", lc_calendar_feed, e, "{\"user_id\":\"\"}", 1, LC_ERR_INVALID_ARGUMENT,
                   "invalid_argument", "user_id");
    expect_failure("forged feed token", lc_calendar_feed_by_token, e, "{\"token\":\"cHJvZg.AAAA\"}", 1,
                   LC_ERR_UNAUTHENTICATED, "invalid_token", NULL);
    expect_failure("feed token of empty user", lc_feed_token_get, e, "{\"user_id\":\"\"}", 1, LC_ERR_INVALID_ARGUMENT,
                   "invalid_argument", "user_id");
    expect_failure("rotate of empty user", lc_feed_token_rotate, e, "{\"user_id\":\"\"}", 1, LC_ERR_INVALID_ARGUMENT,
                   "invalid_argument", "user_id");
    expect_failure("actor without id", lc_session_get, e, "{\"actor\":{\"name\":\"x\"},\"session_id\":\"s\"}", 1,
                   LC_ERR_UNAUTHENTICATED, "unauthenticated", "actor.user_id");

    /* A success clears the thread's last error. */
    CHECK(lc_last_error() != NULL);
    DO_OK(lc_roster_get_role, e, "{\"course_id\":\"c\",\"user_id\":\"stu-0\"}");
    CHECK(lc_last_error() == NULL);
}

static void feeds_need_a_secret(const char *dir) {
    lc_engine *e = NULL;
    CHECK_STATUS(lc_engine_open(fmt("{\"database\":\"%s/nosecret.db\"}", dir), NULL, &e, NULL), LC_OK);
    expect_failure("feed token without secret", lc_feed_token_get, e, "{\"user_id\":\"u\"}", 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "calendar.feed_secret");
    expect_failure("feed by token without secret", lc_calendar_feed_by_token, e, "{\"token\":\"x.y\"}", 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "calendar.feed_secret");
    lc_engine_close(e);
}

static void small_functions(void) {
    CHECK(strcmp(lc_status_name(LC_OK), "ok") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_INVALID_ARGUMENT), "invalid_argument") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_NOT_FOUND), "not_found") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_FORBIDDEN), "forbidden") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_CONFLICT), "conflict") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_FULL), "session_full") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_STORAGE), "storage") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_UNAUTHENTICATED), "unauthenticated") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_INTERNAL), "internal") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_NO_MEMORY), "no_memory") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_CALLBACK), "host_callback") == 0);
    CHECK(strcmp(lc_status_name(LC_ERR_WOULD_BLOCK), "would_block") == 0);
    /* lc_thread_no_wait returns the previous setting */
    CHECK(lc_thread_no_wait(1) == 0);
    CHECK(lc_thread_no_wait(7) == 1);
    CHECK(lc_thread_no_wait(0) == 1);
    CHECK(lc_thread_no_wait(0) == 0);
    CHECK(strcmp(lc_status_name((lc_status)99), "unknown") == 0);
    CHECK(strcmp(lc_status_name((lc_status)-1), "unknown") == 0);
    lc_free(NULL);
    lc_engine_close(NULL);
}

/* lc_presence_jitsi_event checks its secret before it reads anything else:
 * a request without the secret is unauthenticated, whatever else is wrong. */
static void presence_errors(lc_engine *e) {
    expect_failure("lc_presence_jitsi_event(NULL engine)", lc_presence_jitsi_event, NULL, "{}", 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "engine");
    expect_failure("lc_presence_jitsi_event(NULL request)", lc_presence_jitsi_event, e, NULL, 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "request");
    expect_failure("lc_presence_jitsi_event(bad JSON)", lc_presence_jitsi_event, e, "{\"secret\":", 1,
                   LC_ERR_INVALID_ARGUMENT, "invalid_argument", "request");
    expect_failure("lc_presence_jitsi_event({})", lc_presence_jitsi_event, e, "{}", 1, LC_ERR_UNAUTHENTICATED,
                   "invalid_secret", NULL);
    expect_failure("lc_presence_jitsi_event(no kind, wrong secret)", lc_presence_jitsi_event, e,
                   "{\"secret\":\"nope\",\"body\":\"{oops\"}", 1, LC_ERR_UNAUTHENTICATED, "invalid_secret", NULL);
    expect_failure("lc_presence_jaas_webhook(unsigned)", lc_presence_jaas_webhook, e, "{\"body\":\"{}\"}", 1,
                   LC_ERR_UNAUTHENTICATED, "invalid_signature", NULL);
}

int main(void) {
    char dir[512];
    test_clock clock = {T0};
    lc_host host;
    lc_engine *e;

    small_functions();
    temp_dir(dir, sizeof dir);
    memset(&host, 0, sizeof host);
    host.user_data = &clock;
    host.now = test_clock_now;
    open_errors(dir);
    e = open_engine(dir, &host);
    boundary_errors(e);
    /* An idle engine answers a thread that may not wait as usual, errors too. */
    lc_thread_no_wait(1);
    presence_errors(e);
    lc_thread_no_wait(0);
    domain_errors(e, &clock);
    feeds_need_a_secret(dir);
    lc_engine_close(e);
    remove_dir(dir);
    return test_report("capi_errors");
}
