// livecourse-server: the seed's REST API over the livecourse library.
//
//   livecourse-server [--config FILE] [--demo]   serve (configuration: docs/server.md)
//   livecourse-server --list-routes              print "METHOD PATH OPERATION" per route
//
// Lifecycle: read and check the configuration (refusing to start on a weak
// or missing secret), open the engine, bind, serve until SIGTERM or SIGINT,
// then stop accepting, let in-flight requests finish and exit 0.
#include "access_log.hpp"
#include "demo.hpp"
#include "http_api.hpp"
#include "routes.hpp"
#include "server_config.hpp"
#include "webhook_delivery.hpp"

#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>
#include <livecourse/store.hpp>
#include <livecourse/json_api.hpp>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <pthread.h>
#include <sys/resource.h>
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
            std::fputs(lcserver::route_list().c_str(), stdout);
            return 0;
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
    // A connection costs a descriptor, not a thread: allow as many as the
    // hard limit lets this process have.
    if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }

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
            if (!dir.empty()) lcserver::create_private_directories(dir);
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

    lcserver::HttpApi http(config, api);  // declared first: outlives the server's threads
    lcserver::http::Server server(
        config.http, config.threads, [&http](lcserver::http::Request& req) { return http.handle(req); },
        [&http](const lcserver::http::Request& req, int status, std::string_view code, std::string_view message) {
            return http.error_page(req, status, code, message);
        },
        lcserver::log_request);

    int port = 0;
    try {
        port = server.listen(config.listen_host, config.listen_port);
    } catch (const std::exception& e) {
        fail(fmt::format("cannot listen on {}:{}: {}", config.listen_host, config.listen_port, e.what()));
        return 1;
    }
    std::string host = config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]"
                                                                          : config.listen_host;
    std::string base_url = fmt::format("http://{}:{}", host, port);
    // The demo serves on loopback only: its feed URLs use the listen address.
    if (config.demo && config.public_url.empty()) config.public_url = base_url;

    std::atomic<bool> serving_done{false};
    std::atomic<bool> stop_requested{false};
    std::thread signal_thread([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        if (serving_done) return;  // woken by main to exit
        stop_requested = true;
        lcserver::log_event("shutdown", fmt::format("received {}; finishing in-flight requests",
                                                    sig == SIGINT ? "SIGINT" : "SIGTERM"));
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
                                             livecourse::redact_database_location(config.database)));

    // Notifications go out while the server serves, and stop with it.
    std::optional<lcserver::WebhookDelivery> delivery;
    if (!config.notify.url.empty()) {
        delivery.emplace(config.notify, *engine);
        delivery->start();
    }

    server.run();
    serving_done = true;
    if (delivery) delivery->stop();
    if (!stop_requested) pthread_kill(signal_thread.native_handle(), SIGTERM);  // wakes sigwait
    signal_thread.join();
    lcserver::log_event("stop", "stopped");
    return 0;
}
