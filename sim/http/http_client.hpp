// HttpClient: one HTTP/1.1 request from inside the rig (the unit asking the
// cloud for firmware, later the scripted app and Google clients), on the
// Engine's io_context. Every request has a deadline; a server that cannot be
// reached (refused, unresolvable, silent past the deadline) answers the
// Error code "offline", which is how the unit sees the cloud down (DOMAIN
// R10). https:// URLs verify the server's certificate against a trusted CA
// (HttpClientOptions::ca_pem, e.g. the rig's TestCa) and the host dialled (a
// DNS SAN for a name, an IP SAN for an address); a certificate that fails is
// the Error "tls", never "offline". While a request is under way the Engine
// does not jump virtual time. Beast and OpenSSL stay in the .cpp.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"
#include "sim/http/http_message.hpp"

namespace hemsrig::http {

struct HttpClientOptions {
  std::chrono::milliseconds timeout{5000};  // wall-clock deadline for the whole exchange
  std::size_t body_limit = 64 * 1024 * 1024;
  // https: the CA certificate(s) to trust, PEM (tls::TestCa::certificate_pem()); empty: the
  // system's CAs.
  std::string ca_pem;
};

// Splits "http://host:port/path?query" (or https://; default ports 80 and 443). Errors: "bad_url".
struct Url {
  std::string host;
  std::string port;
  std::string target;  // path and query, at least "/"
  bool https = false;
};
Result<Url> parse_url(const std::string& url);

// Sends `method url` with `body`; `done` runs on the engine's thread with the
// response (any status) or an Error: "bad_url", "offline" (refused, unresolvable, no answer in
// time), "protocol" (a broken answer: closed early, reset, garbage), "tls" (the certificate is not
// trusted or does not name the host, or the handshake failed), "tls_ca" (ca_pem is unusable).
void http_request(sim::Engine& engine, std::string method, const std::string& url, std::string body,
                  Headers headers, std::function<void(Result<HttpResponse>)> done,
                  HttpClientOptions options = {});

}  // namespace hemsrig::http
