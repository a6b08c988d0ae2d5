#include "http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace lcserver::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// After a refused request the peer may still be sending: the server stops
// writing, then reads and discards for a little while so that the peer sees
// the response rather than a reset, and closes.
constexpr std::size_t drain_bytes = 256 * 1024;
constexpr std::chrono::milliseconds drain_time{1000};

class Connection;

}  // namespace

namespace detail {

struct ServerState : std::enable_shared_from_this<ServerState> {
    Limits limits;
    int threads = 1;
    Handler handler;
    ErrorPage error_page;
    AccessLog log;

    net::io_context io;
    tcp::acceptor acceptor{io};
    net::steady_timer retry_accept{io};
    std::atomic<bool> stopping{false};

    std::mutex mutex;  // guards connections
    std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

    void accept();
};

}  // namespace detail

std::string_view Request::header(std::string_view name) const {
    for (const auto& h : headers)
        if (beast::iequals(h.name, name)) return h.value;
    return {};
}

bool Request::has_header(std::string_view name) const {
    for (const auto& h : headers)
        if (beast::iequals(h.name, name)) return true;
    return false;
}

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(std::shared_ptr<detail::ServerState> server, tcp::socket socket)
        : server_(std::move(server)), stream_(std::move(socket)),
          buffer_(server_->limits.max_header_bytes + 8 * 1024) {
        beast::error_code ec;
        auto peer = stream_.socket().remote_endpoint(ec);
        if (!ec) remote_ = peer.address().to_string();
    }

    void start() {
        {
            std::lock_guard lock(server_->mutex);
            server_->connections.emplace(this, weak_from_this());
        }
        wait_for_request();
    }

    // From any thread, when the server stops: a connection waiting for a
    // request closes now; one with a request begun finishes it (within its
    // deadlines) and then closes.
    void stop() {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->phase_ == Phase::idle) self->stream_.socket().cancel();
        });
    }

