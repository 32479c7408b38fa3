#include "devices/cloud/server_service.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace hemsrig::cloud {

namespace {

constexpr std::array<std::string_view, 47> kPrefectures = {
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"};

// DOMAIN R36: yen with at most 2 decimals, as a string ("27.50") or a JSON number.
Result<std::string> parse_yen(const nlohmann::json& body, std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null())
    return make_error("missing_field", fmt::format("'{}' is required", field));
  std::string text;
  if (it->is_string()) {
    text = it->get<std::string>();
  } else if (it->is_number()) {
    text = it->dump();
  } else {
    return make_error("invalid_field", fmt::format("'{}' must be a price in yen", field));
  }
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 6 || !digits(whole) || !digits(frac) ||
      (dot != std::string::npos && frac.empty()))
    return make_error(
        "invalid_field",
        fmt::format("'{}' must be a price in yen such as 27.50, not '{}'", field, text));
  if (frac.size() > 2)
    return make_error("price_precision",
                      fmt::format("'{}' = {}: a unit price in yen has at most 2 decimals (DOMAIN "
                                  "R36)",
                                  field, text));
  return text;
}

Result<std::string> one_of(const nlohmann::json& body, std::string_view field,
                           std::initializer_list<std::string_view> allowed) {
  auto v = required_string(body, field, 64);
  if (!v) return v.error();
  if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : " or ") + std::string(a);
    return make_error("invalid_field",
                      fmt::format("'{}' must be {}, not '{}' (DOMAIN R35)", field, list, *v));
  }
  return v;
}

}  // namespace

Result<Household> parse_household(const nlohmann::json& body) {
  if (!body.is_object())
    return make_error("invalid_field", "'household' must be an object (DOMAIN R35)");
  if (auto st = only_fields(
          body, {"prefecture", "region", "municipality", "household_size", "building", "energy"});
      !st)
    return st.error();
  Household h;
  auto pref = required_string(body, "prefecture", 32);
  if (!pref) return pref.error();
  if (std::find(kPrefectures.begin(), kPrefectures.end(), *pref) == kPrefectures.end())
    return make_error("invalid_field",
                      fmt::format("'prefecture' must be one of the 47 prefectures (東京都, "
                                  "大阪府, ...), not '{}' (DOMAIN R35)",
                                  *pref));
  h.prefecture = *pref;
  auto region = required_string(body, "region", 64);
  if (!region) return region.error();
  h.region = *region;
  auto muni = required_string(body, "municipality", 64);
  if (!muni) return muni.error();
  h.municipality = *muni;
  auto size = required_int(body, "household_size", 1, 20);
  if (!size) return size.error();
  h.household_size = static_cast<int>(*size);
  auto building = one_of(body, "building", {"detached", "apartment"});
  if (!building) return building.error();
  h.building = *building;
  auto energy = one_of(body, "energy", {"electricity_only", "electricity_and_gas"});
  if (!energy) return energy.error();
  h.energy = *energy;
  return h;
}

Result<Prices> parse_prices(const nlohmann::json& body) {
  if (!body.is_object()) return make_error("invalid_field", "'prices' must be an object (R36)");
  if (auto st =
          only_fields(body, {"electricity_company", "electricity_plan", "sell", "water", "gas"});
      !st)
    return st.error();
  Prices p;
  auto company = required_string(body, "electricity_company", 64);
  if (!company) return company.error();
  p.electricity_company = *company;
  auto plan = required_string(body, "electricity_plan", 64);
  if (!plan) return plan.error();
  p.electricity_plan = *plan;
  for (auto [field, out] :
       {std::pair{"sell", &p.sell}, std::pair{"water", &p.water}, std::pair{"gas", &p.gas}}) {
    auto v = parse_yen(body, field);
    if (!v) return v.error();
    *out = *v;
  }
  return p;
}

nlohmann::json to_json(const Household& h) {
  return {{"prefecture", h.prefecture},     {"region", h.region},
          {"municipality", h.municipality}, {"household_size", h.household_size},
          {"building", h.building},         {"energy", h.energy}};
}

nlohmann::json to_json(const Prices& p) {
  return {{"electricity_company", p.electricity_company},
          {"electricity_plan", p.electricity_plan},
          {"sell", p.sell},
          {"water", p.water},
          {"gas", p.gas}};
}

std::string ServerService::new_code() {
  return fmt::format("{:06}", engine_.rng()() % 1000000);  // DOMAIN R37: 6 digits
}

