/*
 * Host hooks: an LMS keeps enrollment in its own tables and answers through
 * role_of / courses_of / count_students; a failing callback is reported as
 * LC_ERR_CALLBACK, never swallowed; the `now` hook drives time. The lc_host
 * struct is copied by lc_engine_open (freed here right after), user_data is
 * handed back unchanged.
 */
#include "capi_test.h"

typedef struct lms {
    int64_t now;
    int role_calls;
    int courses_calls;
    int count_calls;
    int bad_user_data;
} lms;

static lms the_lms;

/* The LMS's enrollment table: course-1 has prof (instructor), ta
 * (moderator), stu-0..stu-2; course-2 has prof and stu-0 and an unknown
 * student count. "broken" makes every callback fail; "weird" has role 7. */
static int lms_role_of(void *user_data, const char *course_id, const char *user_id) {
    lms *l = (lms *)user_data;
    if (l != &the_lms) l->bad_user_data++;
    the_lms.role_calls++;
    if (strcmp(user_id, "broken") == 0) return -3;
    if (strcmp(user_id, "weird") == 0) return 7;
    if (strcmp(course_id, "course-1") != 0 && strcmp(course_id, "course-2") != 0) return LC_ROLE_NONE;
    if (strcmp(user_id, "prof") == 0) return LC_ROLE_INSTRUCTOR;
    if (strcmp(course_id, "course-1") == 0 && strcmp(user_id, "ta") == 0) return LC_ROLE_MODERATOR;
    if (strncmp(user_id, "stu-", 4) == 0 && (strcmp(course_id, "course-1") == 0 || strcmp(user_id, "stu-0") == 0))
        return LC_ROLE_STUDENT;
    return LC_ROLE_NONE;
}

static int lms_courses_of(void *user_data, const char *user_id, lc_course_sink sink, void *ctx) {
    if ((lms *)user_data != &the_lms) the_lms.bad_user_data++;
    the_lms.courses_calls++;
    if (strcmp(user_id, "broken") == 0) return -1;
    if (strcmp(user_id, "liar") == 0) {
        sink(ctx, "course-1", (lc_role)42); /* not a role */
        return 0;
    }
    if (strcmp(user_id, "nullish") == 0) {
        sink(ctx, NULL, LC_ROLE_STUDENT);
        return 0;
    }
    if (lms_role_of(user_data, "course-1", user_id) > 0) sink(ctx, "course-1", (lc_role)lms_role_of(user_data, "course-1", user_id));
    if (lms_role_of(user_data, "course-2", user_id) > 0) sink(ctx, "course-2", (lc_role)lms_role_of(user_data, "course-2", user_id));
    return 0;
}

static int64_t lms_count_students(void *user_data, const char *course_id) {
    if ((lms *)user_data != &the_lms) the_lms.bad_user_data++;
    the_lms.count_calls++;
    return strcmp(course_id, "course-1") == 0 ? 3 : -1;
}

static int64_t lms_now(void *user_data) { return ((lms *)user_data)->now; }

static char *create(lc_engine *e, const char *course, const char *start, const char *end, char *id, size_t size) {
    char *r = CALL_OK(lc_session_create, e,
                      fmt("{\"actor\":{\"user_id\":\"prof\"},\"course_id\":\"%s\",\"title\":\"Live\","
                          "\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
                          course, start, end));
    CHECK(json_string(r, "id", id, size));
    return r;
}

static void expect(lc_engine *e, lc_operation_fn fn, const char *request, lc_status status, const char *code) {
    char *response = NULL, *error = NULL;
    CHECK_STATUS(fn(e, request, &response, &error), status);
    CHECK(response == NULL);
    if (code) CHECK_CONTAINS(error, fmt("\"code\":\"%s\"", code));
    CHECK_CONTAINS(error, fmt("\"category\":\"%s\"", lc_status_name(status)));
    lc_free(error);
}

