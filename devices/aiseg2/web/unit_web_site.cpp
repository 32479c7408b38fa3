#include "devices/aiseg2/web/unit_web_site.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <nlohmann/json.hpp>

#include "devices/aiseg2/web/script_body.hpp"
#include "devices/aiseg2/web/web_pages.hpp"

namespace hemsrig::aiseg2 {

using http::HttpRequest;
using http::HttpResponse;

namespace {

int page_number(const HttpRequest& r, const char* name) {
  const std::string text = r.query_param(name, "1");
  int value = 1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return 1;
  return value;
}

// A JSON string or number as text ("48" and 48 alike); nullopt otherwise.
std::optional<std::string> text_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return std::nullopt;
}

// "0x029101", "029101" or "48" (decimal when no 0x) as a number.
std::optional<std::uint32_t> number_of(const std::optional<std::string>& text, bool hex) {
  if (!text || text->empty()) return std::nullopt;
  std::string_view s = *text;
  int base = hex ? 16 : 10;
  if (s.starts_with("0x") || s.starts_with("0X")) {
    s.remove_prefix(2);
    base = 16;
  }
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Control and check replies carry strings (AISEG2-FACTS, seen).
HttpResponse control_reply(const std::string& result, const std::string& accept_id,
                           const std::string& error_info) {
  nlohmann::ordered_json j;
  j["result"] = result;
  j["acceptId"] = accept_id;
  j["errorInfo"] = error_info;
  return HttpResponse::json(j.dump());
}

// A refused change: result "1" and the reason in errorInfo (our choice; nothing public).
HttpResponse refused(const std::string& why) {
  return control_reply("1", "-", why);
}

std::string url_base_of(const HttpRequest& r, const std::string& fallback) {
  if (const auto* host = r.header("Host"); host && !host->empty()) return "http://" + *host + "/";
  return fallback;
}

}  // namespace

UnitWebSite::UnitWebSite(UnitWebState state, UnitWebSiteOptions options, UnitWebActions* actions)
    : state_(std::move(state)),
      options_(std::move(options)),
      actions_(actions),
      auth_(options_.auth, options_.password, options_.clock) {}

HttpResponse UnitWebSite::page(std::string body) {
  return HttpResponse::html(std::move(body));
}

HttpResponse UnitWebSite::setting_page(std::string body) {
  setting_mode_ = true;  // held until /page/myhome/9 (AISEG2-FACTS, reported)
  return page(std::move(body));
}

void UnitWebSite::install(http::Router& router) {
  router.set_guard(auth_.guard());
  router.post("/data/electricflow/111/update", [this](const HttpRequest&) {
    // The body (raw, encoded or empty) asks nothing we need; every form gets the data.
    return HttpResponse::json(web::electricflow_json(state_));
  });
  router.get("/page/electricflow/111",
             [this](const HttpRequest&) { return page(web::electricflow_page(state_)); });
  router.get("/page/electricflow/1113", [this](const HttpRequest& r) {
    return page(web::circuits_page(state_, page_number(r, "id")));
  });
  router.get("/page/devices/device/32", [this](const HttpRequest& r) {
    const int wanted = std::clamp(page_number(r, "page"), 1, web::device_page_count(state_));
    const int old_page = last_list_page_;
    last_list_page_ = wanted;
    return page(web::device_list_page(state_, wanted, old_page));
  });
  router.get("/page/devices/device/32i1", [this](const HttpRequest& r) {
    return page(web::lighting_page(state_, page_number(r, "page")));
  });
  router.post("/action/devices/device/32i1/change",
              [this](const HttpRequest& r) { return handle_lighting_change(r); });
  router.post("/data/devices/device/32i1/check",
              [this](const HttpRequest& r) { return handle_lighting_check(r); });
  router.get("/page/setting/etc/743",
             [this](const HttpRequest&) { return setting_page(web::version_page(state_)); });
  router.get("/page/myhome/9", [this](const HttpRequest&) {
    setting_mode_ = false;
    return page(web::myhome_page(state_));
  });
  router.get(
      "/description.xml",
      [this](const HttpRequest& r) {
        return HttpResponse::xml(web::description_xml(state_, url_base_of(r, options_.url_base)));
      },
      http::RouteAccess::Open);
}

HttpResponse UnitWebSite::handle_lighting_change(const HttpRequest& r) {
  auto body = web::parse_script_body(r.body);
  if (!body || !body->is_object()) return refused("bad_body");
  const nlohmann::json& j = *body;
  // The token the pages hand out must come back when a client sends one (our choice: a
  // request without a token is let through).
  if (const auto token = text_of(j, "token"); token && *token != std::to_string(state_.token)) {
    return refused("token");
  }
  const auto node_id = number_of(text_of(j, "nodeId"), false);
  const auto eoj = number_of(text_of(j, "eoj"), true);
  if (!node_id || !eoj) return refused("no_device");
  const UnitWebState::Appliance* target = nullptr;
  for (const auto& a : state_.appliances) {
    if (a.node_id == *node_id && a.eoj == *eoj) target = &a;
  }
  if (target == nullptr || target->type != web_type::kLighting) return refused("no_device");

  ControlRequest request{*node_id, *eoj, target->type, {}};
  if (auto it = j.find("device"); it != j.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (value.is_string()) {
        request.changes[key] = value.get<std::string>();
      } else if (value.is_number_integer()) {
        request.changes[key] = std::to_string(value.get<long long>());
      }
    }
  }
  if (actions_ == nullptr) return refused("no_controller");
  auto accepted = actions_->start_control(request);
  if (!accepted) return refused(accepted.error().code);
  return control_reply("0", *accepted, "-");
}

HttpResponse UnitWebSite::handle_lighting_check(const HttpRequest& r) {
  auto body = web::parse_script_body(r.body);
  const auto accept_id = body ? text_of(*body, "acceptId") : std::nullopt;
  if (!accept_id || accept_id->empty()) return control_reply("2", "-", "bad_body");
  if (actions_ == nullptr) return control_reply("2", *accept_id, "no_controller");
  const ControlStatus status = actions_->control_status(*accept_id);
  return control_reply(std::to_string(static_cast<int>(status)), *accept_id, "-");
}

}  // namespace hemsrig::aiseg2
