// The speaker link's HTTP routes and its snapshot (speaker_link.hpp).
#include <string_view>

#include "devices/cloud/speaker_errors.hpp"
#include "devices/cloud/speaker_link.hpp"

namespace hemsrig::cloud {

namespace {

using nlohmann::json;

json user_json(const SpeakerUser& u, bool linked) {
  return {{"club_id", u.club_id},
          {"nickname", u.nickname},
          {"device_code", u.device_code},
          {"appliances", u.appliances},
          {"google_linked", linked}};
}

json registration_json(const SpeakerRegistration& r) {
  return {{"step", to_string(r.step)},
          {"nickname", r.nickname},
          {"device_code", r.device_code},
          {"appliances", r.appliances}};
}

Result<std::vector<std::string>> appliance_keys(const json& body) {
  if (!body.contains("appliances") || !body["appliances"].is_array()) {
    return make_error("missing_field", "appliances: a list of appliance keys");
  }
  std::vector<std::string> keys;
  for (const auto& k : body["appliances"]) {
    if (!k.is_string()) return make_error("invalid_field", "appliances: strings only");
    keys.push_back(k.get<std::string>());
  }
  return keys;
}

// The QR code of the unit's スマートスピーカー設定 > ID登録 screen (DOMAIN R62,
// manual p46): a path of the cloud's site with the unit's device code and its
// server-service confirmation code (R37/R54), with or without the site's
// address in front: "/speaker/id-registration?device_code=9999950072&
// confirmation_code=909580". The manual shows no content; this is the rig's.
struct SpeakerQr {
  std::string device_code;
  std::string confirmation_code;
};

Result<SpeakerQr> read_speaker_qr(std::string_view text) {
  constexpr std::string_view kPath = "/speaker/id-registration?";
  const auto at = text.find(kPath);
  const auto bad = [&] {
    return make_error("speaker_qr_invalid",
                      "not the QR code of an AiSEG2's スマートスピーカー設定 > ID登録 screen "
                      "(DOMAIN R62)");
  };
  if (at == std::string_view::npos) return bad();
  SpeakerQr qr;
  std::string_view query = text.substr(at + kPath.size());
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return bad();
    const std::string_view key = pair.substr(0, eq), value = pair.substr(eq + 1);
    if (key == "device_code") {
      qr.device_code = std::string(value);
    } else if (key == "confirmation_code") {
      qr.confirmation_code = std::string(value);
    }
  }
  if (qr.device_code.empty() || qr.confirmation_code.empty()) return bad();
  return qr;
}

}  // namespace

