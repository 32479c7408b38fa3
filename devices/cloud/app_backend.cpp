#include "devices/cloud/app_backend.hpp"

#include <chrono>

#include <fmt/format.h>

#include "devices/aiseg2/utf8.hpp"

namespace hemsrig::cloud {

namespace {

std::int64_t ms(sim::Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
}

nlohmann::json phone_json(const Phone& p) {
  return {{"phone_id", p.id},
          {"nickname", p.nickname},
          {"club_id", p.club_id},
          {"device_code", p.device_code}};
}

}  // namespace

AppBackend::AppBackend(sim::Engine& engine, ClubIdService& club_ids, UnitDirectory& units,
                       FirmwareDistribution& firmware, CloudEvents& events,
                       AppBackendOptions options)
    : engine_(engine),
      club_ids_(club_ids),
      units_(units),
      firmware_(firmware),
      events_(events),
      options_(options) {
  // R24/R44: a withdrawn CLUB ID takes its phones with it.
  club_ids_.on_withdrawn([this](const std::string& email) {
    std::erase_if(phones_, [&](const auto& kv) { return kv.second.club_id == email; });
  });
}

std::string AppBackend::new_id(std::string_view prefix, int digits) {
  for (;;) {
    std::string id(prefix);
    for (int i = 0; i < digits; ++i) id.push_back(static_cast<char>('0' + engine_.rng()() % 10));
    if (!phones_.contains(id) && !change_codes_.contains(id)) return id;
  }
}

std::vector<const Phone*> AppBackend::phones_of(const std::string& club_id) const {
  std::vector<const Phone*> out;
  for (const auto& [id, p] : phones_)
    if (p.club_id == club_id) out.push_back(&p);
  return out;
}

std::vector<const Phone*> AppBackend::users_of_unit(const std::string& device_code) const {
  std::vector<const Phone*> out;
  for (const auto& [id, p] : phones_)
    if (p.device_code == device_code) out.push_back(&p);
  return out;
}

Result<const Phone*> AppBackend::register_phone(const std::string& club_id, const Registration& r) {
  auto cps = aiseg2::decode_utf8(r.nickname);
  if (!cps || cps->empty() || cps->size() > 20)
    return make_error("invalid_field", "'nickname' must be 1 to 20 characters of UTF-8");
  auto dc = normalize_device_code(r.device_code);
  if (!dc)
    return make_error("invalid_field",
                      "'device_code' must be 10 digits, a hyphen allowed (DOMAIN R32)");
  const UnitRecord* unit = units_.find(*dc);
  if (unit == nullptr || unit->model.empty())
    return make_error("unknown_unit",
                      fmt::format("no AiSEG2 with device code {} has reached the cloud: check "
                                  "the code and that the unit is online (DOMAIN R1)",
                                  *dc));
  // DOMAIN R13: the app refuses a unit whose firmware is not the latest.
  if (const auto* latest = firmware_.latest(unit->model);
      latest != nullptr && latest->version != unit->firmware)
    return make_error("unit_firmware_outdated",
                      fmt::format("the AiSEG2 runs {} but {} is the latest for {}: update the "
                                  "AiSEG2's firmware, then register again (DOMAIN R13)",
                                  unit->firmware, latest->version, unit->model));
  const auto mine = phones_of(club_id);
  // DOMAIN R40: at most 2 phones per CLUB ID.
  if (static_cast<int>(mine.size()) >= options_.max_phones_per_id)
    return make_error("phone_limit",
                      fmt::format("上限に達しています: a CLUB ID may register at most {} phones "
                                  "(DOMAIN R40)",
                                  options_.max_phones_per_id));
  for (const Phone* p : mine) {
    // DOMAIN R41: a second phone on the same ID needs a different nickname.
    if (p->nickname == r.nickname)
      return make_error("nickname_taken",
                        fmt::format("another phone of this CLUB ID is called '{}': choose a "
                                    "different nickname (DOMAIN R41)",
                                    r.nickname));
    // DOMAIN R3: one app registers exactly one AiSEG2.
    if (p->device_code != *dc)
      return make_error("one_unit_per_app",
                        fmt::format("this CLUB ID's app is registered to the AiSEG2 {} already; "
                                    "one app registers exactly one AiSEG2 (DOMAIN R3)",
                                    p->device_code));
  }
  if (!r.link_code.empty()) {
    // DOMAIN R33: agree to the terms, then nickname + device code + link code.
    if (!r.terms_agreed)
      return make_error("terms_not_agreed",
                        "registering by link code needs the terms agreed (terms_agreed: true, "
                        "DOMAIN R33)");
    if (auto st = units_.consume_link_code(*dc, r.link_code, club_id); !st) return st.error();
  } else if (r.access_password != unit->access_password) {
    // DOMAIN R32: the access password (factory: the device code's 10 digits).
    return make_error("wrong_access_password",
                      "the access password does not match the AiSEG2's (factory setting: the "
                      "device code's 10 digits, DOMAIN R32)");
  }
  Phone p{new_id("ph-", 10), club_id, r.nickname, *dc, engine_.now()};
  events_.emit("cloud.phone_registered",
               {{"club_id", club_id},
                {"nickname", p.nickname},
                {"device_code", *dc},
                {"by", r.link_code.empty() ? "access_password" : "link_code"}});
  const std::string id = p.id;
  return &phones_.emplace(id, std::move(p)).first->second;
}

void AppBackend::delete_account(const std::string& club_id, bool delete_speakers) {
  std::erase_if(phones_, [&](const auto& kv) { return kv.second.club_id == club_id; });
  std::erase_if(change_codes_,
                [&](const auto& kv) { return !phones_.contains(kv.second.phone_id); });
  if (delete_speakers && speakers_.delete_speakers) speakers_.delete_speakers(club_id);
  events_.emit("cloud.app_account_deleted",
               {{"club_id", club_id}, {"speakers", delete_speakers ? "deleted" : "kept"}});
}

void AppBackend::add_routes(ApiRoutes& routes) {
  auto owner_of = [this](const http::HttpRequest& req) {
    return club_ids_.session_owner(bearer_token(req).value_or(""));
  };
  const auto unauthorized = [] { return api_error(401, "unauthorized", "log in with a CLUB ID"); };

  routes.add(
      "POST", "/v1/app/phones",
      {"Registers this phone's app to a unit: nickname + device code + access password (R32) "
       "or + link code with the terms agreed (R33). Refuses a unit whose firmware is not the "
       "latest (R13), a third phone (R40), a nickname taken on the ID (R41), a second unit "
       "(R3). Answers the unit's other users (R34) and what settings are still to do (R35/R36)",
       "app",
       {{"nickname", "たろうのスマホ"},
        {"device_code", "99999-50072"},
        {"access_password", "9999950072"}},
       {{"phone_id", "ph-0123456789"},
        {"device_code", "9999950072"},
        {"other_users", {"はなこ"}},
        {"household_set", true},
        {"prices_set", false},
        {"server_registered", true}},
       {"missing_field", "invalid_field", "unknown_field", "unknown_unit", "unit_firmware_outdated",
        "wrong_access_password", "terms_not_agreed", "link_code_invalid", "link_code_expired",
        "link_code_used", "phone_limit", "nickname_taken", "one_unit_per_app"},
       true},
      [this, owner_of, unauthorized](const http::HttpRequest& req) {
        auto owner = owner_of(req);
        if (!owner) return unauthorized();
        auto body = json_object_body(req);
        if (!body) return api_error(body.error());
        if (auto st = only_fields(
                *body, {"nickname", "device_code", "access_password", "link_code", "terms_agreed"});
            !st)
          return api_error(st.error());
        Registration r;
        auto nickname = required_string(*body, "nickname", 80);
        if (!nickname) return api_error(nickname.error());
        r.nickname = *nickname;
        auto dc = required_string(*body, "device_code", 16);
        if (!dc) return api_error(dc.error());
        r.device_code = *dc;
        auto password = optional_string(*body, "access_password", 64);
        if (!password) return api_error(password.error());
        auto link = optional_string(*body, "link_code", 32);
        if (!link) return api_error(link.error());
        if (password->has_value() == link->has_value())
          return api_error(400, "missing_field",
                           "send either 'access_password' (DOMAIN R32) or 'link_code' (DOMAIN "
                           "R33)");
        r.access_password = password->value_or("");
        r.link_code = link->value_or("");
        auto terms = optional_bool(*body, "terms_agreed", false);
        if (!terms) return api_error(terms.error());
        r.terms_agreed = *terms;
        auto phone = register_phone(*owner, r);
        if (!phone) return api_error(phone.error());
        nlohmann::json others = nlohmann::json::array();
        for (const Phone* p : users_of_unit((*phone)->device_code))
          if (p->club_id != *owner) others.push_back(p->nickname);
        const UnitRecord* u = units_.find((*phone)->device_code);
        return json_reply(200, {{"phone_id", (*phone)->id},
                                {"device_code", (*phone)->device_code},
                                {"other_users", others},
                                {"household_set", u->server.household.has_value()},
                                {"prices_set", u->server.prices.has_value()},
                                {"server_registered", u->server.registered}});
      });
  routes.add("GET", "/v1/app/phones",
             {"The phones registered with this CLUB ID (DOMAIN R40)",
              "app",
              nullptr,
              {{"phones",
                {{{"phone_id", "ph-0123456789"},
                  {"nickname", "たろうのスマホ"},
                  {"club_id", "taro@example.jp"},
                  {"device_code", "9999950072"}}}}},
              {},
              true},
             [this, owner_of, unauthorized](const http::HttpRequest& req) {
               auto owner = owner_of(req);
               if (!owner) return unauthorized();
               nlohmann::json list = nlohmann::json::array();
               for (const Phone* p : phones_of(*owner)) list.push_back(phone_json(*p));
               return json_reply(200, {{"phones", list}});
             });
  routes.add(
      "GET", "/v1/app/users",
      {"The users registered on this ID's unit, so unneeded ones can be deleted "
       "(DOMAIN R34)",
       "app",
       nullptr,
       {{"device_code", "9999950072"},
        {"users", {{{"phone_id", "ph-1"}, {"nickname", "はなこ"}, {"you", false}}}}},
       {"phone_unknown"},
       true},
      [this, owner_of, unauthorized](const http::HttpRequest& req) {
        auto owner = owner_of(req);
        if (!owner) return unauthorized();
        const auto mine = phones_of(*owner);
        if (mine.empty())
          return api_error(404, "phone_unknown", "no phone of this CLUB ID is registered");
        nlohmann::json list = nlohmann::json::array();
        for (const Phone* p : users_of_unit(mine.front()->device_code))
          list.push_back(
              {{"phone_id", p->id}, {"nickname", p->nickname}, {"you", p->club_id == *owner}});
        return json_reply(200, {{"device_code", mine.front()->device_code}, {"users", list}});
      });
  routes.add("DELETE", "/v1/app/phones/{phone_id}",
             {"Deletes a phone of this ID, or another user of the same unit (DOMAIN R34)",
              "app",
              nullptr,
              {{"deleted", "ph-1"}},
              {"phone_unknown"},
              true},
             [this, owner_of, unauthorized](const http::HttpRequest& req) {
               auto owner = owner_of(req);
               if (!owner) return unauthorized();
               auto it = phones_.find(req.path_params.at("phone_id"));
               const auto mine = phones_of(*owner);
               const bool allowed =
                   it != phones_.end() &&
                   (it->second.club_id == *owner ||
                    (!mine.empty() && mine.front()->device_code == it->second.device_code));
               if (!allowed)
                 return api_error(404, "phone_unknown",
                                  "no such phone on this CLUB ID or its unit");
               const std::string id = it->first;
               phones_.erase(it);
               return json_reply(200, {{"deleted", id}});
             });
  routes.add(
      "POST", "/v1/app/model-change-codes",
      {"Issues a model-change code for one of this ID's phones, valid 1 week (DOMAIN "
       "R42)",
       "app",
       {{"phone_id", "ph-0123456789"}},
       {{"code", "12345678"}, {"expires_at_ms", 604800000}},
       {"missing_field", "invalid_field", "phone_unknown"},
       true},
      [this, owner_of, unauthorized](const http::HttpRequest& req) {
        auto owner = owner_of(req);
        if (!owner) return unauthorized();
        auto body = json_object_body(req);
        if (!body) return api_error(body.error());
        auto id = required_string(*body, "phone_id", 32);
        if (!id) return api_error(id.error());
        auto it = phones_.find(*id);
        if (it == phones_.end() || it->second.club_id != *owner)
          return api_error(404, "phone_unknown", "no such phone on this CLUB ID");
        std::erase_if(change_codes_, [&](const auto& kv) { return kv.second.phone_id == *id; });
        ModelChangeCode c{new_id("", 8), *id, engine_.now() + options_.model_change_code_lifetime};
        const nlohmann::json answer = {{"code", c.code}, {"expires_at_ms", ms(c.expires_at)}};
        change_codes_.emplace(c.code, c);
        return json_reply(200, answer);
      });
  routes.add(
      "POST", "/v1/app/model-change",
      {"The new phone, logged in with the same ID, enters the model-change code and "
       "takes over the old phone's registration (DOMAIN R42)",
       "app",
       {{"code", "12345678"}},
       {{"phone_id", "ph-9876543210"},
        {"nickname", "たろうのスマホ"},
        {"device_code", "9999950072"},
        {"screen", "timeline"}},
       {"missing_field", "invalid_field", "model_change_code_unknown", "model_change_code_expired"},
       true},
      [this, owner_of, unauthorized](const http::HttpRequest& req) {
        auto owner = owner_of(req);
        if (!owner) return unauthorized();
        auto body = json_object_body(req);
        if (!body) return api_error(body.error());
        auto code = required_string(*body, "code", 32);
        if (!code) return api_error(code.error());
        auto it = change_codes_.find(*code);
        auto old = it == change_codes_.end() ? phones_.end() : phones_.find(it->second.phone_id);
        if (old == phones_.end() || old->second.club_id != *owner)
          return api_error(404, "model_change_code_unknown",
                           "no such model-change code for this CLUB ID (DOMAIN R42)", "R42");
        // DOMAIN R42: valid 1 week (a parameter): valid while now < issued + lifetime.
        if (engine_.now() >= it->second.expires_at) {
          change_codes_.erase(it);
          return api_error(410, "model_change_code_expired",
                           "the model-change code has expired (valid 1 week): issue a "
                           "new one on the old phone (DOMAIN R42)",
                           "R42");
        }
        Phone next = old->second;
        next.id = new_id("ph-", 10);
        next.registered_at = engine_.now();
        phones_.erase(old);
        change_codes_.erase(it);
        events_.emit("cloud.model_change", {{"club_id", *owner}, {"phone_id", next.id}});
        nlohmann::json answer = phone_json(next);
        answer["screen"] = "timeline";
        phones_.emplace(next.id, std::move(next));
        return json_reply(200, answer);
      });
  routes.add("POST", "/v1/app/logout",
             {"Logs the app out (DOMAIN R43)",
              "app",
              nullptr,
              {{"message", "ログアウトしました"}},
              {},
              true},
             [this, unauthorized](const http::HttpRequest& req) {
               auto token = bearer_token(req);
               if (!token || !club_ids_.session_owner(*token)) return unauthorized();
               club_ids_.logout(*token);
               return json_reply(200, {{"message", "ログアウトしました"}});
             });
  routes.add("DELETE", "/v1/app/account",
             {"Deletes the app account: confirm and really must be true; with the speaker service, "
              "speakers is keep or delete (DOMAIN R44). The CLUB ID stays (R24)",
              "app",
              {{"confirm", true}, {"speakers", "keep"}, {"really", true}},
              {{"message", "削除しました"}, {"club_id_kept", true}, {"speakers", "kept"}},
              {"invalid_field", "unknown_field", "speaker_choice_required", "not_confirmed"},
              true},
             [this, owner_of, unauthorized](const http::HttpRequest& req) {
               auto owner = owner_of(req);
               if (!owner) return unauthorized();
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               if (auto st = only_fields(*body, {"confirm", "speakers", "really"}); !st)
                 return api_error(st.error());
               auto confirm = optional_bool(*body, "confirm", false);
               if (!confirm) return api_error(confirm.error());
               auto really = optional_bool(*body, "really", false);
               if (!really) return api_error(really.error());
               auto speakers = optional_string(*body, "speakers", 16);
               if (!speakers) return api_error(speakers.error());
               if (speakers->has_value() && **speakers != "keep" && **speakers != "delete")
                 return api_error(400, "invalid_field", "'speakers' must be keep or delete");
               if (!*confirm || !*really)
                 return api_error(400, "not_confirmed",
                                  "deleting needs confirm: true (削除しますか) and really: true "
                                  "(本当に退会しますか) (DOMAIN R44)",
                                  "R44");
               const bool has_speakers = speakers_.has_speakers && speakers_.has_speakers(*owner);
               if (has_speakers && !speakers->has_value())
                 return api_error(
                     400, "speaker_choice_required",
                     "this ID uses the speaker service: choose speakers: keep or delete "
                     "(DOMAIN R44)",
                     "R44");
               const bool remove = has_speakers && **speakers == "delete";
               delete_account(*owner, remove);
               return json_reply(200, {{"message", "削除しました"},
                                       {"club_id_kept", true},
                                       {"speakers", !has_speakers ? "none"
                                                    : remove      ? "deleted"
                                                                  : "kept"}});
             });
}

nlohmann::json AppBackend::snapshot() const {
  nlohmann::json phones = nlohmann::json::array(), codes = nlohmann::json::array();
  for (const auto& [id, p] : phones_) {
    nlohmann::json j = phone_json(p);
    j["registered_at_ms"] = ms(p.registered_at);
    phones.push_back(std::move(j));
  }
  for (const auto& [code, c] : change_codes_)
    codes.push_back(
        {{"code", c.code}, {"phone_id", c.phone_id}, {"expires_at_ms", ms(c.expires_at)}});
  return {{"phones", phones}, {"model_change_codes", codes}};
}

Status AppBackend::restore(const nlohmann::json& j) {
  try {
    for (const auto& x : j.at("phones")) {
      Phone p{x.at("phone_id"), x.at("club_id"), x.at("nickname"), x.at("device_code"),
              std::chrono::milliseconds(x.at("registered_at_ms").get<std::int64_t>())};
      phones_[p.id] = p;
    }
    for (const auto& x : j.at("model_change_codes")) {
      ModelChangeCode c{x.at("code"), x.at("phone_id"),
                        std::chrono::milliseconds(x.at("expires_at_ms").get<std::int64_t>())};
      change_codes_[c.code] = c;
    }
  } catch (const std::exception& e) {
    return make_error("state_failed", std::string("app snapshot: ") + e.what());
  }
  return ok_status();
}

}  // namespace hemsrig::cloud
