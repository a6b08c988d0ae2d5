// The Node-API addon: livecourse's C ABI, asynchronous.
//
// Every engine call runs on the libuv thread pool (napi_create_async_work) and
// settles a Promise on the JavaScript thread, so a slow disk or a busy
// database never blocks the event loop. The addon knows nothing of the
// library's shapes: it moves JSON text in and out; index.js turns it into
// objects, Dates and LiveCourseError.
//
// Host hooks (a roster or a clock written in JavaScript) are called by the
// engine on a pool thread and must answer synchronously. They reach the
// JavaScript thread through a thread-safe function; the pool thread waits on
// a condition variable for the answer, with a deadline so that a hook that
// never answers (or waits itself for the thread pool) fails the operation
// instead of hanging it. This never deadlocks the event loop, because the
// JavaScript thread never waits for a pool thread: every call is async,
// close() included.
//
// Thread-safety: EngineBox fields are touched on the JavaScript thread only,
// except `engine` (read by pool threads while a call is in flight, never
// changed then). Pending host requests live in one registry guarded by one
// mutex.
#include <livecourse.h>
#include <node_api.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

// ------------------------------------------------------------------ helpers

#define NAPI_OK_OR(call, fallback)   \
    do {                             \
        if ((call) != napi_ok) {     \
            return fallback;         \
        }                            \
    } while (0)

bool get_string(napi_env env, napi_value value, std::string& out) {
    size_t length = 0;
    if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
    out.resize(length);
    size_t copied = 0;
    if (napi_get_value_string_utf8(env, value, out.data(), length + 1, &copied) != napi_ok) return false;
    out.resize(copied);
    return true;
}

napi_value make_string(napi_env env, const char* text) {
    napi_value v = nullptr;
    napi_create_string_utf8(env, text ? text : "", NAPI_AUTO_LENGTH, &v);
    return v;
}

napi_value undefined(napi_env env) {
    napi_value v = nullptr;
    napi_get_undefined(env, &v);
    return v;
}

void throw_type_error(napi_env env, const char* message) { napi_throw_type_error(env, nullptr, message); }

// An Error carrying the C ABI's error document; index.js turns it into a
// LiveCourseError. `status` is the lc_status, `errorJson` the document.
napi_value make_failure(napi_env env, int status, const char* error_json, const std::string& host_message) {
    const char* message = "livecourse call failed";
    napi_value msg = make_string(env, message);
    napi_value error = nullptr;
    napi_create_error(env, nullptr, msg, &error);
    napi_value st = nullptr;
    napi_create_int32(env, status, &st);
    napi_set_named_property(env, error, "status", st);
    if (error_json) napi_set_named_property(env, error, "errorJson", make_string(env, error_json));
    if (!host_message.empty()) napi_set_named_property(env, error, "hostMessage", make_string(env, host_message.c_str()));
    return error;
}

std::string error_document(const char* code, const char* category, const char* message) {
    // Only called with fixed ASCII strings, so no escaping is needed.
    return std::string("{\"error\":{\"code\":\"") + code + "\",\"category\":\"" + category + "\",\"message\":\"" +
           message + "\",\"field\":null}}";
}

// --------------------------------------------------------------- operations

using Operation = lc_status (*)(lc_engine*, const char*, char**, char**);

struct OperationEntry {
    const char* name;
    Operation fn;
};

const OperationEntry kOperations[] = {
    {"roster_enroll", lc_roster_enroll},
    {"roster_unenroll", lc_roster_unenroll},
    {"roster_set_role", lc_roster_set_role},
    {"roster_get_role", lc_roster_get_role},
    {"user_put", lc_user_put},
    {"session_create", lc_session_create},
    {"session_get", lc_session_get},
    {"session_list", lc_session_list},
    {"session_update", lc_session_update},
    {"session_cancel", lc_session_cancel},
    {"session_start", lc_session_start},
    {"session_end", lc_session_end},
    {"session_join", lc_session_join},
    {"session_leave", lc_session_leave},
    {"token_create", lc_token_create},
    {"attendance_get", lc_attendance_get},
    {"statistics_get", lc_statistics_get},
    {"chat_post", lc_chat_post},
    {"chat_list", lc_chat_list},
    {"series_create", lc_series_create},
    {"series_cancel", lc_series_cancel},
    {"calendar_query", lc_calendar_query},
    {"calendar_feed", lc_calendar_feed},
    {"calendar_feed_by_token", lc_calendar_feed_by_token},
    {"feed_token_get", lc_feed_token_get},
    {"feed_token_rotate", lc_feed_token_rotate},
    {"presence_jitsi_event", lc_presence_jitsi_event},
    {"presence_jaas_webhook", lc_presence_jaas_webhook},
    {"presence_heartbeat", lc_presence_heartbeat},
    {"recording_set", lc_recording_set},
    {"notification_claim", lc_notification_claim},
    {"notification_ack", lc_notification_ack},
    {"notification_fail", lc_notification_fail},
    {"notification_list", lc_notification_list},
    {"notification_mark_read", lc_notification_mark_read},
    {"notification_dead_list", lc_notification_dead_list},
    {"notification_retry", lc_notification_retry},
};
constexpr size_t kOperationCount = sizeof(kOperations) / sizeof(kOperations[0]);

