// The Node-API addon: livecourse's C ABI, asynchronous.
//
// Every engine call runs on the engine's own worker threads and settles a
// Promise on the JavaScript thread, so a slow disk or a busy database never
// blocks the event loop, and concurrent calls reach the store together (where
// concurrent joins share one commit). Calls that finish close together are
// settled by one wake-up of the event loop (see "engines" below). The one
// exception: a join, leave, token or heartbeat on an idle engine that can
// finish without waiting for anything runs on the JavaScript thread itself
// (run_on_loop), since the hop would cost more than the call. The addon
// knows nothing of the library's shapes: it moves JSON text in and out;
// index.js turns it into objects, Dates and LiveCourseError.
//
// Host hooks (a roster or a clock written in JavaScript) are called by the
// engine on a worker thread and must answer synchronously. They reach the
// JavaScript thread through a thread-safe function; the worker waits on a
// condition variable for the answer, with a deadline so that a hook that
// never answers (or waits itself for a call that needs a worker) fails the
// operation instead of hanging it. This never deadlocks the event loop,
// because the JavaScript thread never waits for a worker: every call is
// async, close() included.
//
// Thread-safety: a Pool's fields are split by who may touch them (see
// "engines"). Pending host requests live in one registry guarded by one mutex.
#include <livecourse.h>
#include <node_api.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
    // Exactly {actor, session_id}: join, leave, token, heartbeat. Short
    // enough to run on the JavaScript thread when it need not wait (js_call).
    bool on_loop;
};

constexpr bool same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

