#include "sim/http/fault_admin.hpp"

#include <nlohmann/json.hpp>

#include "sim/http/fault_plan.hpp"

namespace hemsrig::http {

using nlohmann::json;

namespace {

HttpResponse json_response(int status, const json& body) {
  HttpResponse r = HttpResponse::json(body.dump());
  r.status = status;
  return r;
}

HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  return json_response(status, json{{"error", {{"code", code}, {"message", message}}}});
}

HttpResponse error_response(int status, const Error& e) {
  return error_response(status, e.code, e.message);
}

HttpResponse set_offline(FaultInjector& faults, const HttpRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return error_response(400, "bad_json", "the body is not valid JSON");
  if (!body.is_object()) {
    return error_response(400, "bad_request", "the body must be {\"offline\": true|false}");
  }
  bool offline = false;
  double for_ms = 0;
  bool have_offline = false;
  for (const auto& [key, value] : body.items()) {
    if (key == "offline") {
      if (!value.is_boolean())
        return error_response(400, "bad_request", "offline: must be true or false");
      offline = value.get<bool>();
      have_offline = true;
    } else if (key == "for_ms") {
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1e9) {
        return error_response(400, "bad_request", "for_ms: must be a number of milliseconds >= 0");
      }
      for_ms = value.get<double>();
    } else {
      return error_response(400, "bad_request", key + ": unknown key (offline, for_ms)");
    }
  }
  if (!have_offline) return error_response(400, "bad_request", "offline: missing");
  faults.set_offline(offline, std::chrono::duration_cast<sim::Duration>(
                                  std::chrono::duration<double, std::milli>(for_ms)));
  return json_response(200, json{{"offline", faults.offline()}});
}

}  // namespace

void add_fault_admin_routes(Router& router, std::shared_ptr<FaultInjector> faults,
                            RouteAccess access) {
  router.add(
      "POST", "/admin/faults",
      [faults](const HttpRequest& request) {
        auto rule = parse_fault_rule_text(request.body);
        if (!rule) return error_response(400, rule.error());
        auto id = faults->add(std::move(*rule));
        if (!id) return error_response(id.error().code == "duplicate_id" ? 409 : 400, id.error());
        return json_response(201, json{{"id", *id}});
      },
      access);
  router.add(
      "GET", "/admin/faults",
      [faults](const HttpRequest&) {
        return json_response(200, fault_plan_json(faults->plan(), true));
      },
      access);
  router.add(
      "DELETE", "/admin/faults",
      [faults](const HttpRequest&) {
        faults->clear();
        return HttpResponse::text(204, "");
      },
      access);
  router.add(
      "DELETE", "/admin/faults/{id}",
      [faults](const HttpRequest& request) {
        const auto& id = request.path_params.at("id");
        if (!faults->remove(id)) {
          return error_response(404, "no_such_rule", "there is no fault rule '" + id + "'");
        }
        return HttpResponse::text(204, "");
      },
      access);
  router.add(
      "PUT", "/admin/offline",
      [faults](const HttpRequest& request) { return set_offline(*faults, request); }, access);
}

}  // namespace hemsrig::http