// --------------------------------------------------------------- host hooks

enum class HookKind : int { role_of = 0, courses_of = 1, count_students = 2, now = 3 };
const char* const kHookNames[] = {"roleOf", "coursesOf", "countStudents", "now"};

struct HostBridge;

// One question a pool thread asks the JavaScript thread.
struct HostRequest {
    HostBridge* bridge = nullptr;
    HookKind kind = HookKind::role_of;
    std::string a, b;  // the hook's string arguments
    bool done = false;
    bool ok = false;
    int64_t number = 0;
    std::vector<std::pair<std::string, int>> courses;
    std::string failure;  // why the host failed, for the operation's error
    std::condition_variable cv;
};

// The registry of questions awaiting an answer, keyed by id: answers come back
// by id, so a late answer to a question that timed out finds nothing.
std::mutex g_pending_mutex;
std::unordered_map<uint64_t, std::shared_ptr<HostRequest>> g_pending;
std::atomic<uint64_t> g_next_request_id{1};

// Set on a pool thread when a hook fails, read back by the same thread right
// after its lc_ call returns, to explain LC_ERR_CALLBACK.
thread_local std::string t_host_failure;

void finish_request(uint64_t id, bool ok, std::string failure) {
    std::lock_guard<std::mutex> lock(g_pending_mutex);
    auto it = g_pending.find(id);
    if (it == g_pending.end()) return;
    auto req = it->second;
    g_pending.erase(it);
    req->ok = ok;
    if (!ok) req->failure = std::move(failure);
    req->done = true;
    req->cv.notify_all();
}

struct HostBridge {
    napi_threadsafe_function tsfn = nullptr;
    unsigned hooks = 0;  // bit i set: hook HookKind(i) is provided
    std::chrono::milliseconds timeout{10000};
    std::mutex mutex;  // guards `closed`, `released` and every use of `tsfn` (lock order: this, then the tsfn's own)
    bool closed = false;
    bool released = false;

    // Asks the JavaScript thread and waits for its answer (pool thread only).
    std::shared_ptr<HostRequest> ask(HookKind kind, const char* a, const char* b) {
        auto req = std::make_shared<HostRequest>();
        req->bridge = this;
        req->kind = kind;
        req->a = a ? a : "";
        req->b = b ? b : "";
        uint64_t id = g_next_request_id.fetch_add(1);
        {
            std::lock_guard<std::mutex> lock(g_pending_mutex);
            g_pending.emplace(id, req);
        }
        napi_status queued = napi_closing;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (!closed && !released)
                queued = napi_call_threadsafe_function(tsfn, reinterpret_cast<void*>(static_cast<uintptr_t>(id)),
                                                       napi_tsfn_blocking);
        }
        if (queued != napi_ok) {
            finish_request(id, false, "the JavaScript environment is shutting down");
            return req;
        }
        std::unique_lock<std::mutex> lock(g_pending_mutex);
        bool answered = timeout.count() <= 0
                            ? (req->cv.wait(lock, [&] { return req->done; }), true)
                            : req->cv.wait_for(lock, timeout, [&] { return req->done; });
        if (!answered) {
            g_pending.erase(id);
            req->done = true;
            req->ok = false;
            req->failure = std::string("host hook ") + kHookNames[static_cast<int>(kind)] + " did not answer within " +
                           std::to_string(timeout.count()) + " ms";
        }
        return req;
    }

    // Fails every question of this bridge still waiting for JavaScript (the
    // environment is going away and will never answer).
    void fail_all_pending(const char* why) {
        std::lock_guard<std::mutex> lock(g_pending_mutex);
        for (auto it = g_pending.begin(); it != g_pending.end();) {
            if (it->second->bridge == this) {
                auto req = it->second;
                it = g_pending.erase(it);
                req->ok = false;
                req->failure = why;
                req->done = true;
                req->cv.notify_all();
            } else {
                ++it;
            }
        }
    }

    // JS thread: lets the thread-safe function go (after the engine closed).
    void release() {
        std::lock_guard<std::mutex> lock(mutex);
        if (released || closed) return;
        released = true;
        napi_release_threadsafe_function(tsfn, napi_tsfn_release);
    }
};

