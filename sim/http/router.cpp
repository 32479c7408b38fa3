#include "sim/http/router.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace hemsrig::http {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

Router& Router::add(std::string method, std::string pattern, Handler handler, RouteAccess access) {
  return add_route(std::move(method), std::move(pattern), std::move(handler), nullptr, access);
}

Router& Router::add_async(std::string method, std::string pattern, AsyncHandler handler,
                          RouteAccess access) {
  return add_route(std::move(method), std::move(pattern), nullptr, std::move(handler), access);
}

Router& Router::add_route(std::string method, std::string pattern, Handler handler,
                          AsyncHandler async, RouteAccess access) {
  Route r;
  r.method = std::move(method);
  r.handler = std::move(handler);
  r.async = std::move(async);
  r.access = access;
  if (pattern == "*" || (pattern.size() >= 2 && pattern.ends_with("/*"))) {
    r.kind = Kind::Prefix;
    r.segments.push_back(pattern == "*" ? std::string() : pattern.substr(0, pattern.size() - 2));
  } else if (pattern.find('{') != std::string::npos) {
    r.kind = Kind::Segments;
    r.segments = split_path(pattern);
  }
  r.pattern = std::move(pattern);
  routes_.push_back(std::move(r));
  // Keep prefixes longest first (stable: equal lengths keep their order).
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.kind != Kind::Prefix) return false;
    return a.segments[0].size() > b.segments[0].size();
  });
  return *this;
}

bool Router::matches(const Route& route, const std::string& path,
                     std::map<std::string, std::string>& params) {
  switch (route.kind) {
    case Kind::Exact:
      return path == route.pattern;
    case Kind::Prefix: {
      const std::string& prefix = route.segments[0];
      if (path == prefix) {
        params["*"] = "";
        return true;
      }
      if (path.size() > prefix.size() && path.starts_with(prefix) && path[prefix.size()] == '/') {
        params["*"] = path.substr(prefix.size() + 1);
        return true;
      }
      return false;
    }
    case Kind::Segments: {
      const auto parts = split_path(path);
      if (parts.size() != route.segments.size()) return false;
      std::map<std::string, std::string> found;
      for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& want = route.segments[i];
        if (is_param(want)) {
          if (parts[i].empty()) return false;
          found[want.substr(1, want.size() - 2)] = percent_decode(parts[i]);
        } else if (want != parts[i]) {
          return false;
        }
      }
      params = std::move(found);
      return true;
    }
  }
  return false;
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
  std::optional<HttpResponse> answer;
  dispatch_async(request, [&answer](HttpResponse r) { answer = std::move(r); });
  return answer ? std::move(*answer) : HttpResponse::error(500);
}

void Router::dispatch_async(const HttpRequest& request, Responder respond) const {
  std::vector<std::string> allowed;
  const Route* chosen = nullptr;
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> p;
    if (!matches(route, request.path, p)) continue;
    if (route.method == "*" || route.method == request.method) {
      chosen = &route;
      params = std::move(p);
      break;
    }
    if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
      allowed.push_back(route.method);
    }
  }

  const bool guarded = chosen == nullptr || chosen->access == RouteAccess::Guarded;
  if (guarded && guard_) {
    if (auto refused = guard_(request)) return respond(std::move(*refused));
  }
  if (chosen == nullptr) {
    if (allowed.empty()) return respond(HttpResponse::error(404));
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    return respond(HttpResponse::error(405).set_header("Allow", allow));
  }
  HttpRequest with_params;
  const HttpRequest* req = &request;
  if (!params.empty()) {
    with_params = request;
    with_params.path_params = std::move(params);
    req = &with_params;
  }
  if (chosen->async) {
    // A throw before the handler kept its Responder becomes 500; one after it is the handler's.
    auto answered = std::make_shared<bool>(false);
    Responder once = [answered, respond](HttpResponse r) {
      if (std::exchange(*answered, true)) return;
      respond(std::move(r));
    };
    try {
      chosen->async(*req, once);
    } catch (const std::exception&) {
      once(HttpResponse::error(500));
    }
    return;
  }
  HttpResponse response;
  try {
    response = chosen->handler(*req);
  } catch (const std::exception&) {
    response = HttpResponse::error(500);
  }
  respond(std::move(response));
}

}  // namespace hemsrig::http