void SpeakerLinkService::add_routes(ApiRoutes& routes) {
  // Every route: the CLUB ID of the bearer session, then the body.
  auto with_login = [this](auto fn) {
    return [this, fn](const http::HttpRequest& req) -> http::HttpResponse {
      auto token = bearer_token(req);
      auto club_id = token ? club_ids_.session_owner(*token) : std::nullopt;
      if (!club_id) return speaker_error(make_error("unauthorized", "log in with a CLUB ID"));
      return fn(req, *club_id);
    };
  };
  auto appliances_of_unit = [this](const std::string& device_code) {
    json list = json::array();
    if (const UnitRecord* unit = units_.find(device_code)) {
      for (const ApplianceState& a : unit->appliances) {
        list.push_back({{"key", a.key}, {"name", a.name}, {"class", a.class_code}});
      }
    }
    return list;
  };
  const std::vector<std::string> start_errors = {
      "unauthorized",          "invalid_field",      "speaker_unit_not_in_use",
      "speaker_no_appliances", "speaker_user_limit", "speaker_already_registered",
      "speaker_qr_invalid"};

  routes.add("POST", "/v1/speaker/registration",
             {"Start the speaker registration of DOMAIN R62: nickname of the speaker user "
              "(R60: the unit the ID's app uses; R61: at most 4 IDs per unit). Without an "
              "app: `qr`, the text of the QR code the unit shows at スマートスピーカー設定 > "
              "ID登録 (docs/cloud-api.md)",
              "speaker-link",
              {{"nickname", "たろう"}, {"device_code", "9999950072"}},
              {{"step", "privacy_policy"},
               {"nickname", "たろう"},
               {"device_code", "9999950072"},
               {"appliances", json::array()}},
              start_errors,
              true},
             with_login([this](const http::HttpRequest& req, const std::string& club_id) {
               auto body = json_object_body(req);
               if (!body) return speaker_error(body.error());
               if (Status s = only_fields(*body, {"nickname", "device_code", "qr"}); !s) {
                 return speaker_error(s.error());
               }
               auto nickname = required_string(*body, "nickname", 256);
               if (!nickname) return speaker_error(nickname.error());
               auto code = optional_string(*body, "device_code", 32);
               if (!code) return speaker_error(code.error());
               auto qr = optional_string(*body, "qr", 512);
               if (!qr) return speaker_error(qr.error());
               if (*qr) {
                 // DOMAIN R60, R62: the speaker-only path, the unit named by its QR code.
                 auto read = read_speaker_qr(**qr);
                 if (!read) return speaker_error(read.error());
                 auto r =
                     start_by_qr(club_id, *nickname, read->device_code, read->confirmation_code);
                 if (!r) return speaker_error(r.error());
                 return json_reply(200, registration_json(**r));
               }
               auto r = start(club_id, *nickname, code->value_or(""));
               if (!r) return speaker_error(r.error());
               return json_reply(200, registration_json(**r));
             }));

  routes.add("GET", "/v1/speaker/registration",
             {"The speaker registration under way",
              "speaker-link",
              nullptr,
              {{"step", "appliances"},
               {"nickname", "たろう"},
               {"device_code", "9999950072"},
               {"appliances", json::array()}},
              {"unauthorized", "speaker_registration_missing"},
              true},
             with_login([this](const http::HttpRequest&, const std::string& club_id) {
               const SpeakerRegistration* r = registration(club_id);
               if (r == nullptr) {
                 return speaker_error(make_error("speaker_registration_missing",
                                                 "no speaker registration under way"));
               }
               return json_reply(200, registration_json(*r));
             }));

  routes.add(
      "POST", "/v1/speaker/registration/privacy-policy",
      {"Accept or decline the privacy policy (R62: declining registers nothing); "
       "accepting lists the unit's appliances to choose from",
       "speaker-link",
       {{"accept", true}},
       {{"step", "appliances"},
        {"appliances",
         {{{"key", "127.10.0.1/0x013001"}, {"name", "リビングエアコン"}, {"class", "0x0130"}}}}},
       {"unauthorized", "speaker_registration_missing", "speaker_step_order"},
       true},
      with_login(
          [this, appliances_of_unit](const http::HttpRequest& req, const std::string& club_id) {
            auto body = json_object_body(req);
            if (!body) return speaker_error(body.error());
            if (!body->contains("accept") || !(*body)["accept"].is_boolean()) {
              return speaker_error(make_error("missing_field", "accept: true or false"));
            }
            bool accept = (*body)["accept"].get<bool>();
            std::string device_code;
            if (const SpeakerRegistration* r = registration(club_id)) {
              device_code = r->device_code;
            }
            if (Status s = privacy_policy(club_id, accept); !s) return speaker_error(s.error());
            if (!accept) return json_reply(200, {{"step", "cancelled"}});
            return json_reply(
                200, {{"step", "appliances"}, {"appliances", appliances_of_unit(device_code)}});
          }));

  routes.add("PUT", "/v1/speaker/registration/appliances",
             {"Choose the appliances for voice control (R62) among the unit's registered ones",
              "speaker-link",
              {{"appliances", {"127.10.0.1/0x013001"}}},
              {{"step", "link"}, {"authorize", "/oauth/authorize"}},
              {"unauthorized", "speaker_registration_missing", "speaker_step_order",
               "speaker_no_appliances", "appliance_unknown", "appliance_not_voice_capable"},
              true},
             with_login([this](const http::HttpRequest& req, const std::string& club_id) {
               auto body = json_object_body(req);
               if (!body) return speaker_error(body.error());
               auto keys = appliance_keys(*body);
               if (!keys) return speaker_error(keys.error());
               if (Status s = choose_appliances(club_id, *keys); !s) {
                 return speaker_error(s.error());
               }
               return json_reply(200, {{"step", "link"}, {"authorize", "/oauth/authorize"}});
             }));

  routes.add("POST", "/v1/speaker/registration/complete",
             {"Accept the speaker terms and register (R62), after linking the Google account",
              "speaker-link",
              {{"accept_terms", true}},
              {{"step", "done"},
               {"speaker_user", {{"nickname", "たろう"}, {"device_code", "9999950072"}}},
               {"utterance_examples", {"OK Google, リビングエアコンをつけて"}}},
              {"unauthorized", "speaker_registration_missing", "speaker_step_order",
               "speaker_not_linked", "speaker_terms_declined", "speaker_user_limit"},
              true},
             with_login([this](const http::HttpRequest& req, const std::string& club_id) {
               auto body = json_object_body(req);
               if (!body) return speaker_error(body.error());
               if (!body->contains("accept_terms") || !(*body)["accept_terms"].is_boolean()) {
                 return speaker_error(make_error("missing_field", "accept_terms: true or false"));
               }
               auto u = complete(club_id, (*body)["accept_terms"].get<bool>());
               if (!u) return speaker_error(u.error());
               json examples = json::array();
               if (const UnitRecord* unit = units_.find((*u)->device_code)) {
                 for (const std::string& key : (*u)->appliances) {
                   if (const ApplianceState* a = unit->appliance(key)) {
                     examples.push_back("OK Google, " + a->name + "をつけて");
                   }
                 }
                 for (const VoiceSceneInfo& s : unit->voice_scenes) {
                   examples.push_back("OK Google, " + s.name + "を開始して");  // DOMAIN R70
                 }
               }
               return json_reply(200, {{"step", "done"},
                                       {"speaker_user", user_json(**u, true)},
                                       {"utterance_examples", examples}});
             }));

  routes.add("GET", "/v1/speaker/me",
             {"This CLUB ID's speaker use",
              "speaker-link",
              nullptr,
              {{"club_id", "taro@example.jp"},
               {"nickname", "たろう"},
               {"device_code", "9999950072"},
               {"appliances", {"127.10.0.1/0x013001"}},
               {"google_linked", true}},
              {"unauthorized", "speaker_registration_missing"},
              true},
             with_login([this](const http::HttpRequest&, const std::string& club_id) {
               const SpeakerUser* u = user(club_id);
               if (u == nullptr) {
                 return speaker_error(make_error("speaker_registration_missing",
                                                 "this CLUB ID does not use the speakers"));
               }
               return json_reply(200, user_json(*u, linked(club_id)));
             }));

  routes.add("PUT", "/v1/speaker/me/appliances",
             {"Change the appliances for voice control",
              "speaker-link",
              {{"appliances", {"127.10.0.1/0x013001"}}},
              {{"appliances", {"127.10.0.1/0x013001"}}},
              {"unauthorized", "speaker_registration_missing", "speaker_no_appliances",
               "appliance_unknown", "appliance_not_voice_capable"},
              true},
             with_login([this](const http::HttpRequest& req, const std::string& club_id) {
               auto body = json_object_body(req);
               if (!body) return speaker_error(body.error());
               auto keys = appliance_keys(*body);
               if (!keys) return speaker_error(keys.error());
               if (Status s = change_appliances(club_id, *keys); !s) {
                 return speaker_error(s.error());
               }
               return json_reply(200, {{"appliances", *keys}});
             }));

  routes.add("DELETE", "/v1/speaker/me",
             {"Stop using the speaker service: the Google link is revoked",
              "speaker-link",
              nullptr,
              {{"removed", true}},
              {"unauthorized"},
              true},
             with_login([this](const http::HttpRequest&, const std::string& club_id) {
               bool was = user(club_id) != nullptr || registration(club_id) != nullptr;
               remove(club_id);
               return json_reply(200, {{"removed", was}});
             }));

  routes.add("GET", "/v1/speaker/unit/users",
             {"The speaker users of the unit this ID's app uses (as スマートスピーカー設定 "
              "shows them)",
              "speaker-link",
              nullptr,
              {{"device_code", "9999950072"}, {"users", {{{"nickname", "たろう"}}}}},
              {"unauthorized", "speaker_unit_not_in_use"},
              true},
             with_login([this](const http::HttpRequest&, const std::string& club_id) {
               std::string unit;
               for (const Phone* p : app_.phones_of(club_id)) unit = p->device_code;
               if (unit.empty()) {
                 return speaker_error(make_error("speaker_unit_not_in_use",
                                                 "this CLUB ID's app has no unit (DOMAIN R60)"));
               }
               json users = json::array();
               for (const SpeakerUser* u : users_of_unit(unit)) {
                 users.push_back({{"nickname", u->nickname}});
               }
               return json_reply(200, {{"device_code", unit}, {"users", users}});
             }));
}