Result<std::string> ServerService::register_unit(const std::string& device_code,
                                                 Household household, bool overwrite) {
  UnitRecord& u = units_.ensure(device_code);
  if (u.server.registered && !overwrite)
    return make_error("already_registered",
                      "the unit is registered to the server service already; re-registering "
                      "overwrites and loses all accumulated data (DOMAIN R50): send overwrite: "
                      "true to go on");
  const bool again = u.server.registered;
  u.server.registered = true;
  u.server.confirmed = false;
  u.server.household = std::move(household);
  if (again) {
    // DOMAIN R50: a re-registration starts a new history; prices are asked again.
    ++u.server.history_epoch;
    u.server.prices.reset();
  }
  u.server.confirmation_code = new_code();
  events_.emit("cloud.server_registered", {{"device_code", device_code},
                                           {"history_epoch", u.server.history_epoch},
                                           {"overwrite", again}});
  return u.server.confirmation_code;
}

Status ServerService::confirm(const std::string& device_code, const std::string& code) {
  UnitRecord* u = units_.find_mutable(device_code);
  if (u == nullptr || !u->server.registered)
    return make_error("not_registered",
                      "the unit is not registered to the server service (DOMAIN R52)");
  if (u->server.confirmation_code != code)
    return make_error("wrong_confirmation_code",
                      "the confirmation code does not match the one issued (DOMAIN R54)");
  u->server.confirmed = true;
  return ok_status();
}

Result<std::string> ServerService::renew_code(const std::string& device_code) {
  UnitRecord* u = units_.find_mutable(device_code);
  if (u == nullptr || !u->server.registered)
    return make_error("not_registered",
                      "the unit is not registered to the server service (DOMAIN R52)");
  u->server.confirmation_code = new_code();
  u->server.confirmed = false;
  return u->server.confirmation_code;
}