// include/livecourse/operations.def, in its order: JavaScript sends an
// operation as its index here (index.js reads the names from `operations`).
const OperationEntry kOperations[] = {
#define LIVECOURSE_OPERATION(name, request, answer) {#name, lc_##name, same(#request, "acting_on_session")},
#include <livecourse/operations.def>
#undef LIVECOURSE_OPERATION
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
// Never destroyed: a worker thread may still be answering a question while the
// process exits (process.exit() with calls in flight), after static destructors ran.
std::mutex& g_pending_mutex = *new std::mutex;
std::unordered_map<uint64_t, std::shared_ptr<HostRequest>>& g_pending =
    *new std::unordered_map<uint64_t, std::shared_ptr<HostRequest>>;
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
//
// Each engine has its own pool of worker threads (EngineConfig.workerThreads,
// default kDefaultWorkers) rather than libuv's shared four: the C++ store
// batches concurrent writers into one transaction (group commit), so the more
// joins run at once, the fewer commits they cost, and a slow call of one
// engine never holds a thread another engine or fs/dns/zlib needs.
//
// Finished calls are not answered one wake-up each. A worker appends its call
// to the engine's `done` list; only the worker that finds the list empty wakes
// the JavaScript thread (uv_async_send on the engine's libuv async handle),
// and that one callback settles every call finished by then. Under a rush, one
// wake-up of the event loop settles a whole group commit's worth of joins, and
// at most one such wake-up runs per turn of the loop: calls that finish while
// their predecessors are being settled wait for the next turn, so a rush never
// keeps timers and I/O waiting. (A thread-safe function would not do: Node
// answers its calls in a loop of its own, up to a thousand in a row, for as
// long as new ones keep arriving.)
//
// Lifetimes: the Pool is shared by its worker threads and the JavaScript
// handle (EngineBox). Its fields under `mutex` are the workers' queue; those
// under `done_mutex` are the completions and every use of the async handle
// from a worker (the environment may be torn down while workers still run: a
// worker then drops its answer instead of touching a closed handle). The
// remaining fields are touched on the JavaScript thread only. Worker threads
// are detached and hold the Pool: a process that exits with calls in flight
// never joins them, and the engine is closed by the last worker once every
// queued call has run, whatever ended the handle (close(), garbage
// collection, a worker_thread torn down).

constexpr unsigned kDefaultWorkers = 16;
constexpr unsigned kMaxWorkers = 256;
// Calls run in a row on the JavaScript thread at most (run_on_loop).
constexpr unsigned kOnLoopStreak = 16;

struct Call {
    napi_deferred deferred = nullptr;
    Operation fn = nullptr;  // nullptr: the engine's close, posted by the last worker
    std::string request;
    lc_status status = LC_OK;
    char* response = nullptr;
    char* error = nullptr;
    std::string host_failure;
    ~Call() {
        lc_free(response);
        lc_free(error);
    }
};

struct Pool {
    lc_engine* engine = nullptr;
    std::shared_ptr<HostBridge> bridge;

    // The workers' queue.
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<Call*> tasks;
    unsigned running = 0;  // calls a worker has taken and not yet posted
    bool close_requested = false;
    bool engine_closed = false;

    // Completions.
    std::mutex done_mutex;
    std::vector<Call*> done;
    bool wake_pending = false;  // a wake-up is sent that has not yet taken `done`
    bool sink_open = true;      // false once `completions` is closing (the engine closed, or the environment torn down)
    uv_async_t* completions = nullptr;  // on the JavaScript thread's loop; data: a std::shared_ptr<Pool>* holding this

    // JavaScript thread only.
    napi_env env = nullptr;
    napi_async_cleanup_hook_handle cleanup_hook = nullptr;  // closes `completions` if the environment goes first
    napi_async_context async_context = nullptr;  // settles run in a callback scope of their own
    unsigned in_flight = 0;  // calls issued and not yet settled, the close included
    unsigned on_loop_streak = 0;  // calls run on this thread since the event loop last turned
    std::vector<Call*> parked;    // calls waiting for the next wake-up (run_on_loop), counted in in_flight
    bool referenced = false;  // `completions` keeps the event loop alive (while in_flight > 0)
    bool closing = false;     // close() called or the handle finalized: new calls are refused
    bool close_started = false;
    bool closed = false;
    std::vector<napi_deferred> close_waiters;

    ~Pool() {
        for (Call* c : tasks) delete c;
        for (Call* c : done) delete c;
        for (Call* c : parked) delete c;
    }

    // Any thread: hands a finished call to the JavaScript thread.
    void post(Call* call) {
        std::lock_guard<std::mutex> lock(done_mutex);
        if (!sink_open) {  // the environment is gone: nobody can be answered
            delete call;
            return;
        }
        done.push_back(call);
        if (wake_pending) return;
        wake_pending = true;
        uv_async_send(completions);
    }

    // Worker thread body.
    static void work(std::shared_ptr<Pool> self) {
        Pool& p = *self;
        std::unique_lock<std::mutex> lock(p.mutex);
        for (;;) {
            if (!p.tasks.empty()) {
                Call* c = p.tasks.front();
                p.tasks.pop_front();
                ++p.running;
                lock.unlock();
                t_host_failure.clear();
                c->status = c->fn(p.engine, c->request.c_str(), &c->response, &c->error);
                if (c->status != LC_OK) c->host_failure = std::move(t_host_failure);
                t_host_failure.clear();
                p.post(c);
                lock.lock();
                --p.running;
                continue;
            }
            if (p.close_requested && p.running == 0) {
                if (p.engine_closed) return;
                p.engine_closed = true;
                p.wake.notify_all();  // the others may leave
                lock.unlock();
                lc_engine_close(p.engine);
                p.engine = nullptr;
                p.post(new Call);  // fn == nullptr: "closed"
                return;
            }
            p.wake.wait(lock);
        }
    }

    // JavaScript thread.
    void submit(Call* call) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            tasks.push_back(call);
        }
        wake.notify_one();
    }

    void request_close() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (close_requested) return;
            close_requested = true;
        }
        wake.notify_all();
    }
};

void retain_loop(Pool* p) {
    if (p->in_flight++ == 0 && !p->referenced && p->sink_open) {
        uv_ref(reinterpret_cast<uv_handle_t*>(p->completions));
        p->referenced = true;
    }
}

void release_loop(Pool* p, unsigned settled) {
    p->in_flight -= settled;
    if (p->in_flight == 0 && p->referenced) {
        if (p->sink_open) uv_unref(reinterpret_cast<uv_handle_t*>(p->completions));
        p->referenced = false;
    }
}

// JavaScript thread: closes the completions handle, once. Answers still
// queued are dropped (nobody is left to take them); the Pool is released when
// libuv is done with the handle. From the environment's cleanup (`hook` set)
// the workers are also told to close the engine.
void close_completions(Pool* p, bool from_hook) {
    {
        std::lock_guard<std::mutex> lock(p->done_mutex);
        if (!p->sink_open) return;
        p->sink_open = false;
        for (Call* c : p->done) delete c;
        p->done.clear();
    }
    for (Call* c : p->parked) delete c;
    p->parked.clear();
    if (p->async_context) napi_async_destroy(p->env, p->async_context);
    p->async_context = nullptr;
    if (!from_hook && p->cleanup_hook) {
        napi_remove_async_cleanup_hook(p->cleanup_hook);
        p->cleanup_hook = nullptr;
    }
    if (from_hook) p->request_close();
    uv_close(reinterpret_cast<uv_handle_t*>(p->completions), [](uv_handle_t* handle) {
        auto* holder = static_cast<std::shared_ptr<Pool>*>(handle->data);
        Pool& pool = **holder;
        delete reinterpret_cast<uv_async_t*>(handle);
        pool.completions = nullptr;
        if (pool.cleanup_hook) napi_remove_async_cleanup_hook(pool.cleanup_hook);  // the environment may go on
        pool.cleanup_hook = nullptr;
        delete holder;
    });
}

