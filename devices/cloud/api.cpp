#include "devices/cloud/api.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace hemsrig::cloud {

http::HttpResponse api_error(int status, std::string_view code, std::string_view message,
                             std::string_view rule) {
  nlohmann::json e = {{"code", code}, {"message", message}};
  if (!rule.empty()) e["rule"] = rule;
  return json_reply(status, {{"error", std::move(e)}});
}

http::HttpResponse api_error(const Error& error, int fallback_status) {
  if (const ErrorCode* c = find_error_code(error.code))
    return api_error(c->status, error.code, error.message, c->rule);
  return api_error(fallback_status, error.code, error.message);
}

http::HttpResponse json_reply(int status, const nlohmann::json& body) {
  auto res =
      http::HttpResponse::json(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  res.status = status;
  return res;
}

Result<nlohmann::json> json_object_body(const http::HttpRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded())
    return make_error("bad_json", "the request body is not JSON (expected a JSON object)");
  if (!body.is_object())
    return make_error("not_an_object", fmt::format("the request body must be a JSON object, not {}",
                                                   body.type_name()));
  return body;
}

Result<std::string> required_string(const nlohmann::json& body, std::string_view field,
                                    std::size_t max_length) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null())
    return make_error("missing_field", fmt::format("'{}' is required", field));
  if (!it->is_string())
    return make_error("invalid_field", fmt::format("'{}' must be a string", field));
  const auto& s = it->get_ref<const std::string&>();
  if (s.empty()) return make_error("invalid_field", fmt::format("'{}' must not be empty", field));
  if (s.size() > max_length)
    return make_error("invalid_field",
                      fmt::format("'{}' is longer than {} bytes", field, max_length));
  return s;
}

Result<std::optional<std::string>> optional_string(const nlohmann::json& body,
                                                   std::string_view field, std::size_t max_length) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::string>{};
  auto s = required_string(body, field, max_length);
  if (!s) return s.error();
  return std::optional<std::string>{std::move(*s)};
}

Result<std::int64_t> required_int(const nlohmann::json& body, std::string_view field,
                                  std::int64_t min, std::int64_t max) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null())
    return make_error("missing_field", fmt::format("'{}' is required", field));
  if (!it->is_number_integer())
    return make_error("invalid_field", fmt::format("'{}' must be an integer", field));
  const auto v = it->get<std::int64_t>();
  if (v < min || v > max)
    return make_error("invalid_field",
                      fmt::format("'{}' must be between {} and {}, not {}", field, min, max, v));
  return v;
}

Result<bool> optional_bool(const nlohmann::json& body, std::string_view field, bool fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    return make_error("invalid_field", fmt::format("'{}' must be true or false", field));
  return it->get<bool>();
}

Status only_fields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return make_error("unknown_field",
                        fmt::format("'{}' is not a field of this request (fields: {})", key, list));
    }
  }
  return ok_status();
}

std::optional<std::string> bearer_token(const http::HttpRequest& request) {
  const std::string* h = request.header("Authorization");
  if (h == nullptr || h->size() <= 7 ||
      !http::iequals(std::string_view(*h).substr(0, 7), "Bearer "))
    return std::nullopt;
  std::string token = h->substr(7);
  while (!token.empty() && token.front() == ' ') token.erase(token.begin());
  while (!token.empty() && token.back() == ' ') token.pop_back();
  if (token.empty()) return std::nullopt;
  return token;
}

const std::vector<ErrorCode>& error_codes() {
  static const std::vector<ErrorCode> codes = {
      // request shape
      {"bad_json", 400, "", "the body is not JSON"},
      {"not_an_object", 400, "", "the body is JSON but not an object"},
      {"missing_field", 400, "", "a required field is missing (the message names it)"},
      {"invalid_field", 400, "", "a field has the wrong type or value (the message names it)"},
      {"unknown_field", 400, "", "the body has a field this request does not take"},
      {"unauthorized", 401, "", "no or unknown bearer token: log in first"},
      {"not_found", 404, "", "no such resource"},
      // CLUB ID
      {"invalid_email", 400, "R20", "the CLUB ID must be an e-mail address"},
      {"weak_password", 400, "R20",
       "password: 8-16 half-width characters, letters and digits both, no symbols"},
      {"email_taken", 409, "R20", "a CLUB ID with this e-mail exists"},
      {"link_unknown", 404, "R21", "no such verification link"},
      {"link_expired", 410, "R21", "the verification link is older than 1 hour: sign up again"},
      {"not_verified", 403, "R21", "the verification mail's link was not followed yet"},
      {"login_failed", 401, "R20", "wrong e-mail or password"},
      {"sms_code_wrong", 401, "R22", "the SMS code does not match"},
      {"sms_code_expired", 410, "R22", "the SMS code expired: log in again"},
      {"invalid_phone", 400, "R22", "a phone number is 10-11 digits"},
      {"withdraw_on_web_only", 403, "R24", "a CLUB ID is withdrawn only on the web site"},
      {"social_provider_unknown", 400, "R23", "social sign-up knows line, google, apple, yahoo"},
      // unit channel
      {"unknown_model", 422, "R2", "only MKN704, MKN705 and MKN713 are supported"},
      {"session_unknown", 401, "", "the unit channel session is unknown or replaced: hello again"},
      {"command_unknown", 404, "", "no such command is waiting for a result"},
      {"deviceOffline", 503, "R1", "the unit is not connected to the cloud"},
      {"timeout", 504, "", "the unit did not answer within the command timeout"},
      {"unknown_unit", 404, "", "the cloud has never heard of this device code"},
      // server service
      {"already_registered", 409, "R50",
       "registered already: re-registering overwrites all accumulated data (overwrite: true)"},
      {"not_registered", 409, "R52", "the unit is not registered to the server service"},
      {"wrong_confirmation_code", 422, "R54", "the confirmation code does not match"},
      {"price_precision", 400, "R36", "a unit price in yen has at most 2 decimals"},
      // app back end
      {"unit_firmware_outdated", 409, "R13",
       "the unit's firmware is not the latest: update the unit first"},
      {"wrong_access_password", 403, "R32", "the access password does not match the unit's"},
      {"terms_not_agreed", 400, "R33", "registration by link code needs the terms agreed"},
      {"link_code_invalid", 403, "R53", "no such link code for this CLUB ID on this unit"},
      {"link_code_expired", 410, "R53", "the link code is older than 1 hour: issue a new one"},
      {"link_code_used", 409, "R53", "the link code was used already: issue a new one"},
      {"phone_limit", 409, "R40", "上限に達しています: 2 phones per CLUB ID"},
      {"nickname_taken", 409, "R41", "another phone on this CLUB ID has this nickname"},
      {"one_unit_per_app", 409, "R3", "one app registers exactly one AiSEG2"},
      {"model_change_code_unknown", 404, "R42", "no such model-change code"},
      {"model_change_code_expired", 410, "R42", "the model-change code is older than 1 week"},
      {"speaker_choice_required", 400, "R44",
       "with the speaker service, choose speakers: keep or delete"},
      {"not_confirmed", 400, "R44", "deletion needs confirm: true and really: true"},
      {"phone_unknown", 404, "", "no such phone on this CLUB ID"},
  };
  return codes;
}

