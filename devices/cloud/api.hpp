// The cloud's JSON API conventions, shared by every service of the mock cloud:
// errors are JSON bodies {"error":{"code","message","rule"}} with a stable code,
// request bodies must be JSON objects, and field readers refuse bad input with
// a 400 that names the field. ApiRoutes registers a route on the Router and
// records its OpenAPI description at the same time, so /openapi.json lists
// exactly the routes that exist (docs/cloud-openapi.json, docs/cloud-api.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/result.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::cloud {

// {"error":{"code":code,"message":message,"rule":rule}} ("rule" only when given, e.g. "R20").
http::HttpResponse api_error(int status, std::string_view code, std::string_view message,
                             std::string_view rule = {});
// An Error from a service: status and rule come from the table of documented
// codes (error_codes()); a code not in the table answers `fallback_status`.
http::HttpResponse api_error(const Error& error, int fallback_status = 400);
http::HttpResponse json_reply(int status, const nlohmann::json& body);

// The body parsed as a JSON object. Errors: "bad_json" (not JSON), "not_an_object".
Result<nlohmann::json> json_object_body(const http::HttpRequest& request);

// Field readers: Error "missing_field" or "invalid_field", the message names the field.
Result<std::string> required_string(const nlohmann::json& body, std::string_view field,
                                    std::size_t max_length = 256);
Result<std::optional<std::string>> optional_string(const nlohmann::json& body,
                                                   std::string_view field,
                                                   std::size_t max_length = 256);
Result<std::int64_t> required_int(const nlohmann::json& body, std::string_view field,
                                  std::int64_t min, std::int64_t max);
Result<bool> optional_bool(const nlohmann::json& body, std::string_view field, bool fallback);
// Refuses members other than `allowed` (Error "unknown_field" naming it).
Status only_fields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed);

// The token of "Authorization: Bearer <token>", if any.
std::optional<std::string> bearer_token(const http::HttpRequest& request);

// One documented error code: what a client may branch on.
struct ErrorCode {
  std::string_view code;
  int status;
  std::string_view rule;  // "R20", or empty
  std::string_view meaning;
};
// Every code the core services answer (the table of docs/cloud-api.md).
const std::vector<ErrorCode>& error_codes();
const ErrorCode* find_error_code(std::string_view code);

// What /openapi.json says about one route.
struct RouteDoc {
  std::string summary;
  std::string tag;                    // the service: "club-id", "outbox", ...
  nlohmann::json request = nullptr;   // an example request body (null: none)
  nlohmann::json response = nullptr;  // an example 200 body (null: not JSON)
  std::vector<std::string> errors;    // codes it may answer (each in error_codes() or stated)
  bool bearer = false;                // needs "Authorization: Bearer"
};

// Registers routes on a Router and keeps their documentation.
class ApiRoutes {
 public:
  explicit ApiRoutes(http::Router& router) : router_(router) {}
  ApiRoutes& add(std::string method, std::string path, RouteDoc doc, http::Handler handler);
  ApiRoutes& add_async(std::string method, std::string path, RouteDoc doc,
                       http::AsyncHandler handler);
  // A route documented elsewhere (or added to the Router directly) is recorded here too.
  ApiRoutes& document(std::string method, std::string path, RouteDoc doc);

  struct Documented {
    std::string method;
    std::string path;
    RouteDoc doc;
  };
  const std::vector<Documented>& routes() const { return routes_; }
  http::Router& router() { return router_; }
  // The OpenAPI 3.0 document of every route recorded so far.
  nlohmann::ordered_json openapi() const;

 private:
  http::Router& router_;
  std::vector<Documented> routes_;
};

}  // namespace hemsrig::cloud