// The environment is being torn down (process exit, a worker_thread ended)
// with this engine's completions still open.
void on_environment_cleanup(napi_async_cleanup_hook_handle /*handle*/, void* data) {
    close_completions(static_cast<Pool*>(data), true);
}

// JavaScript thread: the engine will be closed once every queued call ran.
void start_close(Pool* p) {
    if (p->close_started) return;
    p->close_started = true;
    retain_loop(p);  // the close itself keeps the process alive until done
    for (Call* c : p->parked) p->submit(c);  // they run before the engine closes
    p->parked.clear();
    p->request_close();
}

void settle(napi_env env, Pool* p, Call* c) {
    if (c->fn == nullptr) {  // the engine is closed
        p->closed = true;
        if (p->bridge) p->bridge->release();
        for (napi_deferred d : p->close_waiters) napi_resolve_deferred(env, d, undefined(env));
        p->close_waiters.clear();
        return;
    }
    if (c->status == LC_OK) {
        napi_value result = nullptr;
        if (napi_create_string_utf8(env, c->response ? c->response : "", NAPI_AUTO_LENGTH, &result) == napi_ok)
            napi_resolve_deferred(env, c->deferred, result);
        else
            napi_reject_deferred(env, c->deferred, make_failure(env, LC_ERR_NO_MEMORY, nullptr, {}));
    } else {
        napi_reject_deferred(env, c->deferred, make_failure(env, c->status, c->error, c->host_failure));
    }
}

void dispatch_parked(napi_env env, Pool* p);

// JavaScript thread, one wake-up: settles every call finished since the last,
// then lets the parked calls go on.
void settle_done(uv_async_t* handle) {
    Pool* p = static_cast<std::shared_ptr<Pool>*>(handle->data)->get();
    std::vector<Call*> batch;
    {
        std::lock_guard<std::mutex> lock(p->done_mutex);
        batch.swap(p->done);
        p->wake_pending = false;
    }
    if (batch.empty() && p->parked.empty()) return;
    napi_env env = p->env;
    bool closed_now = false;
    napi_handle_scope outer = nullptr;
    if (napi_open_handle_scope(env, &outer) != napi_ok) outer = nullptr;
    // As an async work's completion does: closing the callback scope runs the
    // microtasks the settles queued (the awaiting code) before the loop goes on.
    napi_value resource = nullptr;
    napi_callback_scope callback_scope = nullptr;
    if (p->async_context && napi_create_object(env, &resource) == napi_ok)
        napi_open_callback_scope(env, resource, p->async_context, &callback_scope);
    for (Call* c : batch) {
        napi_handle_scope scope = nullptr;
        napi_open_handle_scope(env, &scope);
        settle(env, p, c);
        if (scope) napi_close_handle_scope(env, scope);
        closed_now = closed_now || c->fn == nullptr;
        delete c;
    }
    release_loop(p, static_cast<unsigned>(batch.size()));
    dispatch_parked(env, p);
    if (callback_scope) napi_close_callback_scope(env, callback_scope);
    if (closed_now) close_completions(p, false);
    if (outer) napi_close_handle_scope(env, outer);
}

struct EngineBox {
    std::shared_ptr<Pool> pool;
};

void finalize_box(napi_env /*env*/, void* data, void* /*hint*/) {
    std::unique_ptr<EngineBox> box(static_cast<EngineBox*>(data));
    Pool* p = box->pool.get();
    // Collected (or torn down) without close(): calls in flight still settle,
    // then the workers close the engine.
    p->closing = true;
    start_close(p);
}

bool unwrap_box(napi_env env, napi_value value, Pool** pool) {
    napi_valuetype type;
    if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return false;
    void* data = nullptr;
    if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) return false;
    *pool = static_cast<EngineBox*>(data)->pool.get();
    return true;
}

// ---------------------------------------------------------------- open work