static void host_roster(const char *dir) {
    lc_host *host = (lc_host *)calloc(1, sizeof *host);
    lc_engine *e;
    char id[128], id2[128];
    char *r;

    the_lms.now = T0;
    host->user_data = &the_lms;
    host->role_of = lms_role_of;
    host->courses_of = lms_courses_of;
    host->count_students = lms_count_students;
    host->now = lms_now;
    e = open_engine(dir, host);
    free(host); /* read once by lc_engine_open */

    /* Nobody was enrolled through lc_roster_*: the host answers. */
    r = create(e, "course-1", "2026-03-07T14:00:00Z", "2026-03-07T15:00:00Z", id, sizeof id);
    CHECK_CONTAINS(r, "\"created_at\":\"2026-03-07T13:00:00Z\""); /* the host's clock */
    lc_free(r);
    lc_free(create(e, "course-2", "2026-03-07T16:00:00Z", "2026-03-07T17:00:00Z", id2, sizeof id2));
    CHECK(the_lms.role_calls >= 2);
    r = CALL_OK(lc_roster_get_role, e, "{\"course_id\":\"course-1\",\"user_id\":\"ta\"}");
    CHECK_CONTAINS(r, "\"role\":\"moderator\"");
    lc_free(r);
    expect(e, lc_session_create,
           "{\"actor\":{\"user_id\":\"stu-1\"},\"course_id\":\"course-1\",\"title\":\"x\","
           "\"starts_at\":\"2026-03-07T14:00:00Z\",\"ends_at\":\"2026-03-07T15:00:00Z\"}",
           LC_ERR_FORBIDDEN, "forbidden");

    /* A failing role_of callback: reported, not read as "not enrolled". */
    expect(e, lc_session_get, fmt("{\"actor\":{\"user_id\":\"broken\"},\"session_id\":\"%s\"}", id), LC_ERR_CALLBACK,
           "host_callback");
    CHECK_CONTAINS(lc_last_error(), "role_of");
    expect(e, lc_session_get, fmt("{\"actor\":{\"user_id\":\"weird\"},\"session_id\":\"%s\"}", id), LC_ERR_CALLBACK,
           "host_callback");
    expect(e, lc_roster_get_role, "{\"course_id\":\"course-1\",\"user_id\":\"broken\"}", LC_ERR_CALLBACK,
           "host_callback");
    expect(e, lc_session_get, fmt("{\"actor\":{\"user_id\":\"stranger\"},\"session_id\":\"%s\"}", id),
           LC_ERR_FORBIDDEN, "not_enrolled");

    /* courses_of feeds calendars; its failures are reported too. */
    r = CALL_OK(lc_calendar_query, e, "{\"actor\":{\"user_id\":\"stu-0\"},\"start\":\"2026-03-07\",\"end\":\"2026-03-08\"}");
    CHECK(count_of(r, "\"type\":\"live_session\"") == 2);
    lc_free(r);
    r = CALL_OK(lc_calendar_query, e, "{\"actor\":{\"user_id\":\"stu-1\"},\"start\":\"2026-03-07\",\"end\":\"2026-03-08\"}");
    CHECK(count_of(r, "\"type\":\"live_session\"") == 1);
    CHECK_CONTAINS(r, id);
    lc_free(r);
    expect(e, lc_calendar_query, "{\"actor\":{\"user_id\":\"broken\"},\"start\":\"2026-03-07\",\"end\":\"2026-03-08\"}",
           LC_ERR_CALLBACK, "host_callback");
    expect(e, lc_calendar_query, "{\"actor\":{\"user_id\":\"liar\"},\"start\":\"2026-03-07\",\"end\":\"2026-03-08\"}",
           LC_ERR_CALLBACK, "host_callback");
    expect(e, lc_calendar_query, "{\"actor\":{\"user_id\":\"nullish\"},\"start\":\"2026-03-07\",\"end\":\"2026-03-08\"}",
           LC_ERR_CALLBACK, "host_callback");
    expect(e, lc_calendar_feed, "{\"user_id\":\"broken\"}", LC_ERR_CALLBACK, "host_callback");
    r = CALL_OK(lc_calendar_feed, e, "{\"user_id\":\"stu-0\"}");
    CHECK(count_of(r, "BEGIN:VEVENT") == 2);
    lc_free(r);
    CHECK(the_lms.courses_calls >= 5);

    /* The clock hook decides actual times; count_students the enrolled count. */
    the_lms.now = T0 + 3600 + 120;
    r = CALL_OK(lc_session_start, e, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id));
    CHECK_CONTAINS(r, "\"actual_start_at\":\"2026-03-07T14:02:00Z\"");
    lc_free(r);
    DO_OK(lc_session_join, e, fmt("{\"actor\":{\"user_id\":\"stu-0\"},\"session_id\":\"%s\"}", id));
    DO_OK(lc_session_join, e, fmt("{\"actor\":{\"user_id\":\"stu-1\"},\"session_id\":\"%s\"}", id));
    expect(e, lc_session_join, fmt("{\"actor\":{\"user_id\":\"broken\"},\"session_id\":\"%s\"}", id), LC_ERR_CALLBACK,
           "host_callback");
    the_lms.now += 1800;
    r = CALL_OK(lc_session_end, e, fmt("{\"actor\":{\"user_id\":\"ta\"},\"session_id\":\"%s\"}", id));
    CHECK(json_int(r, "actual_duration_seconds") == 1800);
    CHECK(json_int(r, "enrolled_count") == 3);
    CHECK(json_int(r, "students_count") == 2);
    CHECK_CONTAINS(r, "\"attendance_rate\":0.6666");
    lc_free(r);
    CHECK(the_lms.count_calls >= 1);

    /* Unknown (negative) count: null, not an invented rate. */
    the_lms.now = T0 + 3 * 3600;
    DO_OK(lc_session_start, e, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id2));
    r = CALL_OK(lc_statistics_get, e, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id2));
    CHECK_CONTAINS(r, "\"enrolled_count\":null");
    CHECK_CONTAINS(r, "\"attendance_rate\":null");
    lc_free(r);

    /* A clock that fails (outside 1970..9999) is reported. */
    the_lms.now = -5;
    expect(e, lc_session_end, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id2), LC_ERR_CALLBACK,
           "host_callback");
    the_lms.now = T0 + 4 * 3600;
    DO_OK(lc_session_end, e, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id2));

    CHECK(the_lms.bad_user_data == 0);
    lc_engine_close(e);
}

