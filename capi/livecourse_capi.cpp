// The C ABI over the C++ engine. Every lc_ function is a boundary: it sets its
// out-parameters to NULL first, checks its pointers, runs the JSON codec
// (JsonApi, the same one the bindings and the server use) and turns every
// exception into an lc_status plus an error document. Nothing C++ crosses:
// strings go out malloc'ed (released by lc_free), errors as JSON text.
#include "livecourse.h"

#include "host_hooks.hpp"

#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>
#include <livecourse/json_api.hpp>
#include <livecourse/no_wait.hpp>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>

using livecourse::Error;
using livecourse::ErrorCode;

struct lc_engine {
    std::unique_ptr<livecourse::Engine> engine;
    std::unique_ptr<livecourse::JsonApi> api;
};

namespace {

static_assert(int(ErrorCode::invalid_argument) == LC_ERR_INVALID_ARGUMENT && int(ErrorCode::not_found) == LC_ERR_NOT_FOUND &&
                  int(ErrorCode::forbidden) == LC_ERR_FORBIDDEN && int(ErrorCode::conflict) == LC_ERR_CONFLICT &&
                  int(ErrorCode::session_full) == LC_ERR_FULL && int(ErrorCode::storage) == LC_ERR_STORAGE &&
                  int(ErrorCode::unauthenticated) == LC_ERR_UNAUTHENTICATED &&
                  int(ErrorCode::internal) == LC_ERR_INTERNAL && int(ErrorCode::host_callback) == LC_ERR_CALLBACK &&
                  int(ErrorCode::would_block) == LC_ERR_WOULD_BLOCK,
              "ErrorCode values are lc_status values by design");
#ifdef LIVECOURSE_PROJECT_VERSION
static_assert(std::string_view(LC_VERSION_STRING) == LIVECOURSE_PROJECT_VERSION,
              "livecourse.h's LC_VERSION_* must match the project version in CMakeLists.txt");
#endif

// Written without allocating: what is reported when memory ran out.
constexpr const char* no_memory_json =
    "{\"error\":{\"code\":\"no_memory\",\"category\":\"no_memory\",\"message\":\"out of memory\",\"field\":null}}";

// The calling thread's last error; `t_error` points into `t_error_text` or at
// a static document, or is NULL after a success.
thread_local std::string t_error_text;
thread_local const char* t_error = nullptr;
// lc_thread_no_wait: every operation this thread calls runs under a NoWait.
thread_local bool t_no_wait = false;

lc_status status_of(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::not_found:
    case ErrorCode::forbidden:
    case ErrorCode::conflict:
    case ErrorCode::session_full:
    case ErrorCode::storage:
    case ErrorCode::unauthenticated:
    case ErrorCode::internal:
    case ErrorCode::host_callback:
    case ErrorCode::would_block: return static_cast<lc_status>(static_cast<int>(code));
    }
    return LC_ERR_INTERNAL;
}

// A malloc'ed, NUL-terminated copy (released with lc_free), or NULL.
char* copy_out(std::string_view text) noexcept {
    auto* p = static_cast<char*>(std::malloc(text.size() + 1));
    if (!p) return nullptr;
    std::memcpy(p, text.data(), text.size());
    p[text.size()] = '\0';
    return p;
}

lc_status report_no_memory(char** error_json) noexcept {
    t_error = no_memory_json;
    if (error_json) *error_json = copy_out(no_memory_json);
    return LC_ERR_NO_MEMORY;
}

lc_status report(lc_status status, const Error& error, char** error_json) noexcept {
    try {
        t_error_text = livecourse::to_json_text(livecourse::error_to_json(error));
        t_error = t_error_text.c_str();
    } catch (...) {
        return report_no_memory(error_json);
    }
    if (error_json) *error_json = copy_out(t_error_text);
    return status;
}