void remember_failure(const std::shared_ptr<HostRequest>& req) {
    if (!req->ok) t_host_failure = req->failure.empty() ? "host hook failed" : req->failure;
}

int hook_role_of(void* user_data, const char* course_id, const char* user_id) {
    auto req = static_cast<HostBridge*>(user_data)->ask(HookKind::role_of, course_id, user_id);
    remember_failure(req);
    return req->ok ? static_cast<int>(req->number) : -1;
}

int hook_courses_of(void* user_data, const char* user_id, lc_course_sink sink, void* sink_context) {
    auto req = static_cast<HostBridge*>(user_data)->ask(HookKind::courses_of, user_id, nullptr);
    remember_failure(req);
    if (!req->ok) return -1;
    for (const auto& [course, role] : req->courses) sink(sink_context, course.c_str(), static_cast<lc_role>(role));
    return 0;
}

int64_t hook_count_students(void* user_data, const char* course_id) {
    auto req = static_cast<HostBridge*>(user_data)->ask(HookKind::count_students, course_id, nullptr);
    remember_failure(req);
    return req->ok ? req->number : -1;
}

int64_t hook_now(void* user_data) {
    auto req = static_cast<HostBridge*>(user_data)->ask(HookKind::now, nullptr, nullptr);
    remember_failure(req);
    // The library refuses a negative time with LC_ERR_CALLBACK: the call fails
    // rather than run on a clock other than the host's.
    return req->ok ? req->number : -1;
}

// JS thread: hands one question to the JavaScript dispatcher
// dispatch(kind, id, a, b), which answers later through hostReply(id, ...).
void call_dispatch(napi_env env, napi_value js_dispatch, void* /*context*/, void* data) {
    uint64_t id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data));
    if (env == nullptr) {  // the function is being torn down with this question queued
        finish_request(id, false, "the JavaScript environment is shutting down");
        return;
    }
    std::shared_ptr<HostRequest> req;
    {
        std::lock_guard<std::mutex> lock(g_pending_mutex);
        auto it = g_pending.find(id);
        if (it == g_pending.end()) return;  // timed out before it got here
        req = it->second;
    }
    napi_value args[4];
    napi_create_int32(env, static_cast<int>(req->kind), &args[0]);
    napi_create_double(env, static_cast<double>(id), &args[1]);
    args[2] = make_string(env, req->a.c_str());
    args[3] = make_string(env, req->b.c_str());
    napi_value result = nullptr;
    if (napi_call_function(env, undefined(env), js_dispatch, 4, args, &result) != napi_ok) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) {
            napi_value ignored;
            napi_get_and_clear_last_exception(env, &ignored);
        }
        finish_request(id, false, "the host dispatcher threw");
    }
}

void finalize_bridge(napi_env /*env*/, void* data, void* /*hint*/) {
    auto* holder = static_cast<std::shared_ptr<HostBridge>*>(data);
    auto& bridge = *holder;
    {
        std::lock_guard<std::mutex> lock(bridge->mutex);
        bridge->closed = true;
    }
    bridge->fail_all_pending("the JavaScript environment is shutting down");
    delete holder;
}

// ------------------------------------------------------------------ engines

struct CallWork;

struct EngineBox {
    lc_engine* engine = nullptr;
    std::shared_ptr<HostBridge> bridge;
    int in_flight = 0;  // calls queued or running (JS thread only)
    bool closing = false;
    bool close_running = false;
    bool closed = false;
    bool finalized = false;  // the JavaScript handle is gone (collected, or the environment is torn down)
    std::vector<napi_deferred> close_waiters;
    napi_ref self = nullptr;  // weak; strong while something is in flight
};

