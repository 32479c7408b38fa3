#include "sim/http/http_server.hpp"

#include <array>
#include <exception>
#include <optional>
#include <sstream>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "sim/http/fault_injector.hpp"
#include "sim/tls/tls_context.hpp"

namespace hemsrig::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

// After a response that closes the connection, unread bytes are drained for this long before
// the socket closes, so the peer reads our answer instead of a reset.
constexpr std::chrono::milliseconds kLinger{500};
constexpr int kLingerReads = 64;
// Bandwidth faults write a slice of the answer every kBandwidthTick.
constexpr std::chrono::milliseconds kBandwidthTick{50};

bool is_parse_error(const boost::system::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void abort() = 0;  // server stop or offline: no more handler calls, closes now
};

}  // namespace

struct HttpServer::Shared {
  explicit Shared(sim::Engine& e) : engine(e), io(e.io()) {}
  sim::Engine& engine;
  net::io_context& io;
  AsyncHandler handler;
  HttpServerOptions options;
  HttpServerCounters counters;
  std::optional<tcp::acceptor> acceptor;
  tcp::endpoint endpoint;
  std::shared_ptr<ssl::context> tls;  // built by listen() when options.tls is set
  std::unordered_map<std::uint64_t, std::weak_ptr<SessionBase>> sessions;
  std::uint64_t next_session = 1;
  bool listen_wanted = false;  // listen() succeeded and stop() did not follow: listen when online
  std::uint64_t offline_watch = 0;
};

namespace {

using Shared = HttpServer::Shared;

void abort_sessions(Shared& shared) {
  // Copy first: a session that dies while we go removes itself from the map.
  std::vector<std::shared_ptr<SessionBase>> open;
  for (auto& [id, weak] : shared.sessions) {
    if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  for (auto& s : open) s->abort();
}

void close_acceptor(Shared& shared) {
  if (!shared.acceptor) return;
  boost::system::error_code ec;
  shared.acceptor->close(ec);
  shared.acceptor.reset();
}

// A connection: plain (beast::tcp_stream) or TLS (beast::ssl_stream over it).
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared, std::uint64_t id)
      : stream_(make_stream(std::move(socket), *shared)), shared_(std::move(shared)), id_(id) {
    boost::system::error_code ec;
    const auto remote = lowest().socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string();
  }
  ~Session() override { shared_->sessions.erase(id_); }

