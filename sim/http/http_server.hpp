// HttpServer: a small HTTP/1.1 server on the Engine's io_context (Boost.Beast underneath).
//
// Shaped like the Beast async examples: a listener accepts and hands each socket to a session
// that owns its buffer and parser and keeps itself alive with shared_from_this, on a strand of
// its own. Keep-alive; read and write timeouts are set on the stream. Every request goes to one
// Handler (usually Router::handler()); bad input (garbage bytes, a malformed request line, a
// body or header over the limit) gets 400 and that connection is closed, while other
// connections go on. `Expect: 100-continue` is answered before the body is read.
// Single-threaded like the Engine: construct, listen, stop and destroy on the engine's thread,
// and destroy the server before its Engine. Handlers run on that thread too. Beast stays in the
// .cpp so that including this header costs little.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::http {

struct HttpServerOptions {
  std::size_t body_limit = 64 * 1024;
  std::uint32_t header_limit = 16 * 1024;
  // A request (or the wait for the next one on a kept-alive connection) must arrive within
  // read_timeout; a response must be written within write_timeout. Wall-clock time: the stream's
  // own timer, also when the Engine runs virtual time.
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
  std::size_t max_connections = 64;  // more are accepted and closed at once
  std::string server_header;         // "Server:" on every response; empty: none
};

struct HttpServerCounters {
  std::uint64_t connections = 0;          // accepted and served
  std::uint64_t requests = 0;             // handed to the handler
  std::uint64_t bad_requests = 0;         // answered 400 by the server itself
  std::uint64_t refused_connections = 0;  // over max_connections
};

class HttpServer {
 public:
  HttpServer(sim::Engine& engine, Handler handler, HttpServerOptions options = {});
  // Handlers that may answer later (Router::async_handler()). A connection
  // whose answer is pending reads nothing more until it is sent; a deferred
  // answer for a connection that closed meanwhile is dropped.
  HttpServer(sim::Engine& engine, AsyncHandler handler, HttpServerOptions options = {});
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Port 0 picks a free port; the result says which. Errors:
  // "invalid_address", "address_in_use", "bind_failed", "already_listening".
  Result<boost::asio::ip::tcp::endpoint> listen(const std::string& address, std::uint16_t port);
  // Closes the listener and every open connection; in-flight handlers are not called back.
  // Safe to call twice. The server may listen again afterwards.
  void stop();

  bool listening() const;
  boost::asio::ip::tcp::endpoint local_endpoint() const;  // valid while listening
  std::size_t open_connections() const;
  const HttpServerCounters& counters() const;

  struct Shared;  // state shared with the sessions (in the .cpp)

 private:
  sim::Engine& engine_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace hemsrig::http