void hold(napi_env env, EngineBox* box) {
    uint32_t count = 0;
    if (box->self) napi_reference_ref(env, box->self, &count);
}

void unhold(napi_env env, EngineBox* box) {
    uint32_t count = 0;
    if (box->self) napi_reference_unref(env, box->self, &count);
}

// Frees a box whose handle is gone and on which nothing runs any more.
void destroy_box(EngineBox* box) {
    if (box->engine) lc_engine_close(box->engine);
    box->engine = nullptr;
    if (box->bridge) box->bridge->release();
    delete box;
}

void finalize_box(napi_env env, void* data, void* /*hint*/) {
    auto* box = static_cast<EngineBox*>(data);
    if (box->self) napi_delete_reference(env, box->self);
    box->self = nullptr;
    box->finalized = true;
    // Collected without close(): nothing can be in flight, since every call
    // holds the handle. When the environment is torn down with calls still
    // running, the last of them frees the box instead.
    if (box->in_flight == 0 && !box->close_running) destroy_box(box);
}

bool unwrap_box(napi_env env, napi_value value, EngineBox** box) {
    napi_valuetype type;
    if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return false;
    void* data = nullptr;
    if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) return false;
    *box = static_cast<EngineBox*>(data);
    return true;
}

// ---------------------------------------------------------------- open work

struct OpenWork {
    napi_async_work work = nullptr;
    napi_deferred deferred = nullptr;
    std::string config;
    std::shared_ptr<HostBridge> bridge;
    lc_engine* engine = nullptr;
    lc_status status = LC_OK;
    char* error = nullptr;
};

void open_execute(napi_env /*env*/, void* data) {
    auto* w = static_cast<OpenWork*>(data);
    lc_host host{};
    const lc_host* host_ptr = nullptr;
    if (w->bridge) {
        host.user_data = w->bridge.get();
        unsigned h = w->bridge->hooks;
        if (h & (1u << static_cast<int>(HookKind::role_of))) host.role_of = hook_role_of;
        if (h & (1u << static_cast<int>(HookKind::courses_of))) host.courses_of = hook_courses_of;
        if (h & (1u << static_cast<int>(HookKind::count_students))) host.count_students = hook_count_students;
        if (h & (1u << static_cast<int>(HookKind::now))) host.now = hook_now;
        host_ptr = &host;
    }
    w->status = lc_engine_open(w->config.c_str(), host_ptr, &w->engine, &w->error);
}

void open_complete(napi_env env, napi_status status, void* data) {
    std::unique_ptr<OpenWork> w(static_cast<OpenWork*>(data));
    napi_delete_async_work(env, w->work);
    if (status != napi_ok || w->status != LC_OK || w->engine == nullptr) {
        if (w->engine) lc_engine_close(w->engine);
        if (w->bridge) w->bridge->release();
        std::string doc;
        const char* error = w->error;
        if (!error) {
            doc = error_document("internal", "internal", "the engine could not be opened");
            error = doc.c_str();
        }
        napi_reject_deferred(env, w->deferred,
                             make_failure(env, w->status == LC_OK ? LC_ERR_INTERNAL : w->status, error, {}));
        lc_free(w->error);
        return;
    }
    auto* box = new EngineBox;
    box->engine = w->engine;
    box->bridge = std::move(w->bridge);
    napi_value handle = nullptr;
    if (napi_create_external(env, box, finalize_box, nullptr, &handle) != napi_ok) {
        lc_engine_close(box->engine);
        if (box->bridge) box->bridge->release();
        delete box;
        napi_reject_deferred(env, w->deferred, make_failure(env, LC_ERR_NO_MEMORY, nullptr, {}));
        return;
    }
    napi_create_reference(env, handle, 0, &box->self);
    napi_resolve_deferred(env, w->deferred, handle);
}

