/*
 * One engine handle used from 8 threads at once: the 10:00 rush on a 50-seat
 * session. 200 enrolled students join concurrently; exactly 50 get a seat,
 * the other 150 get LC_ERR_FULL with their own thread's error document; the
 * admitted ones get a token and may rejoin; statistics agree.
 */
#include "capi_test.h"

#include <pthread.h>

#define THREADS 8
#define STUDENTS 200
#define SEATS 50

typedef struct worker {
    lc_engine *engine;
    const char *session_id;
    int index;
    int admitted;
    int full;
    int other;
    int bad_error_doc;
    int admitted_ids[STUDENTS];
} worker;

static void *rush(void *arg) {
    worker *w = (worker *)arg;
    int i;
    char request[512];
    for (i = w->index; i < STUDENTS; i += THREADS) {
        char *response = NULL, *error = NULL;
        lc_status st;
        snprintf(request, sizeof request, "{\"actor\":{\"user_id\":\"stu-%d\"},\"session_id\":\"%s\"}", i,
                 w->session_id);
        st = lc_session_join(w->engine, request, &response, &error);
        if (st == LC_OK) {
            char *token = NULL;
            w->admitted_ids[w->admitted++] = i;
            if (!response || error) w->other++;
            if (lc_token_create(w->engine, request, &token, NULL) != LC_OK || !token) w->other++;
            lc_free(token);
        } else if (st == LC_ERR_FULL) {
            w->full++;
            /* The thread's own last error, not another thread's. */
            if (!error || !strstr(error, "\"code\":\"session_full\"") || !lc_last_error() ||
                strcmp(lc_last_error(), error) != 0)
                w->bad_error_doc++;
        } else {
            w->other++;
            fprintf(stderr, "join stu-%d: %s %s\n", i, lc_status_name(st), error ? error : "");
        }
        lc_free(response);
        lc_free(error);
        /* Reads interleave with the writes. */
        if (i % 5 == 0) {
            char *r = NULL;
            if (lc_session_get(w->engine, request, &r, NULL) != LC_OK) w->other++;
            lc_free(r);
        }
    }
    return NULL;
}

static void *rejoin(void *arg) {
    worker *w = (worker *)arg;
    int k;
    char request[512];
    for (k = 0; k < w->admitted; ++k) {
        char *response = NULL;
        snprintf(request, sizeof request, "{\"actor\":{\"user_id\":\"stu-%d\"},\"session_id\":\"%s\"}",
                 w->admitted_ids[k], w->session_id);
        if (lc_session_join(w->engine, request, &response, NULL) != LC_OK || !strstr(response, "\"rejoined\":true"))
            w->other++;
        lc_free(response);
    }
    return NULL;
}

static void run(worker *workers, void *(*fn)(void *)) {
    pthread_t threads[THREADS];
    int t;
    for (t = 0; t < THREADS; ++t) CHECK(pthread_create(&threads[t], NULL, fn, &workers[t]) == 0);
    for (t = 0; t < THREADS; ++t) pthread_join(threads[t], NULL);
}

int main(void) {
    char dir[512], id[128];
    test_clock clock = {T0 + 3600};
    lc_host host;
    lc_engine *e;
    worker workers[THREADS];
    int t, i, admitted = 0, full = 0, other = 0, bad = 0;
    char *r;

    temp_dir(dir, sizeof dir);
    memset(&host, 0, sizeof host);
    host.user_data = &clock;
    host.now = test_clock_now;
    e = open_engine(dir, &host);
    DO_OK(lc_roster_enroll, e, "{\"course_id\":\"rush\",\"user_id\":\"prof\",\"role\":\"instructor\"}");
    for (i = 0; i < STUDENTS; ++i)
        DO_OK(lc_roster_enroll, e, fmt("{\"course_id\":\"rush\",\"user_id\":\"stu-%d\",\"role\":\"student\"}", i));
    r = CALL_OK(lc_session_create, e,
                fmt("{\"actor\":{\"user_id\":\"prof\"},\"course_id\":\"rush\",\"title\":\"10:00\","
                    "\"starts_at\":\"2026-03-07T14:00:00Z\",\"ends_at\":\"2026-03-07T15:00:00Z\","
                    "\"max_participants\":%d}",
                    SEATS));
    CHECK(json_string(r, "id", id, sizeof id));
    lc_free(r);
    DO_OK(lc_session_start, e, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id));

    memset(workers, 0, sizeof workers);
    for (t = 0; t < THREADS; ++t) {
        workers[t].engine = e;
        workers[t].session_id = id;
        workers[t].index = t;
    }
    run(workers, rush);
    for (t = 0; t < THREADS; ++t) {
        admitted += workers[t].admitted;
        full += workers[t].full;
        other += workers[t].other;
        bad += workers[t].bad_error_doc;
    }
    printf("capi_threads: %d admitted, %d full, %d other\n", admitted, full, other);
    CHECK(admitted == SEATS);
    CHECK(full == STUDENTS - SEATS);
    CHECK(other == 0);
    CHECK(bad == 0);

    /* Admitted students keep their seat when they reconnect, concurrently. */
    run(workers, rejoin);
    other = 0;
    for (t = 0; t < THREADS; ++t) other += workers[t].other;
    CHECK(other == 0);

    clock.now += 600; /* ten minutes of class for the ledger to measure */
    r = CALL_OK(lc_statistics_get, e, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id));
    CHECK(json_int(r, "students_count") == SEATS);
    CHECK(json_int(r, "participants_count") == SEATS);
    CHECK(json_int(r, "enrolled_count") == STUDENTS);
    CHECK(json_int(r, "peak_concurrent") == SEATS);
    lc_free(r);
    r = CALL_OK(lc_attendance_get, e, fmt("{\"actor\":{\"user_id\":\"prof\"},\"session_id\":\"%s\"}", id));
    CHECK(count_of(r, "\"joins\":2") == SEATS);
    lc_free(r);

    lc_engine_close(e);
    remove_dir(dir);
    return test_report("capi_threads");
}
