// The unit's side of the unit channel's bodies and commands
// (docs/unit-channel.md): what it tells the cloud about itself, and how it
// carries out what the cloud asks. Property values travel as ECHONET Lite
// carries them (EPC -> EDT in hex), so the cloud sees what the unit saw.
#include <fmt/format.h>

#include "devices/aiseg2/unit.hpp"
#include "devices/echonet/profile_detail.hpp"

namespace hemsrig::aiseg2 {

using nlohmann::json;

namespace {

std::string hex_bytes(const echonet::Bytes& b) {
  std::string s;
  for (auto c : b) s += fmt::format("{:02X}", c);
  return s;
}

json state_json(const PropertyValues& values) {
  json state = json::object();
  for (const auto& [epc, edt] : values) state[fmt::format("0x{:02X}", epc)] = hex_bytes(edt);
  return state;
}

json failure(std::string code, std::string message = {}) {
  return json{{"ok", false}, {"error", std::move(code)}, {"message", std::move(message)}};
}

// The control outcome's words ("0x80 refused; 0xB3 timeout") as the channel's error code.
std::string error_code_of(const std::string& error) {
  if (error.find("timeout") != std::string::npos) return "timeout";
  if (error.find("refused") != std::string::npos) return "refused";
  if (error.find("no such appliance") != std::string::npos) return "appliance_unknown";
  return "failed";
}

}  // namespace

json Unit::cloud_hello() const {
  return json{{"device_code", code_.digits()},
              {"model", options_.model},
              {"firmware", firmware_->running_version()},
              {"access_password", password_.text()}};
}

json Unit::cloud_state() const {
  json ss{{"registered", server_service_->registered()}, {"history_epoch", history_epoch_}};
  if (const auto& reg = server_service_->registration()) {
    ss["confirmation_code"] = reg->confirmation_code;
    const HouseholdInfo& h = reg->household;
    ss["household"] =
        json{{"prefecture", h.prefecture},
             {"region", h.region},
             {"municipality", h.municipality},
             {"household_size", h.household_size.value_or(0)},
             {"building", h.building == BuildingType::Apartment ? "apartment" : "detached"},
             {"energy",
              h.energy == Energy::ElectricityAndGas ? "electricity_and_gas" : "electricity_only"}};
  }
  json appliances = json::array();
  for (const auto* a : registry_.all()) {
    appliances.push_back(json{{"key", to_string(a->key)},
                              {"name", a->name},
                              {"class", fmt::format("0x{:04X}", a->class_code)},
                              {"online", a->online},
                              {"state", state_json(a->state)}});
  }
  json lighting = json::array();
  for (const auto& l : lighting_scenes_.all()) {
    lighting.push_back(
        json{{"appliance", l.appliance_key}, {"name", l.name}, {"number", l.scene_number}});
  }
  json voice = json::array();
  for (const auto& v : voice_scenes_->all()) {
    json keys = json::array();
    for (const auto& e : v.entries) keys.push_back(e.appliance_key);
    voice.push_back(json{{"name", v.name}, {"appliances", std::move(keys)}});
  }
  json codes = json::array();
  for (const auto& issued : server_service_->link_codes().issued()) {
    codes.push_back(json{
        {"code", issued.code.code},
        {"club_id", issued.code.club_id},
        {"expires_at_ms",
         std::chrono::duration_cast<std::chrono::milliseconds>(issued.code.expires_at).count()},
        {"used", issued.used}});
  }
  return json{{"firmware", firmware_->running_version()},
              {"access_password", password_.text()},
              {"server_service", std::move(ss)},
              {"appliances", std::move(appliances)},
              {"lighting_scenes", std::move(lighting)},
              {"voice_scenes", std::move(voice)},
              {"link_codes", std::move(codes)}};
}

void Unit::cloud_execute(const json& command, std::function<void(json)> done) {
  const std::string kind = command.value("kind", std::string{});
  const std::string key = command.value("appliance", std::string{});
  const RegisteredAppliance* appliance = nullptr;
  for (const auto* a : registry_.all()) {
    if (to_string(a->key) == key) appliance = a;
  }
  auto need_appliance = [&]() -> bool {
    if (appliance == nullptr) {
      done(failure("appliance_unknown", "no appliance '" + key + "' on the unit"));
      return false;
    }
    if (!appliance->online) {
      done(failure("appliance_offline", "'" + appliance->name + "' does not answer"));
      return false;
    }
    return true;
  };
  auto run_sets = [this, key, done](PropertySets sets) {
    commander().command(key, std::move(sets), [done](CommandOutcome o) {
      json r{{"ok", o.ok}, {"error", o.ok ? "" : error_code_of(o.error)}, {"message", o.error}};
      json state = json::object();
      for (const auto& [epc, edt] : o.state) state[epc] = edt;
      r["state"] = std::move(state);
      done(std::move(r));
    });
  };

  if (kind == "set") {
    if (!need_appliance()) return;
    PropertySets sets;
    if (!command.contains("sets") || !command["sets"].is_array() || command["sets"].empty()) {
      return done(failure("bad_command", "'set' needs a non-empty list 'sets'"));
    }
    for (const auto& pair : command["sets"]) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
        return done(failure("bad_command", "each set is [\"0xEPC\", \"EDT hex\"]"));
      }
      const auto epc = echonet::detail::parse_hex(pair[0].get<std::string>());
      const auto edt = echonet::detail::parse_hex(pair[1].get<std::string>());
      if (!epc || epc->size() != 1 || !edt) {
        return done(failure("bad_command", "not hex: " + pair.dump()));
      }
      sets.emplace_back((*epc)[0], *edt);
    }
    return run_sets(std::move(sets));
  }
  if (kind == "lighting_scene") {
    if (!need_appliance()) return;
    const auto* scene = lighting_scenes_.find(key, command.value("scene", std::string{}));
    if (scene == nullptr) {
      return done(failure("lighting_scene_missing",
                          "no lighting scene '" + command.value("scene", std::string{}) +
                              "' for '" + appliance->name + "' (DOMAIN R73)"));
    }
    return run_sets(PropertySets{{kEpcSceneControl, Bytes{scene->scene_number}}});
  }
  if (kind == "query") {
    if (!need_appliance()) return;
    std::vector<std::uint8_t> epcs;
    for (const auto& [epc, edt] : appliance->state) epcs.push_back(epc);
    if (epcs.empty()) epcs.push_back(0x80);
    controller_->get(appliance->key, std::move(epcs), [done](const GetResult& g) {
      const bool ok = g.outcome == GetOutcome::Answered || g.outcome == GetOutcome::Partial;
      done(json{{"ok", ok},
                {"error", ok ? "" : (g.outcome == GetOutcome::Timeout ? "timeout" : "failed")},
                {"state", state_json(g.values)}});
    });
    return;
  }
  if (kind == "run_voice_scene") {
    auto st = run_voice_scene(command.value("scene", std::string{}), [done](SceneRun run) {
      json entries = json::array();
      for (const auto& e : run.entries) {
        json state = json::object();
        for (const auto& [epc, edt] : e.state) state[epc] = edt;
        entries.push_back(json{{"appliance", e.appliance_key},
                               {"status", std::string(to_string(e.status))},
                               {"error", e.error},
                               {"state", std::move(state)}});
      }
      done(json{{"ok", run.all_ok()}, {"entries", std::move(entries)}});
    });
    if (!st) done(failure(st.error().code, st.error().message));
    return;
  }
  if (kind == "link_code_used") {
    // DOMAIN R53: single use; the cloud accepted it, so the unit's book agrees.
    auto used = server_service_->link_codes().consume(command.value("code", std::string{}));
    cloud_state_changed();
    if (!used) return done(failure(used.error().code, used.error().message));
    return done(json{{"ok", true}});
  }
  if (kind == "speaker_users") {
    std::vector<SpeakerUser> users;
    if (command.contains("users") && command["users"].is_array()) {
      for (const auto& u : command["users"]) {
        if (!u.is_object()) continue;
        users.push_back(
            SpeakerUser{u.value("nickname", std::string{}), u.value("club_id", std::string{})});
      }
    }
    server_service_->set_speaker_users(std::move(users));
    return done(json{{"ok", true}});
  }
  done(failure("unknown_command", "the unit does not know the command '" + kind + "'"));
}

}  // namespace hemsrig::aiseg2
