// HttpClient: one HTTP/1.1 request from inside the rig (the unit asking the
// cloud for firmware, later the scripted app and Google clients), on the
// Engine's io_context. Every request has a deadline; a server that cannot be
// reached (refused, unresolvable, silent past the deadline) answers the
// Error code "offline", which is how the unit sees the cloud down (DOMAIN
// R10). While a request is under way the Engine does not jump virtual time.
// Beast stays in the .cpp.
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
};

// Splits "http://host:port/path?query". Errors: "bad_url" (https comes with TLS).
struct Url {
  std::string host;
  std::string port;
  std::string target;  // path and query, at least "/"
};
Result<Url> parse_url(const std::string& url);

// Sends `method url` with `body`; `done` runs on the engine's thread with the
// response (any status) or an Error: "bad_url", "offline", "protocol".
void http_request(sim::Engine& engine, std::string method, const std::string& url, std::string body,
                  Headers headers, std::function<void(Result<HttpResponse>)> done,
                  HttpClientOptions options = {});

}  // namespace hemsrig::http