json SpeakerLinkService::snapshot() const {
  json users = json::array();
  for (const auto& [id, u] : users_) {
    users.push_back(
        {{"club_id", u.club_id},
         {"nickname", u.nickname},
         {"device_code", u.device_code},
         {"appliances", u.appliances},
         {"agent_user_id", u.agent_user_id},
         {"registered_at_ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(u.registered_at).count()}});
  }
  return {{"users", users}};
}

Status SpeakerLinkService::restore(const json& snapshot) {
  if (snapshot.is_null()) return ok_status();
  try {
    std::map<std::string, SpeakerUser> users;
    for (const auto& u : snapshot.at("users")) {
      SpeakerUser s{u.at("club_id").get<std::string>(),
                    u.at("nickname").get<std::string>(),
                    u.at("device_code").get<std::string>(),
                    u.at("appliances").get<std::vector<std::string>>(),
                    u.at("agent_user_id").get<std::string>(),
                    std::chrono::milliseconds(u.value("registered_at_ms", std::int64_t{0}))};
      users[s.club_id] = s;
    }
    users_ = std::move(users);
  } catch (const json::exception& e) {
    return make_error("state_failed", std::string("speaker_link snapshot: ") + e.what());
  }
  return ok_status();
}

}  // namespace hemsrig::cloud
