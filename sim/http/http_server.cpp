#include "sim/http/http_server.hpp"

#include <array>
#include <exception>
#include <optional>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hemsrig::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class Session;

// After a response that closes the connection, unread bytes are drained for this long before
// the socket closes, so the peer reads our answer instead of a reset.
constexpr std::chrono::milliseconds kLinger{500};
constexpr int kLingerReads = 64;

bool is_parse_error(const boost::system::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

}  // namespace

struct HttpServer::Shared {
  explicit Shared(net::io_context& io_context) : io(io_context) {}
  net::io_context& io;
  AsyncHandler handler;
  HttpServerOptions options;
  HttpServerCounters counters;
  std::optional<tcp::acceptor> acceptor;
  tcp::endpoint endpoint;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_session = 1;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<HttpServer::Shared> shared, std::uint64_t id)
      : stream_(std::move(socket)), shared_(std::move(shared)), id_(id) {
    boost::system::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string();
  }
  ~Session() { shared_->sessions.erase(id_); }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

  // Server stop: no more handler calls, the socket closes now.
  void abort() {
    stopped_ = true;
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  const HttpServerOptions& options() const { return shared_->options; }

  void do_read() {
    if (stopped_) return;
    parser_.emplace();
    parser_->body_limit(options().body_limit);
    parser_->header_limit(options().header_limit);
    stream_.expires_after(options().read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(boost::system::error_code ec, std::size_t) {
    if (ec) return on_error(ec);
    if (stopped_) return;
    const auto& req = parser_->get();
    const auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue") &&
        !parser_->is_done()) {
      interim_.emplace(bhttp::status::continue_, req.version());
      stream_.expires_after(options().write_timeout);
      bhttp::async_write(stream_, *interim_,
                         [self = shared_from_this()](boost::system::error_code wec, std::size_t) {
                           if (wec) return self->on_error(wec);
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    if (stopped_) return;
    if (parser_->is_done()) return on_read({}, 0);
    stream_.expires_after(options().read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(boost::system::error_code ec, std::size_t) {
    if (ec) return on_error(ec);
    if (stopped_) return;
    auto& req = parser_->get();
    HttpRequest request = HttpRequest::make(std::string(req.method_string()),
                                            std::string(req.target()), std::move(req.body()));
    for (const auto& field : req) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.remote_address = remote_;
    ++shared_->counters.requests;
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    // The answer may come now or later: the Responder keeps the session alive until then
    // (a stopped server drops it).
    Responder respond = [self = shared_from_this(), version, keep_alive](HttpResponse response) {
      if (self->stopped_) return;
      bool keep = keep_alive;
      if (const auto* c = response.header("Connection"); c && beast::iequals(*c, "close")) {
        keep = false;
      }
      // Posted, so that a handler answering from inside itself does not write re-entrantly.
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response), version, keep]() mutable {
                  if (self->stopped_) return;
                  self->send(std::move(response), version, keep);
                });
    };
    try {
      shared_->handler(request, std::move(respond));
    } catch (const std::exception&) {
      // A handler that threw before answering: 500 (a second answer would be dropped by send()).
      if (!stopped_ && !sending_) send(HttpResponse::error(500), version, false);
    }
  }

  void on_error(const boost::system::error_code& ec) {
    if (stopped_) return;
    if (is_parse_error(ec)) {
      ++shared_->counters.bad_requests;
      return send(HttpResponse::error(400), 11, false);
    }
    // end of stream, timeout, reset, abort: nothing to answer.
    close();
  }

  void send(HttpResponse response, unsigned version, bool keep_alive) {
    if (sending_) return;  // one answer per request
    sending_ = true;
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) {
      if (beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding") ||
          beast::iequals(name, "Connection")) {
        continue;
      }
      response_.insert(name, value);
    }
    if (!options().server_header.empty() &&
        response_.find(bhttp::field::server) == response_.end()) {
      response_.set(bhttp::field::server, options().server_header);
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    stream_.expires_after(options().write_timeout);
    bhttp::async_write(
        stream_, response_,
        beast::bind_front_handler(&Session::on_write, shared_from_this(), !keep_alive));
  }

  void on_write(bool close_after, boost::system::error_code ec, std::size_t) {
    sending_ = false;
    if (ec) return close();
    if (stopped_) return;
    if (close_after) return linger();
    do_read();
  }

  // Half-close, then drain what the peer still sends for a moment before closing.
  void linger() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLinger);
    drain(kLingerReads);
  }

  void drain(int reads_left) {
    if (stopped_ || reads_left <= 0) return close();
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this(), reads_left](
                                                       boost::system::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain(reads_left - 1);
    });
  }

  void close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> interim_;
  bhttp::response<bhttp::string_body> response_;
  std::array<char, 4096> discard_{};
  std::shared_ptr<HttpServer::Shared> shared_;
  std::uint64_t id_;
  std::string remote_;
  bool stopped_ = false;
  bool sending_ = false;
};