// Runs `body` as a boundary: every outcome becomes a status.
template <class F> lc_status guarded(char** error_json, F&& body) noexcept {
    t_error = nullptr;
    try {
        body();
        return LC_OK;
    } catch (const Error& e) {
        return report(status_of(e.code()), e, error_json);
    } catch (const std::bad_alloc&) {
        return report_no_memory(error_json);
    } catch (const std::exception& e) {
        try {
            return report(LC_ERR_INTERNAL, Error(ErrorCode::internal, std::string("internal error: ") + e.what()),
                          error_json);
        } catch (...) {
            return report_no_memory(error_json);
        }
    } catch (...) {
        try {
            return report(LC_ERR_INTERNAL, Error(ErrorCode::internal, "internal error: unknown exception"), error_json);
        } catch (...) {
            return report_no_memory(error_json);
        }
    }
}

[[noreturn]] void null_argument(const char* name) {
    throw Error::invalid(name, std::string(name) + ": must not be NULL");
}

lc_status run(std::string_view operation, lc_engine* engine, const char* request_json, char** response_json,
              char** error_json) noexcept {
    if (response_json) *response_json = nullptr;
    if (error_json) *error_json = nullptr;
    return guarded(error_json, [&] {
        if (!engine) null_argument("engine");
        if (!response_json) null_argument("response_json");
        if (!request_json) null_argument("request");
        std::optional<livecourse::NoWait> no_wait;
        if (t_no_wait) no_wait.emplace();
        std::string out = engine->api->call_text(operation, request_json);
        char* copy = copy_out(out);
        if (!copy) throw std::bad_alloc();
        *response_json = copy;
    });
}

}  // namespace

extern "C" {

const char* lc_version(void) { return LC_VERSION_STRING; }

int lc_abi_version(void) { return LC_ABI_VERSION; }

void lc_free(void* p) { std::free(p); }

const char* lc_last_error(void) { return t_error; }

const char* lc_status_name(lc_status status) {
    // The same spelling as the "category" of error documents.
    switch (status) {
    case LC_OK: return "ok";
    case LC_ERR_INVALID_ARGUMENT: return "invalid_argument";
    case LC_ERR_NOT_FOUND: return "not_found";
    case LC_ERR_FORBIDDEN: return "forbidden";
    case LC_ERR_CONFLICT: return "conflict";
    case LC_ERR_FULL: return "session_full";
    case LC_ERR_STORAGE: return "storage";
    case LC_ERR_UNAUTHENTICATED: return "unauthenticated";
    case LC_ERR_INTERNAL: return "internal";
    case LC_ERR_NO_MEMORY: return "no_memory";
    case LC_ERR_CALLBACK: return "host_callback";
    case LC_ERR_WOULD_BLOCK: return "would_block";
    }
    return "unknown";
}

lc_status lc_engine_open(const char* config_json, const lc_host* host, lc_engine** engine, char** error_json) {
    if (engine) *engine = nullptr;
    if (error_json) *error_json = nullptr;
    return guarded(error_json, [&] {
        if (!engine) null_argument("engine");
        if (!config_json) null_argument("config");
        auto config = livecourse::engine_config_from_json(livecourse::parse_json_object(config_json, "config"));
        if (host) {
            // The roster hooks come as a set keyed by role_of: without it the
            // built-in roster answers everything.
            if (host->role_of) config.roster = std::make_shared<livecourse::capi::HostRoster>(*host);
            if (host->now) config.clock = std::make_shared<livecourse::capi::HostClock>(*host);
        }
        auto handle = std::make_unique<lc_engine>();
        handle->engine = std::make_unique<livecourse::Engine>(std::move(config));
        handle->api = std::make_unique<livecourse::JsonApi>(*handle->engine);
        *engine = handle.release();
    });
}

int lc_thread_no_wait(int no_wait) {
    int before = t_no_wait ? 1 : 0;
    t_no_wait = no_wait != 0;
    return before;
}

void lc_engine_close(lc_engine* engine) {
    try {
        delete engine;
    } catch (...) {
        // Destructors do not throw; nothing may escape a C boundary anyway.
    }
}

// One definition per row of include/livecourse/operations.def; livecourse.h
// declares each, and the export check holds the two together.
#define LIVECOURSE_OPERATION(name, request, answer)                                                             \
    lc_status lc_##name(lc_engine* engine, const char* request_json, char** response_json, char** error_json) { \
        return run(#name, engine, request_json, response_json, error_json);                                    \
    }
#include <livecourse/operations.def>
#undef LIVECOURSE_OPERATION

}  // extern "C"