/* role_of alone: calendars are empty (the host told no course), counts unknown. */
static void role_only(const char *dir) {
    char sub[600];
    lc_host host;
    lc_engine *e;
    char id[128];
    char *r;
    snprintf(sub, sizeof sub, "%s/role-only", dir);
    memset(&host, 0, sizeof host);
    host.user_data = &the_lms;
    host.role_of = lms_role_of;
    the_lms.now = T0;
    if (make_dir(sub)) return;
    e = open_engine(sub, &host);
    lc_free(create(e, "course-1", "2030-03-07T14:00:00Z", "2030-03-07T15:00:00Z", id, sizeof id));
    r = CALL_OK(lc_calendar_query, e, "{\"actor\":{\"user_id\":\"stu-0\"},\"start\":\"2030-03-07\",\"end\":\"2030-03-08\"}");
    CHECK_CONTAINS(r, "{\"events\":[]}");
    lc_free(r);
    r = CALL_OK(lc_statistics_get, e, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id));
    CHECK_CONTAINS(r, "\"enrolled_count\":null");
    lc_free(r);
    lc_engine_close(e);
    remove_dir(sub);
}

/* now alone: the built-in roster stays in charge. */
static void clock_only(const char *dir) {
    char sub[600];
    lc_host host;
    lc_engine *e;
    char id[128];
    char *r;
    snprintf(sub, sizeof sub, "%s/clock-only", dir);
    memset(&host, 0, sizeof host);
    host.user_data = &the_lms;
    host.now = lms_now;
    the_lms.now = T0 + 86400;
    if (make_dir(sub)) return;
    e = open_engine(sub, &host);
    expect(e, lc_session_create,
           "{\"actor\":{\"user_id\":\"prof\"},\"course_id\":\"course-1\",\"title\":\"x\","
           "\"starts_at\":\"2026-03-08T14:00:00Z\",\"ends_at\":\"2026-03-08T15:00:00Z\"}",
           LC_ERR_FORBIDDEN, "not_enrolled");
    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"course-1\",\"user_id\":\"prof\",\"role\":\"instructor\"}");
    r = create(e, "course-1", "2026-03-08T14:00:00Z", "2026-03-08T15:00:00Z", id, sizeof id);
    CHECK_CONTAINS(r, "\"created_at\":\"2026-03-08T13:00:00Z\"");
    lc_free(r);
    lc_engine_close(e);
    remove_dir(sub);
}

int main(void) {
    char dir[512];
    temp_dir(dir, sizeof dir);
    host_roster(dir);
    role_only(dir);
    clock_only(dir);
    remove_dir(dir);
    return test_report("capi_host");
}