const ErrorCode* find_error_code(std::string_view code) {
  for (const auto& c : error_codes())
    if (c.code == code) return &c;
  return nullptr;
}

ApiRoutes& ApiRoutes::add(std::string method, std::string path, RouteDoc doc,
                          http::Handler handler) {
  router_.add(method, path, std::move(handler));
  return document(std::move(method), std::move(path), std::move(doc));
}

ApiRoutes& ApiRoutes::add_async(std::string method, std::string path, RouteDoc doc,
                                http::AsyncHandler handler) {
  router_.add_async(method, path, std::move(handler));
  return document(std::move(method), std::move(path), std::move(doc));
}

ApiRoutes& ApiRoutes::document(std::string method, std::string path, RouteDoc doc) {
  routes_.push_back(Documented{std::move(method), std::move(path), std::move(doc)});
  return *this;
}

nlohmann::ordered_json ApiRoutes::openapi() const {
  using oj = nlohmann::ordered_json;
  oj doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", "hemsrig mock cloud"},
                 {"version", "1"},
                 {"description",
                  "The vendor's cloud as the rig simulates it (docs/cloud-api.md). Rules cite "
                  "../shared/DOMAIN.md."}};
  oj error_schema = {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"code", "message"}},
          {"properties",
           {{"code", {{"type", "string"}}},
            {"message", {{"type", "string"}}},
            {"rule", {{"type", "string"}, {"description", "the DOMAIN rule, e.g. R20"}}}}}}}}}};
  oj codes = oj::array();
  for (const auto& c : error_codes()) codes.push_back(c.code);
  error_schema["properties"]["error"]["properties"]["code"]["x-codes"] = codes;
  doc["components"] = {{"schemas", {{"Error", error_schema}}},
                       {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}};
  // Paths sorted, methods in the order added.
  std::map<std::string, std::vector<const Documented*>> by_path;
  for (const auto& r : routes_) by_path[r.path].push_back(&r);
  oj paths = oj::object();
  for (const auto& [path, list] : by_path) {
    oj item = oj::object();
    for (const Documented* r : list) {
      oj op;
      op["summary"] = r->doc.summary;
      if (!r->doc.tag.empty()) op["tags"] = {r->doc.tag};
      oj params = oj::array();
      std::size_t pos = 0;
      while ((pos = path.find('{', pos)) != std::string::npos) {
        const auto end = path.find('}', pos);
        params.push_back({{"name", path.substr(pos + 1, end - pos - 1)},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
        pos = end;
      }
      if (!params.empty()) op["parameters"] = params;
      if (r->doc.bearer) op["security"] = {{{"bearer", oj::array()}}};
      if (!r->doc.request.is_null())
        op["requestBody"] = {
            {"required", true},
            {"content", {{"application/json", {{"example", oj(r->doc.request)}}}}}};
      oj responses = oj::object();
      oj ok = {{"description", "OK"}};
      if (!r->doc.response.is_null())
        ok["content"] = {{"application/json", {{"example", oj(r->doc.response)}}}};
      responses["200"] = ok;
      std::map<int, std::vector<std::string>> by_status;
      for (const auto& code : r->doc.errors) {
        const ErrorCode* c = find_error_code(code);
        by_status[c ? c->status : 400].push_back(code);
      }
      if (r->doc.bearer) by_status[401].push_back("unauthorized");
      if (!r->doc.request.is_null()) {
        by_status[400].push_back("bad_json");
        by_status[400].push_back("not_an_object");
      }
      for (auto& [status, list2] : by_status) {
        std::sort(list2.begin(), list2.end());
        list2.erase(std::unique(list2.begin(), list2.end()), list2.end());
        std::string desc = "error codes: ";
        for (std::size_t i = 0; i < list2.size(); ++i) desc += (i ? ", " : "") + list2[i];
        responses[std::to_string(status)] = {
            {"description", desc},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
      }
      op["responses"] = responses;
      std::string method = r->method;
      std::transform(method.begin(), method.end(), method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      item[method] = op;
    }
    paths[path] = item;
  }
  doc["paths"] = paths;
  return doc;
}

}  // namespace hemsrig::cloud
