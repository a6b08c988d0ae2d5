// The reference server's HTTP/1.1 transport: asynchronous (Boost.Beast over
// Boost.Asio), so that a slow or idle client costs a socket, never a thread.
//
// What it enforces before a handler sees a request (docs/server.md,
// "Security"):
// - a deadline for the whole header block and one for the whole body, not a
//   timeout per read; an idle limit between kept-alive requests;
// - bounded header bytes and header count (431), bounded bodies (413);
// - unambiguous framing: Transfer-Encoding is accepted only as exactly
//   "chunked" (any case) and never beside Content-Length, a repeated
//   Content-Length is refused, request bodies may not carry a
//   Content-Encoding (415). Any request the server refuses, and any whose
//   body it did not read to the end, ends its connection: no byte after a
//   refused request is ever parsed as another request;
// - pipelined requests are answered one at a time, in order;
// - "Expect: 100-continue" is answered before the body is read.
//
// The transport knows nothing of routes or JSON: it hands a complete Request
// to the Handler and writes the Response it returns. Protocol errors are
// turned into responses by the ErrorPage callback, so they have the API's
// error shape.
//
// Thread-safety: one io_context run by `threads` threads, one strand per
// connection; the Handler is called on those threads concurrently (one call
// at a time per connection) and must be thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lcserver::http {

namespace detail {
struct ServerState;
}

struct Limits {
    std::size_t max_header_bytes = 16 * 1024;  // request line and header fields
    std::size_t max_header_count = 64;
    std::size_t max_body_bytes = 64 * 1024;
    std::chrono::milliseconds header_timeout{10'000};  // the whole header block, from its first byte
    std::chrono::milliseconds body_timeout{30'000};    // the whole body
    std::chrono::milliseconds idle_timeout{5'000};     // waiting for a request's first byte
    std::chrono::milliseconds write_timeout{10'000};   // the whole response
    std::size_t max_connections = 4096;                // beyond this, new connections are closed at once
    unsigned max_requests_per_connection = 1000;
};

struct Header {
    std::string name;
    std::string value;
};

struct Request {
    std::string method;
    std::string target;  // as sent: path and query
    std::string path;    // the target up to '?', not decoded
    std::string query;   // after '?', not decoded
    std::vector<Header> headers;
    std::string body;
    std::string remote;  // peer address
    std::chrono::steady_clock::time_point received;  // when its first byte was read

    // The first field of that name (case-insensitive), or "".
    std::string_view header(std::string_view name) const;
    bool has_header(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type;  // empty: no body
    std::string body;
    std::vector<Header> headers;
    bool close = false;  // end the connection after this response

    // For the access log only (never sent).
    std::string log_route;
    std::string log_user;
    std::string log_code;
};

using Handler = std::function<Response(Request&)>;
// A response for a request the transport refuses: status, error code and a
// message for the client; `request` holds what was parsed of it.
using ErrorPage =
    std::function<Response(const Request& request, int status, std::string_view code, std::string_view message)>;
// Called once per response written or refused, with the request as far as
// it was parsed.
using AccessLog = std::function<void(const Request&, const Response&)>;

class Server {
public:
    Server(Limits limits, int threads, Handler handler, ErrorPage error_page, AccessLog log);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; returns the port (the chosen one for port 0).
    // Throws std::runtime_error when the address cannot be bound.
    int listen(const std::string& host, int port);

    // Serves on the calling thread and `threads - 1` more until stop().
    void run();

    // From any thread: stops accepting, closes idle connections, lets
    // requests begun finish (within their deadlines), then run() returns.
    void stop();

private:
    std::shared_ptr<detail::ServerState> state_;
};

}  // namespace lcserver::http
