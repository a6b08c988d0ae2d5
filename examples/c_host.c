/*
 * A minimal LMS host in C: its enrollment stays in its own table (answered
 * through the lc_host roster callbacks), and livecourse runs the live class.
 *
 *   livecourse-c-host [database-file]
 *
 * Without an argument the database goes to a fresh temporary directory that
 * is removed at the end. Every call checks its status, prints the error
 * document on failure, and frees what the library returned with lc_free.
 */
#define _POSIX_C_SOURCE 200809L

#include "livecourse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The LMS's own enrollment table. */
struct enrollment {
    const char *course_id;
    const char *user_id;
    lc_role role;
};
static const struct enrollment lms_table[] = {
    {"gov-101", "prof-ada", LC_ROLE_INSTRUCTOR},
    {"gov-101", "stu-alan", LC_ROLE_STUDENT},
    {"gov-101", "stu-grace", LC_ROLE_STUDENT},
};
#define LMS_ROWS (sizeof lms_table / sizeof lms_table[0])

static int lms_role_of(void *user_data, const char *course_id, const char *user_id) {
    size_t i;
    (void)user_data;
    for (i = 0; i < LMS_ROWS; ++i)
        if (strcmp(lms_table[i].course_id, course_id) == 0 && strcmp(lms_table[i].user_id, user_id) == 0)
            return lms_table[i].role;
    return LC_ROLE_NONE;
}

static int lms_courses_of(void *user_data, const char *user_id, lc_course_sink sink, void *sink_context) {
    size_t i;
    (void)user_data;
    for (i = 0; i < LMS_ROWS; ++i)
        if (strcmp(lms_table[i].user_id, user_id) == 0) sink(sink_context, lms_table[i].course_id, lms_table[i].role);
    return 0;
}

static int64_t lms_count_students(void *user_data, const char *course_id) {
    size_t i;
    int64_t n = 0;
    (void)user_data;
    for (i = 0; i < LMS_ROWS; ++i)
        if (strcmp(lms_table[i].course_id, course_id) == 0 && lms_table[i].role == LC_ROLE_STUDENT) ++n;
    return n;
}

/* Runs one operation; prints and returns its response (free with lc_free). */
static char *call(const char *name, lc_status (*op)(lc_engine *, const char *, char **, char **), lc_engine *engine,
                  const char *request) {
    char *response = NULL, *error = NULL;
    lc_status status = op(engine, request, &response, &error);
    if (status != LC_OK) {
        fprintf(stderr, "%s failed (%s): %s\n", name, lc_status_name(status), error ? error : "");
        lc_free(error);
        return NULL;
    }
    printf("%s -> %.160s%s\n", name, response, strlen(response) > 160 ? "..." : "");
    return response;
}

/* The string value of "key" in a compact JSON response (enough for ids). */
static int field(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    const char *p, *end;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    p = json ? strstr(json, pattern) : NULL;
    if (!p) return 0;
    p += strlen(pattern);
    end = strchr(p, '"');
    if (!end || (size_t)(end - p) >= size) return 0;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 1;
}

static void rfc3339(time_t t, char *out, size_t size) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int main(int argc, char **argv) {
    char dir[256] = "", database[512], config[1024], request[1024], id[128], starts[32], ends[32];
    lc_host host;
    lc_engine *engine = NULL;
    char *error = NULL, *r;
    int ok = 1;
    time_t now = time(NULL);

    printf("livecourse %s (ABI %d)\n", lc_version(), lc_abi_version());
    if (lc_abi_version() != LC_ABI_VERSION) {
        fprintf(stderr, "built against ABI %d, loaded %d\n", LC_ABI_VERSION, lc_abi_version());
        return 1;
    }
    if (argc > 1) {
        snprintf(database, sizeof database, "%s", argv[1]);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/livecourse-c-host-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
        snprintf(database, sizeof database, "%s/livecourse.db", dir);
    }

    memset(&host, 0, sizeof host);
    host.role_of = lms_role_of;
    host.courses_of = lms_courses_of;
    host.count_students = lms_count_students;
    snprintf(config, sizeof config,
             "{\"database\":\"%s\",\"jitsi\":{\"mode\":\"public\",\"room_prefix\":\"gov\"},"
             "\"calendar\":{\"join_url_pattern\":\"https://lms.example.edu/live/{id}\"}}",
             database);
    if (lc_engine_open(config, &host, &engine, &error) != LC_OK) {
        fprintf(stderr, "lc_engine_open: %s\n", error ? error : "");
        lc_free(error);
        return 1;
    }

    rfc3339(now + 300, starts, sizeof starts);
    rfc3339(now + 300 + 3600, ends, sizeof ends);
    snprintf(request, sizeof request,
             "{\"actor\":{\"user_id\":\"prof-ada\",\"name\":\"Ada\"},\"course_id\":\"gov-101\","
             "\"title\":\"Q&A sur la gouvernance\",\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"max_participants\":50}",
             starts, ends);
    r = call("lc_session_create", lc_session_create, engine, request);
    ok = r && field(r, "id", id, sizeof id);
    lc_free(r);

    if (ok) {
        snprintf(request, sizeof request, "{\"actor\":{\"user_id\":\"prof-ada\"},\"session_id\":\"%s\"}", id);
        lc_free(r = call("lc_session_start", lc_session_start, engine, request));
        ok = ok && r;
        snprintf(request, sizeof request,
                 "{\"actor\":{\"user_id\":\"stu-alan\",\"name\":\"Alan\"},\"session_id\":\"%s\"}", id);
        lc_free(r = call("lc_session_join", lc_session_join, engine, request));
        ok = ok && r;
        snprintf(request, sizeof request, "{\"actor\":{\"user_id\":\"stu-alan\"},\"session_id\":\"%s\","
                 "\"type\":\"question\",\"body\":\"Qui nomme le conseil ?\"}", id);
        lc_free(r = call("lc_chat_post", lc_chat_post, engine, request));
        ok = ok && r;
        snprintf(request, sizeof request, "{\"actor\":{\"user_id\":\"prof-ada\"},\"session_id\":\"%s\"}", id);
        lc_free(r = call("lc_session_end", lc_session_end, engine, request));
        ok = ok && r;

        /* Someone the LMS does not know is refused, with a reason code. */
        snprintf(request, sizeof request, "{\"actor\":{\"user_id\":\"mallory\"},\"session_id\":\"%s\"}", id);
        if (lc_session_join(engine, request, &r, NULL) == LC_ERR_FORBIDDEN) {
            printf("mallory refused: %s\n", lc_last_error());
        } else {
            ok = 0;
            lc_free(r);
        }
    }

    lc_engine_close(engine);
    if (dir[0]) {
        char path[600];
        /* The database and the files SQLite and the library keep beside it. */
        const char *suffix[] = {"", "-wal", "-shm", "-handoff"};
        size_t i;
        for (i = 0; i < sizeof suffix / sizeof suffix[0]; ++i) {
            snprintf(path, sizeof path, "%s%s", database, suffix[i]);
            unlink(path);
        }
        if (rmdir(dir) != 0) {
            perror("c_host: cannot remove the temporary directory");
            ok = 0;
        }
    }
    printf(ok ? "c_host: ok\n" : "c_host: FAILED\n");
    return ok ? 0 : 1;
}
