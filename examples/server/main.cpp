// livecourse-server: the seed's REST API over the livecourse library.
//
//   livecourse-server [--config FILE] [--demo]   serve (configuration: docs/server.md)
//   livecourse-server --list-routes              print "METHOD PATH OPERATION" per route
//
// Lifecycle: read and check the configuration (refusing to start on a weak
// or missing secret), open the engine, bind, serve until SIGTERM or SIGINT,
// then stop accepting, let in-flight requests finish and exit 0.
#include "demo.hpp"
#include "http_api.hpp"
#include "server_config.hpp"
#include "webhook_delivery.hpp"

#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>
#include <livecourse/json_api.hpp>

#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <pthread.h>
#include <thread>

namespace {

constexpr const char* usage =
    "usage: livecourse-server [--config FILE] [--demo]\n"
    "       livecourse-server --list-routes | --version | --help\n"
    "\n"
    "Serves the livecourse REST API. Settings come from environment variables,\n"
    "over an optional JSON config file using the same names as keys:\n"
    "  LIVECOURSE_LISTEN (127.0.0.1:8080), LIVECOURSE_DB (./var/livecourse.db),\n"
    "  LIVECOURSE_API_SECRET (required, >= 32 bytes, verifies the LMS's HS256 bearer tokens),\n"
    "  JITSI_DOMAIN (meet.jit.si), JITSI_APP_ID, JITSI_APP_SECRET (or JWT_SECRET),\n"
    "  JAAS_APP_ID, JAAS_KEY_ID, JAAS_PRIVATE_KEY_FILE,\n"
    "  LIVECOURSE_NOTIFY_URL + LIVECOURSE_NOTIFY_SECRET (whsec_...): signed notification webhooks,\n"
    "  ... (see docs/server.md)\n"
    "--demo seeds a demo course and prints bearer tokens and curl lines.\n";

int list_routes() {
    for (const auto& r : lcserver::routes())
        std::printf("%s %s %s\n", r.method.c_str(), lcserver::openapi_path(r.path).c_str(),
                    r.kind == lcserver::RouteKind::health ? "-" : r.operation.c_str());
    return 0;
}

void fail(const std::string& message) { std::fprintf(stderr, "livecourse-server: %s\n", message.c_str()); }

}  // namespace

int main(int argc, char** argv) {
    std::optional<std::string> config_file;
    bool demo = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--demo") {
            demo = true;
        } else if (arg == "--config" && i + 1 < argc) {
            config_file = argv[++i];
        } else if (arg.rfind("--config=", 0) == 0) {
            config_file = arg.substr(9);
        } else if (arg == "--list-routes") {
            return list_routes();
        } else if (arg == "--version") {
            std::printf("livecourse-server %s\n", LIVECOURSE_SERVER_VERSION);
            return 0;
        } else if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return 0;
        } else {
            std::fprintf(stderr, "livecourse-server: unknown argument \"%s\"\n%s", arg.c_str(), usage);
            return 2;
        }
    }

    // Signals are taken by one dedicated thread (sigwait), so they are blocked
    // here before any other thread exists and every thread inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    lcserver::ServerConfig config;
    try {
        config = lcserver::build_config(lcserver::read_settings(config_file), demo);
    } catch (const lcserver::ConfigError& e) {
        fail(fmt::format("configuration error: {}", e.what()));
        return 2;
    }
    for (const auto& note : config.notes) lcserver::log_event("config", note);

    std::unique_ptr<livecourse::Engine> engine;
    try {
        if (!lcserver::is_database_uri(config.database)) {
            auto dir = std::filesystem::path(config.database).parent_path();
            if (!dir.empty()) std::filesystem::create_directories(dir);
        }
        engine = std::make_unique<livecourse::Engine>(config.engine);
    } catch (const livecourse::Error& e) {
        fail(fmt::format("cannot open the engine ({}): {}", livecourse::to_string(e.code()), e.what()));
        return e.code() == livecourse::ErrorCode::invalid_argument ? 2 : 1;
    } catch (const std::exception& e) {
        fail(fmt::format("cannot open the engine: {}", e.what()));
        return 1;
    }
    livecourse::JsonApi api(*engine);

    bool seeded = false;
    if (demo) {
        try {
            seeded = lcserver::seed_demo(api);
        } catch (const std::exception& e) {
            fail(fmt::format("cannot seed the demo course: {}", e.what()));
            return 1;
        }
    }

    lcserver::HttpApi http(config, api);  // declared first: outlives the server's workers
    httplib::Server server;
    const std::size_t threads = static_cast<std::size_t>(config.threads);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_payload_max_length(config.max_body_bytes);
    server.set_read_timeout(10, 0);
    server.set_write_timeout(10, 0);
    server.set_keep_alive_timeout(3);
    server.set_keep_alive_max_count(100);
    // A response goes out in more than one write (headers, then body): with
    // Nagle's algorithm on, the second waits for the client's delayed ACK,
    // about 40 ms per request on a kept-alive connection.
    server.set_tcp_nodelay(true);
    server.set_default_headers({{"X-Content-Type-Options", "nosniff"}});
    http.install(server);

    int port = config.listen_port;
    if (port == 0) {
        port = server.bind_to_any_port(config.listen_host);
        if (port < 0) port = 0;
    } else if (!server.bind_to_port(config.listen_host, port)) {
        port = 0;
    }
    if (port <= 0) {
        fail(fmt::format("cannot listen on {}:{} (address in use or not available)", config.listen_host,
                         config.listen_port));
        return 1;
    }
    std::string host = config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]"
                                                                          : config.listen_host;
    std::string base_url = fmt::format("http://{}:{}", host, port);

    std::atomic<bool> serving_done{false};
    std::atomic<bool> stop_requested{false};
    std::thread signal_thread([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        if (serving_done) return;  // woken by main to exit
        stop_requested = true;
        lcserver::log_event("shutdown", fmt::format("received {}; finishing in-flight requests",
                                                    sig == SIGINT ? "SIGINT" : "SIGTERM"));
        // stop() only acts on a running server: wait until listening starts.
        while (!server.is_running() && !serving_done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        server.stop();
    });

    if (demo) {
        if (seeded) lcserver::log_event("demo", fmt::format("seeded the demo course \"{}\"", lcserver::demo_course_id));
        std::fputs(lcserver::demo_banner(config, base_url).c_str(), stdout);
    }
    std::printf("livecourse-server %s listening on %s\n", LIVECOURSE_SERVER_VERSION, base_url.c_str());
    std::fflush(stdout);
    lcserver::log_event("start", fmt::format("listening on {} (jitsi mode {}, database {})", base_url,
                                             livecourse::jitsi::to_string(config.engine.jitsi.mode),
                                             lcserver::redacted_database(config.database)));

    // Notifications go out while the server serves, and stop with it.
    std::optional<lcserver::WebhookDelivery> delivery;
    if (!config.notify.url.empty()) {
        delivery.emplace(config.notify, *engine);
        delivery->start();
    }

    bool ok = stop_requested || server.listen_after_bind();
    serving_done = true;
    if (delivery) delivery->stop();
    if (!stop_requested) pthread_kill(signal_thread.native_handle(), SIGTERM);  // wakes sigwait
    signal_thread.join();
    if (!ok && !stop_requested) {
        fail("the HTTP server stopped unexpectedly");
        return 1;
    }
    lcserver::log_event("stop", "stopped");
    return 0;
}