  void run() {
    net::dispatch(lowest().get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

  void abort() override {
    stopped_ = true;
    close();
  }

 private:
  static Stream make_stream(tcp::socket&& socket, Shared& shared) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *shared.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& options() const { return shared_->options; }
  std::shared_ptr<Session> self() { return this->shared_from_this(); }

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(options().read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = self()](boost::system::error_code ec) {
                                if (self->stopped_) return;
                                if (ec) {
                                  // A plain-HTTP client, garbage, an untrusting client: this
                                  // connection ends, the server goes on.
                                  ++self->shared_->counters.tls_handshake_failures;
                                  return self->close();
                                }
                                self->do_read();
                              });
    } else {
      do_read();
    }
  }

  void do_read() {
    if (stopped_) return;
    parked_.reset();
    sending_ = false;
    parser_.emplace();
    parser_->body_limit(options().body_limit);
    parser_->header_limit(options().header_limit);
    lowest().expires_after(options().read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, self()));
  }

  void on_header(boost::system::error_code ec, std::size_t) {
    if (ec) return on_error(ec);
    if (stopped_) return;
    const auto& req = parser_->get();
    const auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue") &&
        !parser_->is_done()) {
      interim_.emplace(bhttp::status::continue_, req.version());
      lowest().expires_after(options().write_timeout);
      bhttp::async_write(stream_, *interim_,
                         [self = self()](boost::system::error_code wec, std::size_t) {
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
    lowest().expires_after(options().read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, self()));
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
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();

    FaultDecision decision;
    if (options().faults) decision = options().faults->decide(request);
    if (decision.any()) ++shared_->counters.faults;
    if (decision.action && skips_handler(decision.action->kind)) {
      // The request never reaches the service.
      sending_ = true;
      return after(decision.delay, [rule = *decision.action, version, keep_alive](Session& s) {
        s.refuse(rule, version, keep_alive);
      });
    }

    ++shared_->counters.requests;
    // The answer may come now or later: the Responder keeps the session alive until then
    // (a stopped server drops it).
    Responder respond = [self = self(), version, keep_alive, decision](HttpResponse response) {
      if (self->stopped_) return;
      bool keep = keep_alive;
      if (const auto* c = response.header("Connection"); c && beast::iequals(*c, "close")) {
        keep = false;
      }
      // Posted, so that a handler answering from inside itself does not write re-entrantly.
      net::post(self->lowest().get_executor(),
                [self, response = std::move(response), version, keep, decision]() mutable {
                  if (self->stopped_) return;
                  self->answer(std::move(response), version, keep, decision);
                });
    };
    try {
      shared_->handler(request, std::move(respond));
    } catch (const std::exception&) {
      // A handler that threw before answering: 500 (a second answer is dropped by answer()).
      if (!stopped_ && !sending_) {
        sending_ = true;
        send(HttpResponse::error(500), version, false);
      }
    }
  }

  void on_error(const boost::system::error_code& ec) {
    if (stopped_) return;
    if (is_parse_error(ec)) {
      ++shared_->counters.bad_requests;
      sending_ = true;
      return send(HttpResponse::error(400), 11, false);
    }
    // end of stream, timeout, reset, abort: nothing to answer.
    close();
  }

  // The route's answer: as it is, or changed by a fault.
  void answer(HttpResponse response, unsigned version, bool keep_alive,
              const FaultDecision& decision) {
    if (sending_) return;  // one answer per request
    sending_ = true;
    if (!decision.any()) return send(std::move(response), version, keep_alive);
    after(decision.delay, [response = std::move(response), version, keep_alive,
                           action = decision.action](Session& s) mutable {
      if (!action) return s.send(std::move(response), version, keep_alive);
      s.shape(std::move(response), version, keep_alive, *action);
    });
  }

  // Fills response_ from `response` (framing and Connection are ours to set).
  void prepare(HttpResponse response, unsigned version, bool keep_alive) {
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
  }

  void send(HttpResponse response, unsigned version, bool keep_alive) {
    prepare(std::move(response), version, keep_alive);
    lowest().expires_after(options().write_timeout);
    bhttp::async_write(stream_, response_,
                       beast::bind_front_handler(&Session::on_write, self(), !keep_alive));
  }

  void on_write(bool close_after, boost::system::error_code ec, std::size_t) {
    if (ec) return close();
    if (stopped_) return;
    if (close_after && slow_close_ > sim::Duration::zero()) {
      return after(slow_close_, [](Session& s) { s.close(); });
    }
    if (close_after) return linger();
    do_read();
  }

  // --- faults -------------------------------------------------------------------------------

  // Runs `fn` after `delay` of engine time (at once when zero), holding the session and parking
  // the request while it waits, so that virtual time may move on to the timer.
  void after(sim::Duration delay, std::function<void(Session&)> fn) {
    if (delay <= sim::Duration::zero()) return fn(*this);
    if (!parked_) parked_.emplace(shared_->engine.park());
    timer_ = shared_->engine.after(delay, [self = self(), fn = std::move(fn)] {
      self->timer_ = 0;
      // Writing again is real I/O: virtual time waits for it (a swallowed request stays parked).
      if (!self->swallowing_) self->parked_.reset();
      if (!self->stopped_) fn(*self);
    });
  }

  // Faults that stand in for the route.
  void refuse(const FaultRule& rule, unsigned version, bool keep_alive) {
    switch (rule.kind) {
      case FaultKind::Status: {
        HttpResponse r = HttpResponse::text(rule.status, rule.body);
        const bool json = !rule.body.empty() && (rule.body[0] == '{' || rule.body[0] == '[');
        if (!rule.content_type.empty()) {
          r.set_header("Content-Type", rule.content_type);
        } else if (json) {
          r.set_header("Content-Type", "application/json; charset=UTF-8");
        }
        return send(std::move(r), version, keep_alive);
      }
      case FaultKind::RandomData: {
        auto bytes = std::make_shared<std::string>(rule.bytes, '\0');
        for (auto& c : *bytes) c = static_cast<char>(shared_->engine.rng()() & 0xFF);
        return write_raw(bytes, [](Session& s) { s.close(); });
      }
      case FaultKind::Reset:
        return reset();
      case FaultKind::Timeout:
        return swallow(rule.delay);
      case FaultKind::Empty:
      default:
        return close();
    }
  }

  // Faults that change how the route's answer travels.
  void shape(HttpResponse response, unsigned version, bool keep_alive, const FaultRule& rule) {
    switch (rule.kind) {
      case FaultKind::Dribble:
        return dribble(std::move(response), version, keep_alive, rule);
      case FaultKind::Bandwidth: {
        auto bytes =
            std::make_shared<std::string>(render(std::move(response), version, keep_alive));
        const double per_tick = static_cast<double>(rule.bytes_per_second) *
                                std::chrono::duration<double>(kBandwidthTick).count();
        std::size_t slice = static_cast<std::size_t>(per_tick);
        sim::Duration gap = kBandwidthTick;
        if (slice == 0) {
          slice = 1;
          gap = std::chrono::duration_cast<sim::Duration>(std::chrono::seconds(1)) /
                static_cast<long>(rule.bytes_per_second);
        }
        return write_paced(bytes, 0, slice, gap, keep_alive);
      }
      case FaultKind::DataLimit: {
        auto bytes =
            std::make_shared<std::string>(render(std::move(response), version, keep_alive));
        if (bytes->size() > rule.bytes) bytes->resize(rule.bytes);
        return write_raw(bytes, [](Session& s) { s.close(); });
      }
      case FaultKind::MalformedChunk: {
        prepare(std::move(response), version, false);
        response_.erase(bhttp::field::content_length);
        response_.chunked(true);
        std::ostringstream head;
        head << response_.base();
        const std::string part = response_.body().substr(0, 8);
        auto bytes = std::make_shared<std::string>(head.str() + "zz;\r\n" + part + "\r\n");
        return write_raw(bytes, [](Session& s) { s.close(); });
      }
      case FaultKind::SlowClose:
        slow_close_ = rule.delay;
        return send(std::move(response), version, false);
      default:
        return send(std::move(response), version, keep_alive);
    }
  }

  std::string render(HttpResponse response, unsigned version, bool keep_alive) {
    prepare(std::move(response), version, keep_alive);
    std::ostringstream out;
    out << response_;
    return out.str();
  }

  // The body as HTTP chunks of rule.chunk_bytes, rule.delay apart (HTTP/1.0: the same slices of
  // a Content-Length body).
  void dribble(HttpResponse response, unsigned version, bool keep_alive, const FaultRule& rule) {
    if (version < 11) {
      auto bytes = std::make_shared<std::string>(render(std::move(response), version, keep_alive));
      return write_paced(bytes, 0, rule.chunk_bytes, rule.delay, keep_alive);
    }
    prepare(std::move(response), version, keep_alive);
    response_.erase(bhttp::field::content_length);
    response_.chunked(true);
    std::ostringstream head;
    head << response_.base();
    // One write per piece: the head, then each chunk (the last one carries the terminator).
    auto pieces = std::make_shared<std::vector<std::string>>();
    const std::string& body = response_.body();
    std::string first = head.str();
    for (std::size_t at = 0; at < body.size(); at += rule.chunk_bytes) {
      const std::string data = body.substr(at, rule.chunk_bytes);
      std::string chunk = fmt::format("{:x}\r\n", data.size()) + data + "\r\n";
      if (!first.empty()) {
        pieces->push_back(first + chunk);
        first.clear();
      } else {
        pieces->push_back(std::move(chunk));
      }
    }
    if (!first.empty()) pieces->push_back(first);
    pieces->back() += "0\r\n\r\n";
    write_pieces(pieces, 0, rule.delay, keep_alive);
  }

  void write_pieces(std::shared_ptr<std::vector<std::string>> pieces, std::size_t index,
                    sim::Duration gap, bool keep_alive) {
    auto piece = std::make_shared<std::string>((*pieces)[index]);
    write_raw(piece, [pieces, index, gap, keep_alive](Session& s) {
      if (index + 1 == pieces->size()) return s.finish_shaped(keep_alive);
      s.after(gap, [pieces, index, gap, keep_alive](Session& s2) {
        s2.write_pieces(pieces, index + 1, gap, keep_alive);
      });
    });
  }

  void write_paced(std::shared_ptr<std::string> bytes, std::size_t offset, std::size_t slice,
                   sim::Duration gap, bool keep_alive) {
    auto piece = std::make_shared<std::string>(bytes->substr(offset, slice));
    write_raw(piece, [bytes, offset, slice, gap, keep_alive](Session& s) {
      const std::size_t next = offset + slice;
      if (next >= bytes->size()) return s.finish_shaped(keep_alive);
      s.after(gap, [bytes, next, slice, gap, keep_alive](Session& s2) {
        s2.write_paced(bytes, next, slice, gap, keep_alive);
      });
    });
  }

  // A complete answer went out in pieces: the connection goes on as after a plain answer.
  void finish_shaped(bool keep_alive) {
    if (!keep_alive) return linger();
    do_read();
  }

  void write_raw(std::shared_ptr<std::string> bytes, std::function<void(Session&)> then) {
    lowest().expires_after(options().write_timeout);
    net::async_write(
        stream_, net::buffer(*bytes),
        [self = self(), bytes, then = std::move(then)](boost::system::error_code ec, std::size_t) {
          if (self->stopped_) return;
          if (ec) return self->close();
          then(*self);
        });
  }

  // Connection reset by peer: SO_LINGER 0, then close (the kernel sends RST).
  void reset() {
    boost::system::error_code ec;
    lowest().socket().set_option(net::socket_base::linger(true, 0), ec);
    lowest().socket().close(ec);
    parked_.reset();
  }

  // Reads and drops whatever comes, never answers; closes after `limit` (0: when the peer goes).
  void swallow(sim::Duration limit) {
    swallowing_ = true;
    if (!parked_) parked_.emplace(shared_->engine.park());
    if (limit > sim::Duration::zero()) after(limit, [](Session& s) { s.close(); });
    lowest().expires_never();
    discard_more();
  }

  void discard_more() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = self()](boost::system::error_code ec, std::size_t) {
                              if (self->stopped_) return;
                              if (ec) return self->close();
                              self->discard_more();
                            });
  }

  // --- closing -------------------------------------------------------------------------------

  // Half-close, then drain what the peer still sends for a moment before closing.
  void linger() {
    lowest().expires_after(kLinger);
    if constexpr (kTls) {
      // close_notify, and the peer's (or the timeout).
      stream_.async_shutdown([self = self()](boost::system::error_code) { self->close(); });
    } else {
      boost::system::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      drain(kLingerReads);
    }
  }

  void drain(int reads_left) {
    if (stopped_ || reads_left <= 0) return close();
    lowest().async_read_some(net::buffer(discard_), [self = self(), reads_left](
                                                        boost::system::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain(reads_left - 1);
    });
  }

  void close() {
    if (timer_ != 0) {
      shared_->engine.cancel(std::exchange(timer_, 0));
    }
    parked_.reset();
    boost::system::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> interim_;
  bhttp::response<bhttp::string_body> response_;
  std::array<char, 4096> discard_{};
  std::shared_ptr<Shared> shared_;
  std::uint64_t id_;
  std::string remote_;
  bool stopped_ = false;
  bool sending_ = false;  // the current request has its answer (or a fault) under way
  std::optional<sim::Engine::Parked> parked_;  // while a fault holds the request
  sim::TimerId timer_ = 0;
  sim::Duration slow_close_{0};
  bool swallowing_ = false;  // a timeout fault holds the connection
};

