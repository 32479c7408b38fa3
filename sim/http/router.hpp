// Router: maps method + path to small handler functions (HttpRequest -> HttpResponse).
//
// Three kinds of pattern, tried in this order:
//   exact     "/page/electricflow/111"
//   segments  "/page/graph/{id}"     one "{name}" per whole segment, value in path_params["id"]
//   prefix    "/contents/*"          the path and everything below it, rest in path_params["*"]
// Segment patterns are tried in the order they were added; prefixes longest first. Method "*"
// matches every method. A path that matches only under other methods gets 405 with Allow; no
// match at all gets 404. A guard (digest auth, say) runs before every Guarded route and before
// the 404/405 answers, so an unauthenticated client learns nothing about which paths exist;
// Open routes skip it. Handlers that throw become 500 (exceptions stop here).
// Not thread-safe: add routes first, then dispatch from the one engine thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/http/http_message.hpp"

namespace hemsrig::http {

using Handler = std::function<HttpResponse(const HttpRequest&)>;
// Deferred answers (a long poll, a call that waits on the simulation): the
// handler keeps the Responder and calls it once, now or later, on the
// engine's thread. Calling it after the client went away is harmless.
using Responder = std::function<void(HttpResponse)>;
using AsyncHandler = std::function<void(const HttpRequest&, Responder)>;
// Returns a response to send instead of running the route (a 401), or nullopt to go on.
using Guard = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

enum class RouteAccess { Guarded, Open };

class Router {
 public:
  Router& add(std::string method, std::string pattern, Handler handler,
              RouteAccess access = RouteAccess::Guarded);
  Router& get(std::string pattern, Handler handler, RouteAccess access = RouteAccess::Guarded) {
    return add("GET", std::move(pattern), std::move(handler), access);
  }
  Router& post(std::string pattern, Handler handler, RouteAccess access = RouteAccess::Guarded) {
    return add("POST", std::move(pattern), std::move(handler), access);
  }
  // A route that answers later through its Responder.
  Router& add_async(std::string method, std::string pattern, AsyncHandler handler,
                    RouteAccess access = RouteAccess::Guarded);
  void set_guard(Guard guard) { guard_ = std::move(guard); }

  // Synchronous dispatch; an async route that has not answered by the time
  // its handler returns yields 500 here (use dispatch_async for those).
  HttpResponse dispatch(const HttpRequest& request) const;
  void dispatch_async(const HttpRequest& request, Responder respond) const;
  // A handler for HttpServer that dispatches through this router (which must outlive it).
  Handler handler() const {
    return [this](const HttpRequest& r) { return dispatch(r); };
  }
  AsyncHandler async_handler() const {
    return
        [this](const HttpRequest& r, Responder respond) { dispatch_async(r, std::move(respond)); };
  }
  std::size_t size() const { return routes_.size(); }

 private:
  enum class Kind { Exact, Segments, Prefix };
  struct Route {
    std::string method;
    std::string pattern;
    Kind kind = Kind::Exact;
    std::vector<std::string> segments;  // Segments: split pattern; Prefix: {prefix}
    Handler handler;
    AsyncHandler async;  // set instead of handler for add_async routes
    RouteAccess access = RouteAccess::Guarded;
  };
  // Fills `params` when the route's pattern matches `path`.
  static bool matches(const Route& route, const std::string& path,
                      std::map<std::string, std::string>& params);
  Router& add_route(std::string method, std::string pattern, Handler handler, AsyncHandler async,
                    RouteAccess access);

  std::vector<Route> routes_;
  Guard guard_;
};

}  // namespace hemsrig::http