private:
    enum class Phase { idle, header, body, handling, writing, closing };

    const Limits& limits() const { return server_->limits; }

    void wait_for_request() {
        if (server_->stopping) return close();
        if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
        phase_ = Phase::idle;
        stream_.expires_after(served_ == 0 ? limits().header_timeout : limits().idle_timeout);
        stream_.async_read_some(buffer_.prepare(std::min<std::size_t>(4096, buffer_.max_size())),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (ec) return self->close();  // idle limit, peer gone or server stopping
                                    self->buffer_.commit(n);
                                    self->read_header();
                                });
    }

    void read_header() {
        phase_ = Phase::header;
        request_ = Request{};
        request_.remote = remote_;
        request_.received = std::chrono::steady_clock::now();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(limits().max_header_bytes));
        parser_->body_limit(limits().max_body_bytes);
        stream_.expires_after(limits().header_timeout);
        bhttp::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_header(ec);
        });
    }

    void on_header(beast::error_code ec) {
        const auto& message = parser_->get();
        request_.method = std::string(message.method_string());
        request_.target = std::string(message.target());
        auto q = request_.target.find('?');
        request_.path = request_.target.substr(0, q);
        if (q != std::string::npos) request_.query = request_.target.substr(q + 1);
        if (ec == bhttp::error::body_limit)
            return refuse(413, "payload_too_large",
                          "the request body exceeds " + std::to_string(limits().max_body_bytes) + " bytes");
        if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
            return refuse(431, "headers_too_large",
                          "the request line and headers exceed " + std::to_string(limits().max_header_bytes) + " bytes");
        if (ec == beast::error::timeout) {
            request_.method = "-";
            return log_dropped(408, "request_timeout");  // the stream closed the socket
        }
        if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
            ec == net::error::connection_reset)
            return close();
        if (ec) return refuse(400, "bad_request", "malformed HTTP request (" + ec.message() + ")");

        std::size_t count = 0, content_lengths = 0, transfer_encodings = 0;
        for (const auto& field : message) {
            if (++count > limits().max_header_count)
                return refuse(431, "headers_too_large",
                              "the request has more than " + std::to_string(limits().max_header_count) + " header fields");
            request_.headers.push_back({std::string(field.name_string()), std::string(field.value())});
            if (field.name() == bhttp::field::content_length) ++content_lengths;
            if (field.name() == bhttp::field::transfer_encoding) ++transfer_encodings;
        }
        if (request_.path.empty() || request_.path.front() != '/')
            return refuse(400, "bad_request", "the request target must be a path (\"/api/...\")");

        // Framing that two parsers could read two ways is refused outright.
        if (content_lengths > 1) return refuse(400, "bad_request", "the request has more than one Content-Length");
        if (content_lengths == 1) {
            auto cl = trim(request_.header("Content-Length"));
            if (cl.empty() || cl.find_first_not_of("0123456789") != std::string_view::npos)
                return refuse(400, "bad_request", "Content-Length must be one decimal number");
        }
        if (transfer_encodings > 0) {
            if (transfer_encodings > 1 || content_lengths > 0 || message.version() < 11 ||
                !beast::iequals(trim(request_.header("Transfer-Encoding")), "chunked"))
                return refuse(400, "bad_request",
                              "Transfer-Encoding must be exactly \"chunked\" (HTTP/1.1), without Content-Length");
        }
        if (request_.has_header("Content-Encoding"))
            return refuse(415, "unsupported_content_encoding", "request bodies may not carry a Content-Encoding");
        if (auto length = parser_->content_length(); length && *length > limits().max_body_bytes)
            return refuse(413, "payload_too_large",
                          "the request body exceeds " + std::to_string(limits().max_body_bytes) + " bytes");

        if (parser_->is_done()) return handle();
        if (request_.has_header("Expect")) {
            if (!beast::iequals(trim(request_.header("Expect")), "100-continue"))
                return refuse(417, "expectation_failed", "the only expectation served is \"100-continue\"");
            continue_ = bhttp::response<bhttp::empty_body>(bhttp::status::continue_, message.version());
            stream_.expires_after(limits().write_timeout);
            return bhttp::async_write(stream_, continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return self->close();
                self->read_body();
            });
        }
        read_body();
    }

    void read_body() {
        phase_ = Phase::body;
        stream_.expires_after(limits().body_timeout);
        bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec == bhttp::error::body_limit)
                return self->refuse(413, "payload_too_large",
                                    "the request body exceeds " + std::to_string(self->limits().max_body_bytes) + " bytes");
            if (ec == beast::error::timeout) return self->log_dropped(408, "request_timeout");
            if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == net::error::eof ||
                ec == net::error::operation_aborted || ec == net::error::connection_reset)
                return self->close();
            if (ec) return self->refuse(400, "bad_request", "the request body could not be read (" + ec.message() + ")");
            self->request_.body = std::move(self->parser_->get().body());
            self->handle();
        });
    }

    void handle() {
        phase_ = Phase::handling;
        Response response;
        try {
            response = server_->handler(request_);
        } catch (...) {
            response = server_->error_page(request_, 500, "internal", "internal error");
        }
        ++served_;
        bool keep = parser_->get().keep_alive() && !response.close && !server_->stopping &&
                    served_ < limits().max_requests_per_connection;
        send(std::move(response), keep);
    }

    // Refuses the request being read: the response says so and the
    // connection ends, whatever is left of the request unread.
    void refuse(int status, std::string_view code, std::string_view message) {
        Response response = server_->error_page(request_, status, code, message);
        response.close = true;
        if (response.log_code.empty()) response.log_code = std::string(code);
        send(std::move(response), false);
    }

    // A request given up on without an answer (its socket is already closed).
    void log_dropped(int status, std::string_view code) {
        Response response;
        response.status = status;
        response.log_code = std::string(code);
        server_->log(request_, response);
        close();
    }

    void send(Response response, bool keep) {
        server_->log(request_, response);
        unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
        response_ = bhttp::response<bhttp::string_body>(static_cast<bhttp::status>(response.status), version);
        for (auto& h : response.headers) response_.insert(h.name, h.value);
        if (!response.content_type.empty()) response_.set(bhttp::field::content_type, response.content_type);
        response_.body() = std::move(response.body);
        response_.keep_alive(keep);
        response_.prepare_payload();
        if (request_.method == "HEAD") response_.body().clear();  // its Content-Length stays: HEAD has no body
        phase_ = Phase::writing;
        stream_.expires_after(limits().write_timeout);
        bhttp::async_write(stream_, response_, [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
            self->response_ = {};
            if (ec) return self->close();
            if (keep) return self->wait_for_request();
            self->finish();
        });
    }

    void finish() {
        phase_ = Phase::closing;
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        buffer_.clear();
        stream_.expires_after(drain_time);
        drain();
    }

    void drain() {
        stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
            self->drained_ += n;
            if (ec || self->drained_ >= drain_bytes) return self->close();
            self->drain();
        });
    }

    void close() {
        phase_ = Phase::closing;
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
        std::lock_guard lock(server_->mutex);
        server_->connections.erase(this);
    }

    std::shared_ptr<detail::ServerState> server_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    bhttp::response<bhttp::string_body> response_;
    bhttp::response<bhttp::empty_body> continue_;
    Request request_;
    std::string remote_;
    Phase phase_ = Phase::idle;
    unsigned served_ = 0;
    std::size_t drained_ = 0;
    char scratch_[4096];
};

}  // namespace