void do_accept(const std::shared_ptr<Shared>& shared) {
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
            if (shared->tls) {
              auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                  std::move(socket), shared, id);
              shared->sessions[id] = s;
              s->run();
            } else {
              auto s = std::make_shared<Session<beast::tcp_stream>>(std::move(socket), shared, id);
              shared->sessions[id] = s;
              s->run();
            }
          }
        }
        do_accept(shared);
      });
}

// Opens the acceptor on `wanted` and starts accepting.
Result<tcp::endpoint> open_acceptor(Shared& shared, const std::shared_ptr<Shared>& self,
                                    const tcp::endpoint& wanted) {
  boost::system::error_code ec;
  const std::string where = wanted.address().to_string() + ":" + std::to_string(wanted.port());
  tcp::acceptor acceptor(shared.io);
  acceptor.open(wanted.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(wanted, ec);
  if (ec == net::error::address_in_use) {
    return make_error("address_in_use", where + " is in use by another socket");
  }
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error("bind_failed", "cannot listen on " + where + ": " + ec.message());
  shared.endpoint = acceptor.local_endpoint(ec);
  shared.acceptor.emplace(std::move(acceptor));
  do_accept(self);
  return shared.endpoint;
}

// The fault injector went offline (stop listening, drop every connection) or online (listen
// again where we were).
void on_offline(const std::shared_ptr<Shared>& shared, bool offline) {
  if (offline) {
    close_acceptor(*shared);
    abort_sessions(*shared);
  } else if (shared->listen_wanted && !shared->acceptor) {
    // If the port was taken meanwhile, the server stays down: listening() tells.
    (void)open_acceptor(*shared, shared, shared->endpoint);
  }
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
    : engine_(engine), shared_(std::make_shared<Shared>(engine)) {
  shared_->handler = std::move(handler);
  shared_->options = std::move(options);
  if (shared_->options.faults) {
    shared_->offline_watch = shared_->options.faults->watch_offline(
        [weak = std::weak_ptr<Shared>(shared_)](bool offline) {
          if (auto shared = weak.lock()) on_offline(shared, offline);
        });
  }
}

HttpServer::~HttpServer() {
  stop();
  if (shared_->options.faults) shared_->options.faults->unwatch_offline(shared_->offline_watch);
}

Result<tcp::endpoint> HttpServer::listen(const std::string& address, std::uint16_t port) {
  if (shared_->acceptor || shared_->listen_wanted) {
    return make_error("already_listening", "the server already listens on " +
                                               shared_->endpoint.address().to_string() + ":" +
                                               std::to_string(shared_->endpoint.port()));
  }
  boost::system::error_code ec;
  const auto ip = net::ip::make_address(address, ec);
  if (ec) return make_error("invalid_address", "'" + address + "' is not an IP address");
  if (shared_->options.tls && !shared_->tls) {
    auto ctx = tls::make_server_context(*shared_->options.tls);
    if (!ctx) return ctx.error();
    shared_->tls = std::move(*ctx);
  }
  auto bound = open_acceptor(*shared_, shared_, tcp::endpoint{ip, port});
  if (!bound) return bound;
  shared_->listen_wanted = true;
  if (shared_->options.faults && shared_->options.faults->offline()) close_acceptor(*shared_);
  return bound;
}

void HttpServer::stop() {
  shared_->listen_wanted = false;
  close_acceptor(*shared_);
  abort_sessions(*shared_);
}

bool HttpServer::listening() const {
  return shared_->acceptor.has_value();
}

bool HttpServer::tls() const {
  return shared_->options.tls.has_value();
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