struct OpenWork {
    napi_async_work work = nullptr;
    napi_deferred deferred = nullptr;
    std::string config;
    std::shared_ptr<HostBridge> bridge;
    unsigned workers = kDefaultWorkers;
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

// JavaScript thread: the engine is open; gives it its workers and its handle.
// On failure returns nullptr, with w->engine still set if the caller must close
// it (cleared when the workers were already told to).
napi_value start_pool(napi_env env, OpenWork* w) {
    auto pool = std::make_shared<Pool>();
    pool->engine = w->engine;
    pool->bridge = w->bridge;
    pool->env = env;
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return nullptr;
    auto async = std::make_unique<uv_async_t>();
    if (uv_async_init(loop, async.get(), settle_done) != 0) return nullptr;
    async->data = new std::shared_ptr<Pool>(pool);  // released by close_completions
    pool->completions = async.release();
    uv_unref(reinterpret_cast<uv_handle_t*>(pool->completions));  // referenced only while calls are in flight
    if (napi_add_async_cleanup_hook(env, on_environment_cleanup, pool.get(), &pool->cleanup_hook) != napi_ok)
        pool->cleanup_hook = nullptr;
    napi_value async_name = make_string(env, "livecourse.call");
    if (napi_async_init(env, nullptr, async_name, &pool->async_context) != napi_ok) pool->async_context = nullptr;
    unsigned started = 0;
    for (; started < w->workers; ++started) {
        try {
            std::thread(Pool::work, pool).detach();
        } catch (...) {
            break;  // fewer threads than asked still work
        }
    }
    if (started == 0) {
        pool->engine = nullptr;  // the caller closes it
        close_completions(pool.get(), false);
        return nullptr;
    }
    auto box = std::make_unique<EngineBox>();
    box->pool = pool;
    napi_value handle = nullptr;
    if (napi_create_external(env, box.get(), finalize_box, nullptr, &handle) != napi_ok) {
        pool->request_close();  // the workers close the engine
        w->engine = nullptr;
        close_completions(pool.get(), false);
        return nullptr;
    }
    box.release();
    return handle;
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
    napi_value handle = nullptr;
    try {
        handle = start_pool(env, w.get());
    } catch (...) {
        handle = nullptr;
    }
    if (handle == nullptr) {
        if (w->engine) lc_engine_close(w->engine);
        if (w->bridge) w->bridge->release();
        napi_reject_deferred(env, w->deferred, make_failure(env, LC_ERR_NO_MEMORY, nullptr, {}));
        return;
    }
    napi_resolve_deferred(env, w->deferred, handle);
}

// open(configJson, dispatch | undefined, hookMask, timeoutMs, workerThreads) -> Promise<handle>
napi_value js_open(napi_env env, napi_callback_info info) {
    size_t argc = 5;
    napi_value argv[5];
    NAPI_OK_OR(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
    if (argc < 1) {
        throw_type_error(env, "open(configJson, dispatch, hooks, timeoutMs, workerThreads)");
        return nullptr;
    }
    auto w = std::make_unique<OpenWork>();
    if (!get_string(env, argv[0], w->config)) {
        throw_type_error(env, "configJson must be a string");
        return nullptr;
    }
    if (argc >= 5) {
        napi_valuetype t = napi_undefined;
        napi_typeof(env, argv[4], &t);
        if (t != napi_undefined) {
            uint32_t n = 0;
            if (napi_get_value_uint32(env, argv[4], &n) != napi_ok || n < 1 || n > kMaxWorkers) {
                throw_type_error(env, "workerThreads must be an integer from 1 to 256");
                return nullptr;
            }
            w->workers = n;
        }
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

// close(handle) -> Promise<void>; resolves once every call in flight settled
// and the engine is closed.
napi_value js_close(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_OK_OR(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
    Pool* p = nullptr;
    if (argc < 1 || !unwrap_box(env, argv[0], &p)) {
        throw_type_error(env, "close(handle): not an engine handle");
        return nullptr;
    }
    napi_deferred deferred = nullptr;
    napi_value promise = nullptr;
    NAPI_OK_OR(napi_create_promise(env, &deferred, &promise), nullptr);
    if (p->closed) {
        napi_resolve_deferred(env, deferred, undefined(env));
        return promise;
    }
    p->close_waiters.push_back(deferred);
    p->closing = true;
    // Calls already queued run first: the last worker closes the engine after them.
    start_close(p);
    return promise;
}

// ----------------------------------------------------------------- calls

void reject_now(napi_env env, napi_deferred deferred, int status, const char* code, const char* category,
                const char* message) {
    std::string doc = error_document(code, category, message);
    napi_reject_deferred(env, deferred, make_failure(env, status, doc.c_str(), {}));
}

// A join, leave, token or heartbeat on an idle engine costs tens of
// microseconds, less than the hop to a worker and back. It runs here, on the
// JavaScript thread, under lc_thread_no_wait: if it would have to wait (the
// write lock is taken by another process or by this engine's own group
// commit, no read connection is free, the store is PostgreSQL) it fails at
// once with nothing changed and goes to the workers as usual. Only
//  - when no other call of this engine is in flight: it never overtakes one
//    issued before it, and calls that overlap go to the workers together,
//    where they share a commit;
//  - when the engine has no JavaScript hooks (a hook is answered on this very
//    thread);
//  - for at most kOnLoopStreak calls between two turns of the event loop: a
//    loop issuing calls one after another (a burst, or `await` after `await`,
//    which never returns to the event loop while each call settles at once)
//    waits (park) for the next wake-up of the completions handle, which
//    libuv runs in a later poll phase, so I/O and timers run at least that
//    often. Calls issued meanwhile go to the workers: a burst issued in one
//    synchronous loop runs 16 calls here and the rest on the workers,
//    together.
bool may_run_on_loop(const Pool* p, const OperationEntry& entry) {
    return entry.on_loop && !p->bridge && p->in_flight == 0;
}

// Runs an eligible call here. Returns true if the call was settled.
bool run_on_loop(napi_env env, Pool* p, Call* c);

// JavaScript thread: the call waits for the next wake-up (dispatch_parked).
void park(Pool* p, Call* c) {
    retain_loop(p);
    p->parked.push_back(c);
    uv_async_send(p->completions);
}

// JavaScript thread, in settle_done: the parked calls go on, the event loop
// having turned. A lone one runs here if it still can, otherwise they go to
// the workers together.
void dispatch_parked(napi_env env, Pool* p) {
    if (p->parked.empty()) return;
    p->on_loop_streak = 0;
    std::vector<Call*> calls;
    calls.swap(p->parked);
    if (calls.size() == 1 && p->in_flight == 1 && !p->bridge && run_on_loop(env, p, calls.front())) {
        delete calls.front();
        release_loop(p, 1);
        return;
    }
    for (Call* c : calls) p->submit(c);
}

bool run_on_loop(napi_env env, Pool* p, Call* c) {
    int before = lc_thread_no_wait(1);
    c->status = c->fn(p->engine, c->request.c_str(), &c->response, &c->error);
    lc_thread_no_wait(before);
    if (c->status == LC_ERR_WOULD_BLOCK) {
        lc_free(c->error);
        c->error = nullptr;
        c->status = LC_OK;
        return false;
    }
    ++p->on_loop_streak;
    settle(env, p, c);
    return true;
}

// call(handle, operation, requestJson) -> Promise<string>; `operation` is an
// index into `operations` (or, slower, its name).
napi_value js_call(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    NAPI_OK_OR(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
    Pool* p = nullptr;
    if (argc < 3 || !unwrap_box(env, argv[0], &p)) {
        throw_type_error(env, "call(handle, operation, requestJson): not an engine handle");
        return nullptr;
    }
    const OperationEntry* entry = nullptr;
    uint32_t index = 0;
    if (napi_get_value_uint32(env, argv[1], &index) == napi_ok) {
        if (index < kOperationCount) entry = &kOperations[index];
    } else {
        std::string op;
        if (!get_string(env, argv[1], op)) {
            throw_type_error(env, "operation must be an index or a name");
            return nullptr;
        }
        for (const auto& e : kOperations)
            if (op == e.name) entry = &e;
    }
    if (!entry) {
        throw_type_error(env, "unknown livecourse operation");
        return nullptr;
    }
    auto c = std::make_unique<Call>();
    if (!get_string(env, argv[2], c->request)) {
        throw_type_error(env, "requestJson must be a string");
        return nullptr;
    }
    napi_value promise = nullptr;
    NAPI_OK_OR(napi_create_promise(env, &c->deferred, &promise), nullptr);
    if (p->closing || p->closed) {
        reject_now(env, c->deferred, LC_ERR_INVALID_ARGUMENT, "engine_closed", "invalid_argument", "the engine is closed");
        return promise;
    }
    c->fn = entry->fn;
    if (may_run_on_loop(p, *entry)) {
        if (p->on_loop_streak >= kOnLoopStreak) {
            park(p, c.release());
            return promise;
        }
        if (run_on_loop(env, p, c.get())) return promise;
    }
    retain_loop(p);
    p->submit(c.release());
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
