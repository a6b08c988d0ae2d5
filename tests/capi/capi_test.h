/*
 * A small harness for the C tests of the C ABI: checks that count failures
 * instead of aborting, a temporary directory per test program, and naive
 * readers of the library's compact JSON output ("key":value, no spaces),
 * enough for tests that must not depend on a JSON library.
 */
#ifndef LIVECOURSE_CAPI_TEST_H
#define LIVECOURSE_CAPI_TEST_H

#define _POSIX_C_SOURCE 200809L

#include "livecourse.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int t_failures = 0;
static int t_checks = 0;

#define CHECK(cond)                                                                \
    do {                                                                           \
        ++t_checks;                                                                \
        if (!(cond)) {                                                             \
            ++t_failures;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                          \
    } while (0)

/* A status check that prints the error document when it fails. */
#define CHECK_STATUS(call, expected)                                                            \
    do {                                                                                        \
        lc_status st_ = (call);                                                                 \
        ++t_checks;                                                                             \
        if (st_ != (expected)) {                                                                \
            ++t_failures;                                                                       \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s; last error: %s\n", __FILE__, __LINE__, \
                    #call, lc_status_name(st_), lc_status_name(expected),                       \
                    lc_last_error() ? lc_last_error() : "(none)");                              \
        }                                                                                       \
    } while (0)

#define CHECK_CONTAINS(text, needle)                                                                      \
    do {                                                                                                  \
        const char *t_text_ = (text);                                                                     \
        ++t_checks;                                                                                       \
        if (!t_text_ || !strstr(t_text_, (needle))) {                                                     \
            ++t_failures;                                                                                 \
            fprintf(stderr, "%s:%d: expected %s in %s\n", __FILE__, __LINE__, (needle), t_text_ ? t_text_ : "(null)"); \
        }                                                                                                 \
    } while (0)

static inline int test_report(const char *name) {
    if (t_failures) {
        fprintf(stderr, "%s: %d of %d checks failed\n", name, t_failures, t_checks);
        return 1;
    }
    printf("%s: all %d checks passed\n", name, t_checks);
    return 0;
}

/* A fresh directory under TMPDIR (or /tmp) and its removal. */
static inline void temp_dir(char *out, size_t size) {
    const char *base = getenv("TMPDIR");
    snprintf(out, size, "%s/livecourse-capi-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        exit(2);
    }
}

static inline void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Creates one directory; nonzero (and a failed check) on failure. */
static inline int make_dir(const char *path) {
    if (mkdir(path, 0700) != 0) {
        perror(path);
        ++t_failures;
        return 1;
    }
    return 0;
}

/* A formatted string in a static rotating buffer (no free needed). */
static inline const char *fmt(const char *format, ...) {
    static char buffers[8][8192];
    static int next = 0;
    char *b = buffers[next++ % 8];
    va_list ap;
    va_start(ap, format);
    vsnprintf(b, sizeof buffers[0], format, ap);
    va_end(ap);
    return b;
}

/* Copies the string value of the first "key":"..." in json into out
 * (escapes are kept as written). Returns 1 if found. */
static inline int json_string(const char *json, const char *key, char *out, size_t size) {
    char pattern[128];
    const char *p, *end;
    size_t n;
    if (!json) return 0;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    p = strstr(json, pattern);
    if (!p) return 0;
    p += strlen(pattern);
    for (end = p; *end && *end != '"'; ++end)
        if (*end == '\\' && end[1]) ++end;
    n = (size_t)(end - p);
    if (n >= size) n = size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

/* The integer value of the first "key":<number> in json, or -1. */
static inline long long json_int(const char *json, const char *key) {
    char pattern[128];
    const char *p;
    if (!json) return -1;
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    p = strstr(json, pattern);
    if (!p) return -1;
    p += strlen(pattern);
    if (*p != '-' && (*p < '0' || *p > '9')) return -1;
    return strtoll(p, NULL, 10);
}

/* Occurrences of needle in text. */
static inline int count_of(const char *text, const char *needle) {
    int n = 0;
    size_t len = strlen(needle);
    if (!text || !len) return 0;
    while ((text = strstr(text, needle)) != NULL) {
        ++n;
        text += len;
    }
    return n;
}

/* A manual clock for the `now` hook. */
typedef struct test_clock {
    int64_t now;
} test_clock;

static inline int64_t test_clock_now(void *user_data) { return ((test_clock *)user_data)->now; }

/* 2026-03-07T13:00:00Z, a Saturday: the seed's Q&A is at 14:00. */
#define T0 ((int64_t)1772888400)

/* Opens an engine on dir/lc.db with a feed secret; exits on failure. */
static inline lc_engine *open_engine(const char *dir, const lc_host *host) {
    lc_engine *engine = NULL;
    char *error = NULL;
    const char *config = fmt("{\"database\":\"%s/lc.db\",\"calendar\":{\"feed_secret\":"
                             "\"0123456789abcdef0123456789abcdef\"}}",
                             dir);
    if (lc_engine_open(config, host, &engine, &error) != LC_OK) {
        fprintf(stderr, "lc_engine_open failed: %s\n", error ? error : "(no error)");
        lc_free(error);
        exit(2);
    }
    return engine;
}

typedef lc_status (*lc_operation_fn)(lc_engine *, const char *, char **, char **);

/* Runs an operation that must succeed and returns its response (caller
 * frees with lc_free), or NULL after reporting the failure. */
static inline char *call_ok_at(const char *file, int line, lc_operation_fn op, const char *name, lc_engine *engine,
                               const char *request) {
    char *response = NULL, *error = NULL;
    lc_status st = op(engine, request, &response, &error);
    ++t_checks;
    if (st != LC_OK) {
        ++t_failures;
        fprintf(stderr, "%s:%d: %s(%s) failed: %s %s\n", file, line, name, request, lc_status_name(st),
                error ? error : "");
        lc_free(error);
        lc_free(response);
        return NULL;
    }
    if (error != NULL) {
        ++t_failures;
        fprintf(stderr, "%s:%d: %s succeeded but set error_json\n", file, line, name);
        lc_free(error);
    }
    return response;
}
#define CALL_OK(op, engine, request) call_ok_at(__FILE__, __LINE__, op, #op, engine, request)

/* Runs an operation that must succeed and frees the response. */
#define DO_OK(op, engine, request) lc_free(CALL_OK(op, engine, request))

#endif
