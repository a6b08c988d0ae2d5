/*
 * The seed's Q&A use case, end to end, through the C ABI only: an instructor
 * creates "Q&A sur la gouvernance" for Saturday 14:00, students see it in
 * their calendar, the instructor starts it, students join and ask, the
 * instructor answers, the session ends after an hour, statistics follow; then
 * calendar feeds by token, series, edits and cancellations.
 */
#include "capi_test.h"

#define PROF "{\"user_id\":\"prof\",\"name\":\"Ada Lovelace\",\"email\":\"ada@example.edu\"}"
#define STU(i) "{\"user_id\":\"stu-" #i "\",\"name\":\"Student " #i "\"}"

static void versions(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", LC_VERSION_MAJOR, LC_VERSION_MINOR, LC_VERSION_PATCH);
    CHECK(strcmp(lc_version(), LC_VERSION_STRING) == 0);
    CHECK(strcmp(lc_version(), expected) == 0);
    CHECK(lc_abi_version() == LC_ABI_VERSION);
}

static void qa_session(lc_engine *e, test_clock *clock) {
    char id[128], room[160], q_id[64], token[256], sid_field[200];
    char *r;
    int i;

    /* The course: the LMS tells the built-in roster who is who. */
    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"course-1\",\"user_id\":\"prof\",\"role\":\"instructor\"}");
    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"course-1\",\"user_id\":\"mod\",\"role\":\"moderator\"}");
    for (i = 0; i < 3; ++i)
        DO_OK(lc_roster_enroll, e, fmt("{\"course_id\":\"course-1\",\"user_id\":\"stu-%d\",\"role\":\"student\"}", i));
    r = CALL_OK(lc_roster_get_role, e, "{\"course_id\":\"course-1\",\"user_id\":\"stu-1\"}");
    CHECK_CONTAINS(r, "\"role\":\"student\"");
    lc_free(r);
    r = CALL_OK(lc_user_put, e, "{\"user_id\":\"prof\",\"name\":\"Ada Lovelace\",\"email\":\"ada@example.edu\"}");
    CHECK_CONTAINS(r, "\"name\":\"Ada Lovelace\"");
    lc_free(r);

    /* 1-2. The instructor creates the session for Saturday 14:00. */
    r = CALL_OK(lc_session_create, e,
                "{\"actor\":" PROF ",\"course_id\":\"course-1\",\"title\":\"Q&A sur la gouvernance\","
                "\"description\":\"Vos questions\",\"starts_at\":\"2026-03-07T14:00:00Z\","
                "\"ends_at\":\"2026-03-07T15:00:00Z\",\"max_participants\":50,\"recording_enabled\":true,"
                "\"room_password\":true}");
    CHECK(json_string(r, "id", id, sizeof id));
    CHECK(json_string(r, "jitsi_room_name", room, sizeof room));
    CHECK_CONTAINS(r, "\"status\":\"scheduled\"");
    CHECK_CONTAINS(r, "\"jitsi_server_url\":\"https://meet.jit.si\"");
    CHECK_CONTAINS(r, "\"actual_start_at\":null");
    CHECK_CONTAINS(r, "\"created_at\":\"2026-03-07T13:00:00Z\"");
    CHECK(strstr(r ? r : "", "password") == NULL);
    lc_free(r);
    snprintf(sid_field, sizeof sid_field, "\"session_id\":\"%s\"", id);

    /* 3. Students see it: listed as upcoming, and in their calendar. */
    r = CALL_OK(lc_session_list, e, "{\"actor\":" STU(0) ",\"course_id\":\"course-1\",\"status\":\"upcoming\"}");
    CHECK_CONTAINS(r, id);
    /* The room name is a key: the shape keeps it, null, for them. */
    CHECK_CONTAINS(r, "\"jitsi_room_name\":null");
    CHECK(strstr(r ? r : "", room) == NULL);
    lc_free(r);
    r = CALL_OK(lc_session_get, e, fmt("{\"actor\":" STU(0) ",%s}", sid_field));
    CHECK_CONTAINS(r, "\"jitsi_room_name\":null");
    CHECK(strstr(r ? r : "", room) == NULL);
    lc_free(r);
    r = CALL_OK(lc_session_get, e, fmt("{\"actor\":" PROF ",%s}", sid_field));
    CHECK_CONTAINS(r, fmt("\"jitsi_room_name\":\"%s\"", room));
    lc_free(r);
    r = CALL_OK(lc_calendar_query, e, "{\"actor\":" STU(1) ",\"start\":\"2026-03-01\",\"end\":\"2026-03-31\"}");
    CHECK_CONTAINS(r, "\"type\":\"live_session\"");
    CHECK_CONTAINS(r, fmt("\"id\":\"%s\"", id));
    CHECK_CONTAINS(r, fmt("\"join_url\":\"/courses/course-1/live-sessions/%s/join\"", id));
    CHECK(strstr(r ? r : "", room) == NULL);
    lc_free(r);

    /* 4. Saturday 14:00: the instructor starts it. */
    clock->now = T0 + 3600;
    r = CALL_OK(lc_session_start, e, fmt("{\"actor\":" PROF ",%s}", sid_field));
    CHECK_CONTAINS(r, "\"status\":\"live\"");
    CHECK_CONTAINS(r, "\"actual_start_at\":\"2026-03-07T14:00:00Z\"");
    CHECK_CONTAINS(r, "\"revision\":2");
    lc_free(r);

    /* 5. Everyone joins; students ask. */
    r = CALL_OK(lc_session_join, e, fmt("{\"actor\":" PROF ",%s}", sid_field));
    CHECK_CONTAINS(r, room);
    CHECK_CONTAINS(r, "\"jitsi_join_url\":\"https://meet.jit.si/");
    lc_free(r);
    r = CALL_OK(lc_session_join, e, fmt("{\"actor\":" STU(0) ",%s}", sid_field));
    {
        char password[64];
        CHECK(json_string(r, "jitsi_room_password", password, sizeof password));
        CHECK(strlen(password) == 14);
    }
    lc_free(r);
    DO_OK(lc_session_join, e, fmt("{\"actor\":" STU(1) ",%s}", sid_field));
    DO_OK(lc_session_join, e, fmt("{\"actor\":" STU(2) ",%s}", sid_field));
    r = CALL_OK(lc_token_create, e, fmt("{\"actor\":" STU(0) ",%s}", sid_field));
    CHECK_CONTAINS(r, "\"jwt\":null"); /* public meet.jit.si takes no token */
    CHECK_CONTAINS(r, "\"expires_at\":\"2026-03-07T15:15:00Z\"");
    lc_free(r);

    clock->now += 300;
    r = CALL_OK(lc_chat_post, e,
                fmt("{\"actor\":" STU(0) ",%s,\"type\":\"question\",\"body\":\"Qui nomme le conseil ?\"}", sid_field));
    CHECK(json_string(r, "id", q_id, sizeof q_id));
    CHECK_CONTAINS(r, "\"type\":\"question\"");
    CHECK_CONTAINS(r, "\"created_at\":\"2026-03-07T14:05:00Z\"");
    lc_free(r);

    /* 6. The instructor answers live. */
    r = CALL_OK(lc_chat_post, e,
                fmt("{\"actor\":" PROF ",%s,\"type\":\"answer\",\"body\":\"L'assembl\\u00e9e g\\u00e9n\\u00e9rale.\","
                    "\"reply_to\":\"%s\"}",
                    sid_field, q_id));
    CHECK_CONTAINS(r, fmt("\"reply_to\":\"%s\"", q_id));
    CHECK_CONTAINS(r, "L'assemblée générale.");
    lc_free(r);
    r = CALL_OK(lc_chat_list, e, fmt("{\"actor\":" STU(1) ",%s,\"limit\":10}", sid_field));
    CHECK(count_of(r, "\"session_id\"") == 2);
    CHECK(strstr(r ? r : "", "question") < strstr(r ? r : "", "answer")); /* oldest first */
    CHECK_CONTAINS(r, "\"next_cursor\":null");
    lc_free(r);

    clock->now += 300; /* 14:10: a student leaves early */
    r = CALL_OK(lc_session_leave, e, fmt("{\"actor\":" STU(2) ",%s}", sid_field));
    CHECK_CONTAINS(r, "\"left\":true");
    lc_free(r);

    /* 7. It ends after one hour; statistics follow. */
    clock->now = T0 + 2 * 3600;
    r = CALL_OK(lc_session_end, e,
                fmt("{\"actor\":" PROF ",%s,\"recording_url\":\"https://rec.example.edu/qa.mp4\"}", sid_field));
    CHECK_CONTAINS(r, "\"status\":\"ended\"");
    CHECK_CONTAINS(r, "\"actual_end_at\":\"2026-03-07T15:00:00Z\"");
    CHECK_CONTAINS(r, "\"recording_url\":\"https://rec.example.edu/qa.mp4\"");
    CHECK_CONTAINS(r, "\"statistics\":{");
    CHECK(json_int(r, "actual_duration_seconds") == 3600);
    CHECK(json_int(r, "participants_count") == 4);
    CHECK(json_int(r, "students_count") == 3);
    CHECK(json_int(r, "enrolled_count") == 3);
    CHECK(json_int(r, "attendance_rate") == 1);
    CHECK(json_int(r, "peak_concurrent") == 4);
    lc_free(r);
    r = CALL_OK(lc_statistics_get, e, fmt("{\"actor\":" PROF ",%s}", sid_field));
    CHECK(json_int(r, "participants_count") == 4);
    CHECK(json_int(r, "median_presence_seconds") == 3600);
    CHECK(json_int(r, "average_presence_seconds") == (3 * 3600 + 600) / 4);
    lc_free(r);
    r = CALL_OK(lc_attendance_get, e, fmt("{\"actor\":{\"user_id\":\"mod\"},%s}", sid_field));
    CHECK(count_of(r, "\"user_id\"") == 4);
    CHECK_CONTAINS(r, "\"user_id\":\"stu-2\",\"role\":\"student\",\"present_seconds\":600");
    CHECK_CONTAINS(r, "\"source\":\"client\"");
    lc_free(r);
    r = CALL_OK(lc_session_list, e, fmt("{\"actor\":" STU(0) ",\"course_id\":\"course-1\",\"status\":\"past\"}"));
    CHECK_CONTAINS(r, id);
    lc_free(r);

    /* The calendar feed, by token: what a calendar app subscribes to. */
    r = CALL_OK(lc_feed_token_get, e, "{\"user_id\":\"stu-0\"}");
    CHECK(json_string(r, "token", token, sizeof token));
    CHECK_CONTAINS(r, "\"user_id\":\"stu-0\"");
    lc_free(r);
    r = CALL_OK(lc_calendar_feed_by_token, e, fmt("{\"token\":\"%s\"}", token));
    CHECK(r && strncmp(r, "BEGIN:VCALENDAR\r\n", 17) == 0);
    CHECK_CONTAINS(r, "SUMMARY:Q&A sur la gouvernance");
    CHECK_CONTAINS(r, "ORGANIZER;CN=\"Ada Lovelace\":mailto:ada@example.edu");
    lc_free(r);
    r = CALL_OK(lc_calendar_feed, e, "{\"user_id\":\"stu-0\"}");
    CHECK_CONTAINS(r, fmt("UID:session-%s@livecourse", id));
    lc_free(r);
    DO_OK(lc_feed_token_rotate, e, "{\"user_id\":\"stu-0\"}");
    {
        char *response = NULL, *error = NULL;
        CHECK_STATUS(lc_calendar_feed_by_token(e, fmt("{\"token\":\"%s\"}", token), &response, &error),
                     LC_ERR_UNAUTHENTICATED);
        CHECK(response == NULL);
        CHECK_CONTAINS(error, "\"code\":\"invalid_token\"");
        lc_free(error);
    }
}