void ServerService::add_routes(ApiRoutes& routes) {
  // Every route needs a CLUB ID login and a device code of 10 digits.
  struct Caller {
    std::string club_id;
    std::string device_code;
  };
  auto caller = [this](const http::HttpRequest& req) -> Result<Caller> {
    auto owner = club_ids_.session_owner(bearer_token(req).value_or(""));
    if (!owner) return make_error("unauthorized", "log in with a CLUB ID first");
    auto dc = normalize_device_code(req.path_params.at("device_code"));
    if (!dc)
      return make_error("invalid_field",
                        "'device_code' must be 10 digits, a hyphen allowed (DOMAIN R51)");
    return Caller{*owner, *dc};
  };
  auto status_json = [](const UnitRecord* u) {
    const bool registered = u != nullptr && u->server.registered;
    return nlohmann::json{
        {"registered", registered},
        {"status", registered ? "登録済み" : "未登録"},
        {"confirmed", registered && u->server.confirmed},
        {"history_epoch", u ? u->server.history_epoch : 0},
        {"household",
         u && u->server.household ? to_json(*u->server.household) : nlohmann::json(nullptr)},
        {"prices", u && u->server.prices ? to_json(*u->server.prices) : nlohmann::json(nullptr)}};
  };
  const nlohmann::json household = {{"prefecture", "大阪府"},   {"region", "大阪府"},
                                    {"municipality", "門真市"}, {"household_size", 4},
                                    {"building", "detached"},   {"energy", "electricity_only"}};
  const nlohmann::json prices = {{"electricity_company", "関西電力"},
                                 {"electricity_plan", "従量電灯A"},
                                 {"sell", "16.00"},
                                 {"water", "150.50"},
                                 {"gas", "180.25"}};
  routes.add("GET", "/v1/server-service/{device_code}",
             {"Registration status of a unit (DOMAIN R52)",
              "server-service",
              nullptr,
              {{"registered", true},
               {"status", "登録済み"},
               {"confirmed", true},
               {"history_epoch", 0},
               {"household", household},
               {"prices", nullptr}},
              {"invalid_field"},
              true},
             [this, caller, status_json](const http::HttpRequest& req) {
               auto c = caller(req);
               if (!c) return api_error(c.error(), 401);
               return json_reply(200, status_json(units_.find(c->device_code)));
             });
  routes.add(
      "POST", "/v1/server-service/{device_code}/registration",
      {"Registers the unit with household settings (R35) and optional prices (R36); "
       "issues the 6-digit confirmation code (R37). A registered unit needs "
       "overwrite: true, which starts a new history epoch (R50)",
       "server-service",
       {{"household", household}, {"prices", prices}, {"overwrite", false}},
       {{"confirmation_code", "909580"}, {"history_epoch", 0}},
       {"missing_field", "invalid_field", "unknown_field", "price_precision", "already_registered"},
       true},
      [this, caller](const http::HttpRequest& req) {
        auto c = caller(req);
        if (!c) return api_error(c.error(), 401);
        auto body = json_object_body(req);
        if (!body) return api_error(body.error());
        if (auto st = only_fields(*body, {"household", "prices", "overwrite"}); !st)
          return api_error(st.error());
        if (!body->contains("household"))
          return api_error(400, "missing_field", "'household' is required (DOMAIN R35)", "R35");
        auto h = parse_household(body->at("household"));
        if (!h) return api_error(h.error());
        std::optional<Prices> p;
        if (body->contains("prices") && !body->at("prices").is_null()) {
          auto parsed = parse_prices(body->at("prices"));
          if (!parsed) return api_error(parsed.error());
          p = *parsed;
        }
        auto overwrite = optional_bool(*body, "overwrite", false);
        if (!overwrite) return api_error(overwrite.error());
        // Everything is checked before anything changes.
        auto code = register_unit(c->device_code, *h, *overwrite);
        if (!code) return api_error(code.error());
        UnitRecord& u = units_.ensure(c->device_code);
        if (p) u.server.prices = *p;
        return json_reply(
            200, {{"confirmation_code", *code}, {"history_epoch", u.server.history_epoch}});
      });
  routes.add("POST", "/v1/server-service/{device_code}/confirm",
             {"Types the confirmation code back (DOMAIN R54); a wrong one is refused",
              "server-service",
              {{"confirmation_code", "909580"}},
              {{"confirmed", true}},
              {"missing_field", "invalid_field", "wrong_confirmation_code", "not_registered"},
              true},
             [this, caller](const http::HttpRequest& req) {
               auto c = caller(req);
               if (!c) return api_error(c.error(), 401);
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               auto code = required_string(*body, "confirmation_code", 16);
               if (!code) return api_error(code.error());
               if (auto st = confirm(c->device_code, *code); !st) return api_error(st.error());
               return json_reply(200, {{"confirmed", true}});
             });
  routes.add("POST", "/v1/server-service/{device_code}/confirmation-code",
             {"Renews the confirmation code (DOMAIN R37: renewing is recommended)",
              "server-service",
              nullptr,
              {{"confirmation_code", "123456"}},
              {"invalid_field", "not_registered"},
              true},
             [this, caller](const http::HttpRequest& req) {
               auto c = caller(req);
               if (!c) return api_error(c.error(), 401);
               auto code = renew_code(c->device_code);
               if (!code) return api_error(code.error());
               return json_reply(200, {{"confirmation_code", *code}});
             });
  routes.add("PUT", "/v1/server-service/{device_code}/household",
             {"Changes the household settings, every field required (DOMAIN R35)",
              "server-service",
              household,
              {{"household", household}},
              {"missing_field", "invalid_field", "unknown_field", "not_registered"},
              true},
             [this, caller](const http::HttpRequest& req) {
               auto c = caller(req);
               if (!c) return api_error(c.error(), 401);
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               auto h = parse_household(*body);
               if (!h) return api_error(h.error());
               UnitRecord* u = units_.find_mutable(c->device_code);
               if (u == nullptr || !u->server.registered)
                 return api_error(409, "not_registered",
                                  "register the unit to the server service first", "R52");
               u->server.household = *h;
               return json_reply(200, {{"household", to_json(*h)}});
             });
  routes.add(
      "PUT", "/v1/server-service/{device_code}/prices",
      {"Sets the price settings: yen with at most 2 decimals (DOMAIN R36)",
       "server-service",
       prices,
       {{"prices", prices}},
       {"missing_field", "invalid_field", "unknown_field", "price_precision", "not_registered"},
       true},
      [this, caller](const http::HttpRequest& req) {
        auto c = caller(req);
        if (!c) return api_error(c.error(), 401);
        auto body = json_object_body(req);
        if (!body) return api_error(body.error());
        auto p = parse_prices(*body);
        if (!p) return api_error(p.error());
        UnitRecord* u = units_.find_mutable(c->device_code);
        if (u == nullptr || !u->server.registered)
          return api_error(409, "not_registered", "register the unit to the server service first",
                           "R52");
        u->server.prices = *p;
        return json_reply(200, {{"prices", to_json(*p)}});
      });
}

}  // namespace hemsrig::cloud