void do_accept(const std::shared_ptr<HttpServer::Shared>& shared) {
  if (!shared->acceptor) return;
  shared->acceptor->async_accept(
      net::make_strand(shared->io), [shared](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !shared->acceptor ||
            !shared->acceptor->is_open()) {
          return;
        }
        if (!ec) {
          if (shared->sessions.size() >= shared->options.max_connections) {
            ++shared->counters.refused_connections;
            boost::system::error_code ignored;
            socket.close(ignored);
          } else {
            ++shared->counters.connections;
            const std::uint64_t id = shared->next_session++;
            auto session = std::make_shared<Session>(std::move(socket), shared, id);
            shared->sessions[id] = session;
            session->run();
          }
        }
        do_accept(shared);
      });
}

}  // namespace

HttpServer::HttpServer(sim::Engine& engine, Handler handler, HttpServerOptions options)
    : HttpServer(
          engine,
          AsyncHandler([handler = std::move(handler)](const HttpRequest& r, Responder respond) {
            HttpResponse response;
            try {
              response = handler(r);
            } catch (const std::exception&) {
              response = HttpResponse::error(500);
            }
            respond(std::move(response));
          }),
          std::move(options)) {}

HttpServer::HttpServer(sim::Engine& engine, AsyncHandler handler, HttpServerOptions options)
    : engine_(engine), shared_(std::make_shared<Shared>(engine.io())) {
  shared_->handler = std::move(handler);
  shared_->options = std::move(options);
}

HttpServer::~HttpServer() {
  stop();
}

Result<tcp::endpoint> HttpServer::listen(const std::string& address, std::uint16_t port) {
  if (shared_->acceptor) {
    return make_error("already_listening", "the server already listens on " +
                                               shared_->endpoint.address().to_string() + ":" +
                                               std::to_string(shared_->endpoint.port()));
  }
  boost::system::error_code ec;
  const auto ip = net::ip::make_address(address, ec);
  if (ec) return make_error("invalid_address", "'" + address + "' is not an IP address");
  const tcp::endpoint wanted{ip, port};
  const std::string where = address + ":" + std::to_string(port);

  tcp::acceptor acceptor(engine_.io());
  acceptor.open(wanted.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(wanted, ec);
  if (ec == net::error::address_in_use) {
    return make_error("address_in_use", where + " is in use by another socket");
  }
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error("bind_failed", "cannot listen on " + where + ": " + ec.message());
  shared_->endpoint = acceptor.local_endpoint(ec);
  shared_->acceptor.emplace(std::move(acceptor));
  do_accept(shared_);
  return shared_->endpoint;
}

void HttpServer::stop() {
  if (shared_->acceptor) {
    boost::system::error_code ec;
    shared_->acceptor->close(ec);
    shared_->acceptor.reset();
  }
  // Copy first: a session that dies while we go removes itself from the map.
  std::vector<std::shared_ptr<Session>> open;
  for (auto& [id, weak] : shared_->sessions) {
    if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  for (auto& s : open) s->abort();
}

bool HttpServer::listening() const {
  return shared_->acceptor.has_value();
}

tcp::endpoint HttpServer::local_endpoint() const {
  return shared_->endpoint;
}

std::size_t HttpServer::open_connections() const {
  return shared_->sessions.size();
}

const HttpServerCounters& HttpServer::counters() const {
  return shared_->counters;
}

}  // namespace hemsrig::http