// open(configJson, dispatch | undefined, hookMask, timeoutMs) -> Promise<handle>
napi_value js_open(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4];
    NAPI_OK_OR(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
    if (argc < 1) {
        throw_type_error(env, "open(configJson, dispatch, hooks, timeoutMs)");
        return nullptr;
    }
    auto w = std::make_unique<OpenWork>();
    if (!get_string(env, argv[0], w->config)) {
        throw_type_error(env, "configJson must be a string");
        return nullptr;
    }
    napi_valuetype dispatch_type = napi_undefined;
    if (argc >= 2) napi_typeof(env, argv[1], &dispatch_type);
    if (dispatch_type == napi_function) {
        uint32_t hooks = 0;
        double timeout_ms = 10000;
        if (argc >= 3) napi_get_value_uint32(env, argv[2], &hooks);
        if (argc >= 4) napi_get_value_double(env, argv[3], &timeout_ms);
        auto bridge = std::make_shared<HostBridge>();
        bridge->hooks = hooks & 0xFu;
        bridge->timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_ms > 0 ? timeout_ms : 0));
        auto* holder = new std::shared_ptr<HostBridge>(bridge);
        napi_value name = make_string(env, "livecourse host hook");
        if (napi_create_threadsafe_function(env, argv[1], nullptr, name, 0, 1, holder, finalize_bridge, nullptr,
                                            call_dispatch, &bridge->tsfn) != napi_ok) {
            delete holder;
            throw_type_error(env, "could not create the host hook function");
            return nullptr;
        }
        // The hooks alone must not keep the process alive; pending calls do.
        napi_unref_threadsafe_function(env, bridge->tsfn);
        w->bridge = std::move(bridge);
    }
    napi_value promise = nullptr;
    NAPI_OK_OR(napi_create_promise(env, &w->deferred, &promise), nullptr);
    napi_value resource = make_string(env, "livecourse.open");
    if (napi_create_async_work(env, nullptr, resource, open_execute, open_complete, w.get(), &w->work) != napi_ok ||
        napi_queue_async_work(env, w->work) != napi_ok) {
        if (w->bridge) w->bridge->release();
        napi_reject_deferred(env, w->deferred, make_failure(env, LC_ERR_INTERNAL, nullptr, {}));
        return promise;
    }
    w.release();
    return promise;
}

// ---------------------------------------------------------------- close work

struct CloseWork {
    napi_async_work work = nullptr;
    EngineBox* box = nullptr;
    lc_engine* engine = nullptr;
};

void close_execute(napi_env /*env*/, void* data) {
    auto* w = static_cast<CloseWork*>(data);
    lc_engine_close(w->engine);
}

void close_complete(napi_env env, napi_status /*status*/, void* data) {
    std::unique_ptr<CloseWork> w(static_cast<CloseWork*>(data));
    napi_delete_async_work(env, w->work);
    EngineBox* box = w->box;
    box->closed = true;
    box->close_running = false;
    if (box->bridge) box->bridge->release();
    for (napi_deferred d : box->close_waiters) napi_resolve_deferred(env, d, undefined(env));
    box->close_waiters.clear();
    if (box->finalized) {
        destroy_box(box);
        return;
    }
    unhold(env, box);
}

// JS thread: closes the engine once nothing is in flight.
void maybe_start_close(napi_env env, EngineBox* box) {
    if (!box->closing || box->in_flight > 0 || box->closed || box->engine == nullptr) return;
    auto w = std::make_unique<CloseWork>();
    w->box = box;
    w->engine = box->engine;
    box->engine = nullptr;
    box->close_running = true;
    hold(env, box);
    napi_value resource = make_string(env, "livecourse.close");
    if (napi_create_async_work(env, nullptr, resource, close_execute, close_complete, w.get(), &w->work) != napi_ok ||
        napi_queue_async_work(env, w->work) != napi_ok) {
        // Could not queue: close here rather than never.
        lc_engine_close(w->engine);
        close_complete(env, napi_ok, w.release());
        return;
    }
    w.release();
}