static void edits_and_series(lc_engine *e) {
    char id[128], series[128];
    char *r;
    r = CALL_OK(lc_session_create, e,
                "{\"actor\":" PROF ",\"course_id\":\"course-1\",\"title\":\"R\\u00e9vision\","
                "\"starts_at\":\"2026-03-20T09:00:00Z\",\"ends_at\":\"2026-03-20T10:00:00Z\"}");
    CHECK(json_string(r, "id", id, sizeof id));
    CHECK_CONTAINS(r, "\"max_participants\":50"); /* the default */
    lc_free(r);
    r = CALL_OK(lc_session_update, e,
                fmt("{\"actor\":" PROF ",\"session_id\":\"%s\",\"title\":\"R\\u00e9vision avant examen\","
                    "\"starts_at\":\"2026-03-20T10:00:00Z\",\"ends_at\":\"2026-03-20T11:30:00Z\",\"revision\":1}",
                    id));
    CHECK_CONTAINS(r, "\"title\":\"Révision avant examen\"");
    CHECK_CONTAINS(r, "\"revision\":2");
    lc_free(r);
    r = CALL_OK(lc_session_get, e, fmt("{\"actor\":" STU(1) ",\"session_id\":\"%s\"}", id));
    CHECK_CONTAINS(r, "\"starts_at\":\"2026-03-20T10:00:00Z\"");
    lc_free(r);
    r = CALL_OK(lc_session_cancel, e, fmt("{\"actor\":" PROF ",\"session_id\":\"%s\",\"reason\":\"gr\\u00e8ve\"}", id));
    CHECK_CONTAINS(r, "\"status\":\"cancelled\"");
    CHECK_CONTAINS(r, "\"cancel_reason\":\"grève\"");
    lc_free(r);

    /* Case 2: every Tuesday at 10:00 Paris time. */
    r = CALL_OK(lc_series_create, e,
                "{\"actor\":" PROF ",\"course_id\":\"course-1\",\"title\":\"Cours\",\"timezone\":\"Europe/Paris\","
                "\"first_date\":\"2026-09-01\",\"start_time\":\"10:00\",\"duration_minutes\":90,"
                "\"weekdays\":[\"tuesday\"],\"count\":12,\"recording_enabled\":true}");
    CHECK(json_string(r, "id", series, sizeof series));
    CHECK(count_of(r, "\"series_id\"") == 12);
    CHECK_CONTAINS(r, "\"starts_at\":\"2026-09-01T08:00:00Z\""); /* CEST */
    CHECK_CONTAINS(r, "\"starts_at\":\"2026-11-17T09:00:00Z\""); /* CET */
    lc_free(r);
    r = CALL_OK(lc_series_cancel, e,
                fmt("{\"actor\":" PROF ",\"series_id\":\"%s\",\"from\":\"2026-11-01T00:00:00Z\",\"reason\":\"fin\"}",
                    series));
    CHECK(count_of(r, "\"status\":\"cancelled\"") == 3); /* Nov 3, 10, 17 */
    lc_free(r);
    r = CALL_OK(lc_roster_unenroll, e, "{\"course_id\":\"course-1\",\"user_id\":\"stu-2\"}");
    CHECK_CONTAINS(r, "\"role\":\"none\"");
    lc_free(r);
    r = CALL_OK(lc_roster_set_role, e, "{\"course_id\":\"course-1\",\"user_id\":\"stu-2\",\"role\":\"moderator\"}");
    CHECK_CONTAINS(r, "\"role\":\"moderator\"");
    lc_free(r);
}

int main(void) {
    char dir[512];
    test_clock clock = {T0};
    lc_host host;
    lc_engine *e;

    versions();
    temp_dir(dir, sizeof dir);
    memset(&host, 0, sizeof host);
    host.user_data = &clock;
    host.now = test_clock_now;
    e = open_engine(dir, &host);
    qa_session(e, &clock);
    edits_and_series(e);
    CHECK(lc_last_error() == NULL); /* the last call succeeded */
    lc_engine_close(e);
    remove_dir(dir);
    return test_report("capi_usecase");
}
