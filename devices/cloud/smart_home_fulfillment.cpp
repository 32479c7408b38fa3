#include "devices/cloud/smart_home_fulfillment.hpp"

#include <memory>

namespace hemsrig::cloud {

namespace {

using nlohmann::json;

const std::string kAppliancePrefix = "appliance:";
const std::string kScenePrefix = "scene:";

http::HttpResponse reply(int status, const json& body) {
  auto res = http::HttpResponse::json(body.dump());
  res.status = status;
  return res;
}

// A global error in Google's shape: {"requestId", "payload": {"errorCode", "debugString"}}.
http::HttpResponse global_error(int status, const std::string& request_id, const Error& e) {
  return reply(status, {{"requestId", request_id},
                        {"payload", {{"errorCode", e.code}, {"debugString", e.message}}}});
}

bool chosen(const SpeakerUser& u, const std::string& key) {
  return std::find(u.appliances.begin(), u.appliances.end(), key) != u.appliances.end();
}

const VoiceSceneInfo* find_scene(const UnitRecord* unit, const std::string& name) {
  if (unit == nullptr) return nullptr;
  for (const VoiceSceneInfo& s : unit->voice_scenes) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// One appliance's state in words, for the R74 mail.
std::string describe(const ApplianceView& a) {
  json s = query_states(a);
  std::string out = s.value("on", false) ? "運転: 入" : "運転: 切";
  if (s.contains("thermostatMode")) out += ", モード: " + s["thermostatMode"].get<std::string>();
  if (s.contains("thermostatTemperatureSetpoint")) {
    out += ", 設定温度: " + s["thermostatTemperatureSetpoint"].dump() + "℃";
  }
  if (s.contains("thermostatTemperatureAmbient")) {
    out += ", 室温: " + s["thermostatTemperatureAmbient"].dump() + "℃";
  }
  if (s.contains("brightness")) out += ", 明るさ: " + s["brightness"].dump() + "%";
  if (s.contains("currentModeSettings")) {
    out += ", 照明シーン: " + s["currentModeSettings"].value("lighting_scene", "");
  }
  return out;
}

}  // namespace

std::string appliance_device_id(const std::string& key) {
  return kAppliancePrefix + key;
}
std::string scene_device_id(const std::string& scene) {
  return kScenePrefix + scene;
}

ApplianceView appliance_view(const UnitRecord& unit, const ApplianceState& a) {
  ApplianceView v;
  v.key = a.key;
  v.name = a.name;
  v.class_code = parse_class_code(a.class_code).value_or(0);
  v.online = a.online;
  merge_state(v, json(a.state));
  for (const LightingSceneInfo& ls : unit.lighting_scenes) {
    if (ls.appliance == a.key) v.lighting_scenes.push_back({ls.name, ls.number});
  }
  return v;
}

SmartHomeFulfillment::SmartHomeFulfillment(sim::Engine& engine, OAuthStore& oauth,
                                           SpeakerLinkService& speakers, UnitDirectory& units,
                                           Outbox& outbox, CloudEvents& events)
    : engine_(engine),
      oauth_(oauth),
      speakers_(speakers),
      units_(units),
      outbox_(outbox),
      events_(events) {}

void SmartHomeFulfillment::add_routes(ApiRoutes& routes) {
  routes.add_async(
      "POST", "/smarthome/fulfillment",
      {"Google Smart Home fulfilment: action.devices.SYNC, QUERY, EXECUTE, DISCONNECT in "
       "Google's JSON shapes (Bearer: an OAuth access token)",
       "google-smart-home",
       {{"requestId", "ff36a3cc-ec34-11e6-b1a0-64510650abcf"},
        {"inputs", {{{"intent", "action.devices.SYNC"}}}}},
       {{"requestId", "ff36a3cc-ec34-11e6-b1a0-64510650abcf"},
        {"payload", {{"agentUserId", "agent-..."}, {"devices", json::array()}}}},
       {"authFailure", "authExpired", "protocolError", "notSupported", "deviceOffline",
        "deviceNotFound", "valueOutOfRange", "timeout"},
       true},
      [this](const http::HttpRequest& req, http::Responder respond) {
        fulfil(req, std::move(respond));
      });
}

void SmartHomeFulfillment::fulfil(const http::HttpRequest& req, http::Responder respond) {
  json body = json::parse(req.body, nullptr, false);
  std::string request_id;
  if (body.is_object() && body.contains("requestId") && body["requestId"].is_string()) {
    request_id = body["requestId"].get<std::string>();
  }
  auto token = bearer_token(req);
  if (!token) {
    return respond(global_error(401, request_id, make_error("authFailure", "no bearer token")));
  }
  auto owner = oauth_.access_owner(*token);
  if (!owner) return respond(global_error(401, request_id, owner.error()));
  Caller caller{owner->club_id, speakers_.user(owner->club_id), nullptr};
  if (caller.user == nullptr) {
    return respond(
        global_error(401, request_id,
                     make_error("authFailure", "the CLUB ID no longer uses the speaker service")));
  }
  caller.unit = units_.find(caller.user->device_code);
  if (!body.is_object() || request_id.empty() || !body.contains("inputs") ||
      !body["inputs"].is_array() || body["inputs"].empty() || !body["inputs"][0].is_object() ||
      !body["inputs"][0].contains("intent") || !body["inputs"][0]["intent"].is_string()) {
    return respond(global_error(
        400, request_id,
        make_error("protocolError", "expected {\"requestId\", \"inputs\": [{\"intent\"}]}")));
  }
  const json& input = body["inputs"][0];
  const std::string intent = input["intent"].get<std::string>();
  const json payload = input.value("payload", json::object());
  events_.emit("cloud.google_intent", {{"intent", intent}, {"club_id", caller.club_id}});
  if (intent == "action.devices.SYNC") return respond(reply(200, sync(request_id, caller)));
  if (intent == "action.devices.QUERY") {
    return respond(reply(200, query(request_id, caller, payload)));
  }
  if (intent == "action.devices.EXECUTE") {
    return execute(request_id, caller, payload, std::move(respond));
  }
  if (intent == "action.devices.DISCONNECT") {
    // The user unlinked in Google Home: no more calls, the tokens die.
    oauth_.revoke(caller.club_id);
    events_.emit("cloud.google_disconnect", {{"club_id", caller.club_id}});
    return respond(reply(200, json::object()));
  }
  respond(global_error(400, request_id, make_error("notSupported", "unknown intent " + intent)));
}

json SmartHomeFulfillment::sync(const std::string& request_id, const Caller& caller) const {
  json devices = json::array();
  if (caller.unit != nullptr) {
    for (const std::string& key : caller.user->appliances) {
      const ApplianceState* a = caller.unit->appliance(key);
      if (a == nullptr) continue;  // removed from the unit since it was chosen
      ApplianceView v = appliance_view(*caller.unit, *a);
      if (voice_class(v.class_code) == nullptr) continue;
      json d = sync_device(v);
      d["id"] = appliance_device_id(key);
      devices.push_back(d);
    }
    for (const VoiceSceneInfo& s : caller.unit->voice_scenes) {
      // DOMAIN R70: "<scene>を開始して" runs it.
      devices.push_back({{"id", scene_device_id(s.name)},
                         {"type", "action.devices.types.SCENE"},
                         {"traits", {"action.devices.traits.Scene"}},
                         {"name", {{"name", s.name}}},
                         {"willReportState", false},
                         {"attributes", {{"sceneReversible", false}}}});
    }
  }
  return {{"requestId", request_id},
          {"payload", {{"agentUserId", caller.user->agent_user_id}, {"devices", devices}}}};
}

json SmartHomeFulfillment::query(const std::string& request_id, const Caller& caller,
                                 const json& payload) const {
  json out = json::object();
  const bool unit_online = caller.unit != nullptr && caller.unit->online;
  const json devices = payload.value("devices", json::array());
  for (const json& d : devices) {
    if (!d.is_object() || !d.contains("id") || !d["id"].is_string()) continue;
    const std::string id = d["id"].get<std::string>();
    json& s = out[id];
    auto offline = [&] {
      s = {{"online", false}, {"status", "OFFLINE"}, {"errorCode", "deviceOffline"}};
    };
    auto not_found = [&] {
      s = {{"online", false}, {"status", "ERROR"}, {"errorCode", "deviceNotFound"}};
    };
    if (id.rfind(kScenePrefix, 0) == 0) {
      if (find_scene(caller.unit, id.substr(kScenePrefix.size())) == nullptr) {
        not_found();
      } else if (!unit_online) {
        offline();
      } else {
        s = {{"online", true}, {"status", "SUCCESS"}};
      }
      continue;
    }
    const std::string key =
        id.rfind(kAppliancePrefix, 0) == 0 ? id.substr(kAppliancePrefix.size()) : std::string{};
    const ApplianceState* a = caller.unit == nullptr ? nullptr : caller.unit->appliance(key);
    if (a == nullptr || !chosen(*caller.user, key)) {
      not_found();
    } else if (!unit_online || !a->online) {
      offline();
    } else {
      s = query_states(appliance_view(*caller.unit, *a));
      s["online"] = true;
      s["status"] = "SUCCESS";
    }
  }
  return {{"requestId", request_id}, {"payload", {{"devices", out}}}};
}

void SmartHomeFulfillment::execute(const std::string& request_id, const Caller& caller,
                                   const json& payload, http::Responder respond) {
  // Every device's outcome is collected, then one answer goes back.
  struct Run {
    std::string request_id;
    json results = json::array();
    std::size_t open = 1;  // 1 while the commands are being sent
    http::Responder respond;
    sim::Engine::Parked parked;
  };
  auto run = std::make_shared<Run>();
  run->request_id = request_id;
  run->respond = std::move(respond);
  run->parked = engine_.park();
  auto finish_one = [run] {
    if (--run->open > 0) return;
    run->parked.release();
    run->respond(
        reply(200, {{"requestId", run->request_id}, {"payload", {{"commands", run->results}}}}));
  };
  auto fail = [run, finish_one](const std::string& id, const Error& e) {
    run->results.push_back(
        {{"ids", {id}}, {"status", "ERROR"}, {"errorCode", e.code}, {"debugString", e.message}});
    finish_one();
  };
  const std::string device_code = caller.user->device_code;
  const std::string club_id = caller.club_id;
  const json commands = payload.value("commands", json::array());
  for (const json& group : commands.is_array() ? commands : json::array()) {
    const json devices = group.is_object() ? group.value("devices", json::array()) : json();
    const json executions = group.is_object() ? group.value("execution", json::array()) : json();
    if (!devices.is_array() || !executions.is_array()) continue;
    for (const json& d : devices) {
      if (!d.is_object() || !d.contains("id") || !d["id"].is_string()) continue;
      const std::string id = d["id"].get<std::string>();
      ++run->open;
      const UnitRecord* unit = units_.find(device_code);
      const bool unit_online = unit != nullptr && unit->online;
      if (id.rfind(kScenePrefix, 0) == 0) {
        const std::string scene = id.substr(kScenePrefix.size());
        if (find_scene(unit, scene) == nullptr) {
          fail(id, make_error("deviceNotFound", "no voice scene called " + scene));
          continue;
        }
        bool activate = !executions.empty();
        for (const json& e : executions) {
          activate = activate && e.is_object() &&
                     e.value("command", "") == "action.devices.commands.ActivateScene" &&
                     !e.value("params", json::object()).value("deactivate", false);
        }
        if (!activate) {
          fail(id, make_error("notSupported", "a voice scene can only be activated (R70)"));
          continue;
        }
        if (!unit_online) {
          fail(id, make_error("deviceOffline", "the unit is offline"));
          continue;
        }
        // DOMAIN R70: the unit runs the scene; R74: the result is mailed.
        units_.send_command(
            device_code, {{"kind", "run_voice_scene"}, {"scene", scene}},
            [this, run, id, scene, club_id, device_code, fail, finish_one](Result<json> result) {
              if (!result)
                return fail(
                    id, make_error(google_error_code(result.error().code), result.error().message));
              Caller now{club_id, speakers_.user(club_id), units_.find(device_code)};
              if (now.user != nullptr) mail_scene_run(now, scene, *result);
              if (!result->value("ok", false)) {
                return fail(id, make_error("hardError", "some appliances of the scene failed"));
              }
              run->results.push_back({{"ids", {id}}, {"status", "SUCCESS"}});
              finish_one();
            });
        continue;
      }
      const std::string key =
          id.rfind(kAppliancePrefix, 0) == 0 ? id.substr(kAppliancePrefix.size()) : std::string{};
      const ApplianceState* a = unit == nullptr ? nullptr : unit->appliance(key);
      if (a == nullptr || !chosen(*caller.user, key)) {
        fail(id, make_error("deviceNotFound", "no appliance " + id + " for voice control"));
        continue;
      }
      ApplianceView view = appliance_view(*unit, *a);
      std::vector<ApplianceCommand> steps;
      Error refused;
      for (const json& e : executions) {
        if (!e.is_object() || !e.contains("command") || !e["command"].is_string()) {
          refused = make_error("protocolError", "an execution without 'command'");
          break;
        }
        auto c = appliance_command(view, e["command"].get<std::string>(),
                                   e.value("params", json::object()));
        if (!c) {
          refused = c.error();
          break;
        }
        steps.push_back(*c);
      }
      if (!refused.code.empty() || steps.empty()) {
        fail(id, refused.code.empty() ? make_error("protocolError", "no execution") : refused);
        continue;
      }
      if (!unit_online || !a->online) {
        fail(id, make_error("deviceOffline",
                            unit_online ? "the appliance is offline" : "the unit is offline"));
        continue;
      }
      // The steps go one after the other; the first failure ends them. The
      // step function holds itself only weakly; each pending unit answer holds it.
      auto state = std::make_shared<std::pair<ApplianceView, std::size_t>>(view, 0);
      auto next = std::make_shared<std::function<void()>>();
      std::weak_ptr<std::function<void()>> self = next;
      *next = [this, run, id, steps, state, self, device_code, fail, finish_one] {
        if (state->second == steps.size()) {
          json s = query_states(state->first);
          s["online"] = true;
          run->results.push_back({{"ids", {id}}, {"status", "SUCCESS"}, {"states", s}});
          return finish_one();
        }
        const ApplianceCommand& step = steps[state->second];
        units_.send_command(
            device_code, step.unit_command,
            [id, state, again = self.lock(), step, fail](Result<json> result) {
              std::string error;
              if (!result) {
                error = result.error().code;
              } else if (!result->value("ok", false)) {
                error = result->value("error", std::string("hardError"));
              }
              if (!error.empty()) {
                return fail(id, make_error(google_error_code(error), "the unit answered " + error));
              }
              json reported = result->value("state", json::object());
              if (!reported.is_object() || reported.empty()) {
                // No read-back: Google sees what was asked.
                reported = json::object();
                for (const json& set : step.unit_command.value("sets", json::array())) {
                  if (set.is_array() && set.size() == 2)
                    reported[set[0].get<std::string>()] = set[1];
                }
                for (const LightingSceneView& ls : state->first.lighting_scenes) {
                  if (ls.name == step.unit_command.value("scene", "")) {
                    reported["0xC0"] = edt_text({static_cast<std::uint8_t>(ls.number)});
                  }
                }
              }
              merge_state(state->first, reported);
              ++state->second;
              (*again)();
            });
      };
      (*next)();
    }
  }
  finish_one();  // the sending is over
}

void SmartHomeFulfillment::mail_scene_run(const Caller& caller, const std::string& scene,
                                          const json& result) {
  // DOMAIN R66: only the ID linked to the Google account that made the call.
  auto to = speakers_.notice_recipient(caller.user->device_code, caller.club_id);
  if (!to) return;
  std::string body = "音声シーン「" + scene + "」を実行しました。\n\n";
  for (const json& e : result.value("entries", json::array())) {
    if (!e.is_object()) continue;
    const std::string key = e.value("appliance", "");
    const ApplianceState* a = caller.unit == nullptr ? nullptr : caller.unit->appliance(key);
    ApplianceView v;
    if (a != nullptr) {
      v = appliance_view(*caller.unit, *a);
    } else {
      v.key = key;
      v.name = key;
    }
    merge_state(v, e.value("state", json::object()));
    const std::string status = e.value("status", "");
    body += "・" + v.name + ": ";
    body += status == "done" ? "成功" : status == "timed_out" ? "応答なし" : "失敗";
    body += " (" + describe(v) + ")\n";  // DOMAIN R74: each appliance's state at run time
  }
  outbox_.send_mail(*to, "【スマートHEMS】音声シーン「" + scene + "」の実行結果", body);
  events_.emit("cloud.scene_mail", {{"to", *to}, {"scene", scene}});
}

}  // namespace hemsrig::cloud