// close(handle) -> Promise<void>; resolves once every call in flight settled
// and the engine is closed.
napi_value js_close(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_OK_OR(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
    EngineBox* box = nullptr;
    if (argc < 1 || !unwrap_box(env, argv[0], &box)) {
        throw_type_error(env, "close(handle): not an engine handle");
        return nullptr;
    }
    napi_deferred deferred = nullptr;
    napi_value promise = nullptr;
    NAPI_OK_OR(napi_create_promise(env, &deferred, &promise), nullptr);
    if (box->closed) {
        napi_resolve_deferred(env, deferred, undefined(env));
        return promise;
    }
    box->close_waiters.push_back(deferred);
    box->closing = true;
    maybe_start_close(env, box);
    return promise;
}

// ----------------------------------------------------------------- call work

struct CallWork {
    napi_async_work work = nullptr;
    napi_deferred deferred = nullptr;
    EngineBox* box = nullptr;
    Operation fn = nullptr;
    std::string request;
    lc_status status = LC_OK;
    char* response = nullptr;
    char* error = nullptr;
    std::string host_failure;
};

void call_execute(napi_env /*env*/, void* data) {
    auto* w = static_cast<CallWork*>(data);
    t_host_failure.clear();
    w->status = w->fn(w->box->engine, w->request.c_str(), &w->response, &w->error);
    if (w->status != LC_OK) w->host_failure = std::move(t_host_failure);
    t_host_failure.clear();
}

void call_complete(napi_env env, napi_status status, void* data) {
    std::unique_ptr<CallWork> w(static_cast<CallWork*>(data));
    napi_delete_async_work(env, w->work);
    if (status != napi_ok) {
        std::string doc = error_document("internal", "internal", "the call was cancelled");
        napi_reject_deferred(env, w->deferred, make_failure(env, LC_ERR_INTERNAL, doc.c_str(), {}));
    } else if (w->status == LC_OK) {
        napi_value result = nullptr;
        if (napi_create_string_utf8(env, w->response ? w->response : "", NAPI_AUTO_LENGTH, &result) == napi_ok)
            napi_resolve_deferred(env, w->deferred, result);
        else
            napi_reject_deferred(env, w->deferred, make_failure(env, LC_ERR_NO_MEMORY, nullptr, {}));
    } else {
        napi_reject_deferred(env, w->deferred, make_failure(env, w->status, w->error, w->host_failure));
    }
    lc_free(w->response);
    lc_free(w->error);
    EngineBox* box = w->box;
    --box->in_flight;
    if (box->finalized) {
        if (box->in_flight == 0 && !box->close_running) destroy_box(box);
        return;
    }
    maybe_start_close(env, box);
    unhold(env, box);
}

// call(handle, operation, requestJson) -> Promise<string>
napi_value js_call(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    NAPI_OK_OR(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
    EngineBox* box = nullptr;
    if (argc < 3 || !unwrap_box(env, argv[0], &box)) {
        throw_type_error(env, "call(handle, operation, requestJson): not an engine handle");
        return nullptr;
    }
    std::string op;
    if (!get_string(env, argv[1], op)) {
        throw_type_error(env, "operation must be a string");
        return nullptr;
    }
    Operation fn = nullptr;
    for (const auto& entry : kOperations)
        if (op == entry.name) fn = entry.fn;
    if (!fn) {
        throw_type_error(env, "unknown livecourse operation");
        return nullptr;
    }
    auto w = std::make_unique<CallWork>();
    if (!get_string(env, argv[2], w->request)) {
        throw_type_error(env, "requestJson must be a string");
        return nullptr;
    }
    napi_value promise = nullptr;
    NAPI_OK_OR(napi_create_promise(env, &w->deferred, &promise), nullptr);
    if (box->closing || box->closed || box->engine == nullptr) {
        std::string doc = error_document("engine_closed", "invalid_argument", "the engine is closed");
        napi_reject_deferred(env, w->deferred, make_failure(env, LC_ERR_INVALID_ARGUMENT, doc.c_str(), {}));
        return promise;
    }
    w->box = box;
    w->fn = fn;
    napi_value resource = make_string(env, "livecourse.call");
    if (napi_create_async_work(env, nullptr, resource, call_execute, call_complete, w.get(), &w->work) != napi_ok ||
        napi_queue_async_work(env, w->work) != napi_ok) {
        std::string doc = error_document("internal", "internal", "could not queue the call");
        napi_reject_deferred(env, w->deferred, make_failure(env, LC_ERR_INTERNAL, doc.c_str(), {}));
        return promise;
    }
    ++box->in_flight;
    hold(env, box);
    w.release();
    return promise;
}

// ---------------------------------------------------------------- host reply

// hostReply(id, ok, value): the JavaScript answer to one host question.
// value: role_of/count_students/now -> number; courses_of -> [[courseId, role], ...];
// when ok is false, value is a message.
napi_value js_host_reply(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    NAPI_OK_OR(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
    if (argc < 3) {
        throw_type_error(env, "hostReply(id, ok, value)");
        return nullptr;
    }
    double id_number = 0;
    bool ok = false;
    if (napi_get_value_double(env, argv[0], &id_number) != napi_ok || napi_get_value_bool(env, argv[1], &ok) != napi_ok) {
        throw_type_error(env, "hostReply(id, ok, value)");
        return nullptr;
    }
    uint64_t id = static_cast<uint64_t>(id_number);
    std::shared_ptr<HostRequest> req;
    {
        std::lock_guard<std::mutex> lock(g_pending_mutex);
        auto it = g_pending.find(id);
        if (it == g_pending.end()) return undefined(env);  // timed out meanwhile
        req = it->second;
    }
    if (!ok) {
        std::string message;
        if (!get_string(env, argv[2], message)) message = "host hook failed";
        finish_request(id, false, "host hook " + std::string(kHookNames[static_cast<int>(req->kind)]) +
                                      " failed: " + message);
        return undefined(env);
    }
    // Parse into locals first: the request is shared with a waiting thread and
    // is only written under the registry's mutex.
    int64_t number = 0;
    std::vector<std::pair<std::string, int>> courses;
    bool valid = true;
    if (req->kind == HookKind::courses_of) {
        bool is_array = false;
        napi_is_array(env, argv[2], &is_array);
        uint32_t length = 0;
        if (!is_array || napi_get_array_length(env, argv[2], &length) != napi_ok) valid = false;
        for (uint32_t i = 0; valid && i < length; ++i) {
            napi_value pair, course, role;
            int32_t role_value = 0;
            std::string course_id;
            if (napi_get_element(env, argv[2], i, &pair) != napi_ok || napi_get_element(env, pair, 0, &course) != napi_ok ||
                napi_get_element(env, pair, 1, &role) != napi_ok || !get_string(env, course, course_id) ||
                napi_get_value_int32(env, role, &role_value) != napi_ok || role_value < 0 || role_value > 3) {
                valid = false;
                break;
            }
            courses.emplace_back(std::move(course_id), role_value);
        }
    } else {
        double value = 0;
        if (napi_get_value_double(env, argv[2], &value) != napi_ok || value != value) valid = false;
        number = static_cast<int64_t>(value);
    }
    if (!valid) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) {
            napi_value ignored;
            napi_get_and_clear_last_exception(env, &ignored);
        }
        finish_request(id, false, "host hook " + std::string(kHookNames[static_cast<int>(req->kind)]) +
                                      " returned a value of the wrong shape");
        return undefined(env);
    }
    {
        std::lock_guard<std::mutex> lock(g_pending_mutex);
        auto it = g_pending.find(id);
        if (it == g_pending.end()) return undefined(env);
        g_pending.erase(it);
        req->number = number;
        req->courses = std::move(courses);
        req->ok = true;
        req->done = true;
        req->cv.notify_all();
    }
    return undefined(env);
}

// --------------------------------------------------------------- the module

napi_value js_library_version(napi_env env, napi_callback_info /*info*/) { return make_string(env, lc_version()); }

napi_value init(napi_env env, napi_value exports) {
    if (lc_abi_version() != LC_ABI_VERSION) {
        std::string message = "livecourse: the loaded liblivecourse has ABI version " + std::to_string(lc_abi_version()) +
                              ", this addon was built for " + std::to_string(LC_ABI_VERSION);
        napi_throw_error(env, "ERR_LIVECOURSE_ABI", message.c_str());
        return nullptr;
    }
    napi_property_descriptor props[] = {
        {"open", nullptr, js_open, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
        {"call", nullptr, js_call, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
        {"close", nullptr, js_close, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
        {"hostReply", nullptr, js_host_reply, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
        {"libraryVersion", nullptr, js_library_version, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
    };
    NAPI_OK_OR(napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props), nullptr);
    napi_value abi = nullptr;
    napi_create_int32(env, LC_ABI_VERSION, &abi);
    napi_set_named_property(env, exports, "abiVersion", abi);
    napi_value ops = nullptr;
    napi_create_array_with_length(env, kOperationCount, &ops);
    for (size_t i = 0; i < kOperationCount; ++i)
        napi_set_element(env, ops, static_cast<uint32_t>(i), make_string(env, kOperations[i].name));
    napi_set_named_property(env, exports, "operations", ops);
    return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return init(env, exports); }