void detail::ServerState::accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
        if (stopping || ec == net::error::operation_aborted) return;
        if (ec) {
            // Out of descriptors, most likely: try again shortly rather than spin.
            retry_accept.expires_after(std::chrono::milliseconds(50));
            retry_accept.async_wait([this](beast::error_code wait_ec) {
                if (!wait_ec && !stopping) accept();
            });
            return;
        }
        std::size_t open;
        {
            std::lock_guard lock(mutex);
            open = connections.size();
        }
        if (open >= limits.max_connections) {
            beast::error_code ignored;
            socket.close(ignored);
        } else {
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<Connection>(shared_from_this(), std::move(socket))->start();
        }
        accept();
    });
}

Server::Server(Limits limits, int threads, Handler handler, ErrorPage error_page, AccessLog log)
    : state_(std::make_shared<detail::ServerState>()) {
    state_->limits = limits;
    state_->threads = threads < 1 ? 1 : threads;
    state_->handler = std::move(handler);
    state_->error_page = std::move(error_page);
    state_->log = std::move(log);
}

Server::~Server() = default;

int Server::listen(const std::string& host, int port) {
    beast::error_code ec;
    auto address = net::ip::make_address(host, ec);
    if (ec) {
        // A host name ("localhost"): its first address.
        tcp::resolver resolver(state_->io);
        auto results = resolver.resolve(host, std::to_string(port), ec);
        if (ec || results.empty()) throw std::runtime_error("cannot resolve " + host);
        address = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    auto& a = state_->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error(ec.message());
    return a.local_endpoint().port();
}

void Server::run() {
    state_->accept();
    // Handlers catch what requests throw; anything else escaping a
    // completion handler (std::bad_alloc) costs that connection, not the
    // thread: run() is resumed.
    auto serve = [state = state_] {
        for (;;) {
            try {
                state->io.run();
                return;
            } catch (...) {
            }
        }
    };
    std::vector<std::thread> others;
    for (int i = 1; i < state_->threads; ++i) others.emplace_back(serve);
    serve();
    for (auto& t : others) t.join();
}

void Server::stop() {
    auto state = state_;
    if (state->stopping.exchange(true)) return;
    net::post(state->io, [state] {
        beast::error_code ignored;
        state->acceptor.close(ignored);
        state->retry_accept.cancel();
        std::vector<std::shared_ptr<Connection>> open;
        {
            std::lock_guard lock(state->mutex);
            for (auto& [raw, weak] : state->connections)
                if (auto c = weak.lock()) open.push_back(std::move(c));
        }
        for (auto& c : open) c->stop();
    });
}

}  // namespace lcserver::http
