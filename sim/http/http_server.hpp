// HttpServer: a small HTTP/1.1 server on the Engine's io_context (Boost.Beast underneath).
//
// Shaped like the Beast async examples: a listener accepts and hands each socket to a session
// that owns its buffer and parser and keeps itself alive with shared_from_this, on a strand of
// its own. Keep-alive; read and write timeouts are set on the stream. Every request goes to one
// Handler (usually Router::handler()); bad input (garbage bytes, a malformed request line, a
// body or header over the limit) gets 400 and that connection is closed, while other
// connections go on. `Expect: 100-continue` is answered before the body is read.
// With HttpServerOptions::tls it serves HTTPS (TLS 1.2/1.3, same keep-alive, timeouts and 400s;
// a failed handshake, say a plain-HTTP client on the TLS port, closes that connection only).
// With HttpServerOptions::faults it injects the FaultInjector's faults (fault_injector.hpp) and
// goes offline with it.
// Single-threaded like the Engine: construct, listen, stop and destroy on the engine's thread,
// and destroy the server before its Engine. Handlers run on that thread too. Beast and OpenSSL
// stay in the .cpp so that including this header costs little.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"
#include "sim/http/router.hpp"
#include "sim/tls/server_identity.hpp"

namespace hemsrig::http {

class FaultInjector;

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
  // Serve HTTPS with this certificate and key (tls::TestCa::issue_server_identity); unset: HTTP.
  std::optional<tls::ServerIdentity> tls;
  // Faults to inject, shareable between servers; null: none. While it is offline the server
  // does not listen (connects are refused) and has no open connections.
  std::shared_ptr<FaultInjector> faults;
};

struct HttpServerCounters {
  std::uint64_t connections = 0;          // accepted and served
  std::uint64_t requests = 0;             // handed to the handler
  std::uint64_t bad_requests = 0;         // answered 400 by the server itself
  std::uint64_t refused_connections = 0;  // over max_connections
  std::uint64_t tls_handshake_failures = 0;
  std::uint64_t faults = 0;  // requests a fault changed (latency included)
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
  // "invalid_address", "address_in_use", "bind_failed", "already_listening", "tls_identity" (the
  // options' TLS certificate or key is unusable). While the fault injector is offline the
  // address is bound and released at once; the server listens there when it comes back.
  Result<boost::asio::ip::tcp::endpoint> listen(const std::string& address, std::uint16_t port);
  // Closes the listener and every open connection; in-flight handlers are not called back.
  // Safe to call twice. The server may listen again afterwards.
  void stop();

  bool listening() const;                                 // false while offline
  bool tls() const;                                       // serves HTTPS
  boost::asio::ip::tcp::endpoint local_endpoint() const;  // valid while listening
  std::size_t open_connections() const;
  const HttpServerCounters& counters() const;

  struct Shared;  // state shared with the sessions (in the .cpp)

 private:
  sim::Engine& engine_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace hemsrig::http
