#include "devices/cloud/smart_home_devices.hpp"

#include <cmath>
#include <cstdio>

namespace hemsrig::cloud {

namespace {

using nlohmann::json;

constexpr std::uint16_t kAirConditioner = 0x0130;
constexpr std::uint16_t kFloorHeater = 0x027B;
constexpr std::uint16_t kGeneralLighting = 0x0290;
constexpr std::uint16_t kLightingSystem = 0x02A3;

const char* const kOnOff = "action.devices.traits.OnOff";
const char* const kTemperatureSetting = "action.devices.traits.TemperatureSetting";
const char* const kBrightness = "action.devices.traits.Brightness";
const char* const kModes = "action.devices.traits.Modes";
const char* const kLightingSceneMode = "lighting_scene";

// Ranges from the profiles (devices/echonet/profiles): 0xB3 and 0xE0 are 0..50 C.
const VoiceClass kVoiceClasses[] = {
    {kAirConditioner, "action.devices.types.AC_UNIT", {kOnOff, kTemperatureSetting}, 0, 50},
    {kFloorHeater, "action.devices.types.HEATER", {kOnOff, kTemperatureSetting}, 0, 50},
    {kGeneralLighting, "action.devices.types.LIGHT", {kOnOff, kBrightness}, 0, 0},
    {kLightingSystem, "action.devices.types.LIGHT", {kOnOff, kBrightness, kModes}, 0, 0},
};

// Home air conditioner 0xB0 operation mode <-> Google thermostatMode.
struct AcMode {
  std::uint8_t edt;
  const char* google;
};
const AcMode kAcModes[] = {
    {0x41, "auto"}, {0x42, "cool"}, {0x43, "heat"}, {0x44, "dry"}, {0x45, "fan-only"}};

std::optional<std::uint8_t> byte_at(const ApplianceView& a, std::uint8_t epc) {
  auto it = a.state.find(epc);
  if (it == a.state.end() || it->second.size() != 1) return std::nullopt;
  return it->second[0];
}

// The EPC holding the set temperature and the measured one, by class.
std::uint8_t setpoint_epc(std::uint16_t cls) {
  return cls == kFloorHeater ? 0xE0 : 0xB3;
}
std::uint8_t ambient_epc(std::uint16_t cls) {
  return cls == kFloorHeater ? 0xE2 : 0xBB;
}

bool is_on(const ApplianceView& a) {
  return byte_at(a, 0x80) == std::uint8_t{0x30};
}

json set_command(const ApplianceView& a, std::vector<std::pair<std::uint8_t, std::uint8_t>> sets) {
  json list = json::array();
  for (auto [epc, edt] : sets) list.push_back({epc_text(epc), edt_text({edt})});
  return {{"kind", "set"}, {"appliance", a.key}, {"sets", list}};
}

Error not_supported(const ApplianceView& a, const std::string& what) {
  return make_error("notSupported", what + " is not supported by '" + a.name + "'");
}

}  // namespace

const VoiceClass* voice_class(std::uint16_t class_code) {
  for (const VoiceClass& c : kVoiceClasses) {
    if (c.class_code == class_code) return &c;
  }
  return nullptr;
}

std::optional<std::uint8_t> parse_epc(const std::string& text) {
  if (text.size() != 4 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return std::nullopt;
  auto edt = parse_edt(text.substr(2));
  if (!edt || edt->size() != 1) return std::nullopt;
  return (*edt)[0];
}

std::optional<std::vector<std::uint8_t>> parse_edt(const std::string& hex) {
  if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

std::optional<std::uint16_t> parse_class_code(const std::string& text) {
  if (text.size() != 6) return std::nullopt;
  auto hi = parse_epc(text.substr(0, 4));
  auto lo = parse_edt(text.substr(4));
  if (!hi || !lo) return std::nullopt;
  return static_cast<std::uint16_t>((*hi << 8) | (*lo)[0]);
}

std::string epc_text(std::uint8_t epc) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", epc);
  return buf;
}

std::string edt_text(const std::vector<std::uint8_t>& e) {
  std::string out;
  char buf[4];
  for (std::uint8_t b : e) {
    std::snprintf(buf, sizeof buf, "%02X", b);
    out += buf;
  }
  return out;
}

json sync_device(const ApplianceView& a) {
  const VoiceClass* vc = voice_class(a.class_code);
  json d = {{"type", vc != nullptr ? vc->device_type : "action.devices.types.SWITCH"},
            {"traits", vc != nullptr ? json(vc->traits) : json::array({kOnOff})},
            // DOMAIN R65: the name set on the unit is the spoken name.
            {"name", {{"name", a.name}}},
            // DOMAIN R63: Google Home shows the appliances offline; no state reports.
            {"willReportState", false}};
  json attributes = json::object();
  if (a.class_code == kAirConditioner || a.class_code == kFloorHeater) {
    json modes = json::array({"off", "on"});
    if (a.class_code == kAirConditioner) {
      for (const AcMode& m : kAcModes) modes.push_back(m.google);
    } else {
      modes.push_back("heat");
    }
    attributes["availableThermostatModes"] = modes;
    attributes["thermostatTemperatureUnit"] = "C";
    attributes["thermostatTemperatureRange"] = {{"minThresholdCelsius", vc->min_celsius},
                                                {"maxThresholdCelsius", vc->max_celsius}};
  }
  if (a.class_code == kLightingSystem) {
    json settings = json::array();
    for (const LightingSceneView& s : a.lighting_scenes) {
      settings.push_back({{"setting_name", s.name},
                          {"setting_values", {{{"setting_synonym", {s.name}}, {"lang", "ja"}}}}});
    }
    attributes["availableModes"] = {
        {{"name", kLightingSceneMode},
         {"name_values", {{{"name_synonym", {"照明シーン", "シーン"}}, {"lang", "ja"}}}},
         {"settings", settings},
         {"ordered", false}}};
  }
  d["attributes"] = attributes;
  d["deviceInfo"] = {{"manufacturer", "hemsrig"},
                     {"model", epc_text(static_cast<std::uint8_t>(a.class_code >> 8)) +
                                   edt_text({static_cast<std::uint8_t>(a.class_code & 0xFF)})}};
  return d;
}

json query_states(const ApplianceView& a) {
  json s = json::object();
  s["on"] = is_on(a);
  if (a.class_code == kAirConditioner || a.class_code == kFloorHeater) {
    std::string mode = "off";
    if (is_on(a)) {
      mode = a.class_code == kFloorHeater ? "heat" : "on";
      if (auto m = byte_at(a, 0xB0); m && a.class_code == kAirConditioner) {
        for (const AcMode& am : kAcModes) {
          if (am.edt == *m) mode = am.google;
        }
      }
    }
    s["thermostatMode"] = mode;
    // 0xFD (undefined) and 0x41 (auto) are not temperatures.
    if (auto t = byte_at(a, setpoint_epc(a.class_code)); t && *t <= 50) {
      s["thermostatTemperatureSetpoint"] = *t;
    }
    if (auto t = byte_at(a, ambient_epc(a.class_code)); t && *t != 0x7E) {
      s["thermostatTemperatureAmbient"] = static_cast<std::int8_t>(*t);
    }
  }
  if (a.class_code == kGeneralLighting || a.class_code == kLightingSystem) {
    if (auto b = byte_at(a, 0xB0); b && *b <= 100) s["brightness"] = *b;
  }
  if (a.class_code == kLightingSystem) {
    if (auto n = byte_at(a, 0xC0)) {
      for (const LightingSceneView& ls : a.lighting_scenes) {
        if (ls.number == *n) s["currentModeSettings"] = {{kLightingSceneMode, ls.name}};
      }
    }
  }
  return s;
}

Result<ApplianceCommand> appliance_command(const ApplianceView& a, const std::string& command,
                                           const json& params) {
  const VoiceClass* vc = voice_class(a.class_code);
  if (vc == nullptr) return not_supported(a, "voice control");
  auto has_trait = [&](const char* t) {
    for (const auto& x : vc->traits) {
      if (x == t) return true;
    }
    return false;
  };
  const std::string prefix = "action.devices.commands.";
  if (command == prefix + "OnOff") {
    if (!params.contains("on") || !params["on"].is_boolean()) {
      return make_error("protocolError", "OnOff needs a boolean 'on'");
    }
    bool on = params["on"].get<bool>();
    return ApplianceCommand{set_command(a, {{0x80, on ? 0x30 : 0x31}}), {{"on", on}}};
  }
  if (command == prefix + "ThermostatTemperatureSetpoint" && has_trait(kTemperatureSetting)) {
    if (!params.contains("thermostatTemperatureSetpoint") ||
        !params["thermostatTemperatureSetpoint"].is_number()) {
      return make_error("protocolError", "needs a number 'thermostatTemperatureSetpoint'");
    }
    double t = params["thermostatTemperatureSetpoint"].get<double>();
    // ECHONET carries whole degrees; the class's range decides.
    long rounded = std::lround(t);
    if (!std::isfinite(t) || rounded < vc->min_celsius || rounded > vc->max_celsius) {
      return make_error("valueOutOfRange", "set temperature " + std::to_string(t) +
                                               " C is outside " + std::to_string(vc->min_celsius) +
                                               ".." + std::to_string(vc->max_celsius) + " C");
    }
    auto edt = static_cast<std::uint8_t>(rounded);
    return ApplianceCommand{set_command(a, {{setpoint_epc(a.class_code), edt}}),
                            {{"thermostatTemperatureSetpoint", rounded}}};
  }
  if (command == prefix + "ThermostatSetMode" && has_trait(kTemperatureSetting)) {
    if (!params.contains("thermostatMode") || !params["thermostatMode"].is_string()) {
      return make_error("protocolError", "needs a string 'thermostatMode'");
    }
    std::string mode = params["thermostatMode"].get<std::string>();
    if (mode == "off") {
      return ApplianceCommand{set_command(a, {{0x80, 0x31}}),
                              {{"thermostatMode", "off"}, {"on", false}}};
    }
    if (mode == "on" || (mode == "heat" && a.class_code == kFloorHeater)) {
      return ApplianceCommand{set_command(a, {{0x80, 0x30}}),
                              {{"thermostatMode", mode}, {"on", true}}};
    }
    if (a.class_code == kAirConditioner) {
      for (const AcMode& m : kAcModes) {
        if (mode == m.google) {
          return ApplianceCommand{set_command(a, {{0x80, 0x30}, {0xB0, m.edt}}),
                                  {{"thermostatMode", mode}, {"on", true}}};
        }
      }
    }
    return not_supported(a, "thermostat mode '" + mode + "'");
  }
  if (command == prefix + "BrightnessAbsolute" && has_trait(kBrightness)) {
    if (!params.contains("brightness") || !params["brightness"].is_number_integer()) {
      return make_error("protocolError", "needs an integer 'brightness'");
    }
    auto b = params["brightness"].get<long long>();
    if (b < 0 || b > 100) {
      return make_error("valueOutOfRange",
                        "brightness " + std::to_string(b) + " is outside 0..100");
    }
    return ApplianceCommand{set_command(a, {{0xB0, static_cast<std::uint8_t>(b)}}),
                            {{"brightness", b}}};
  }
  if (command == prefix + "SetModes" && has_trait(kModes)) {
    const json* want = nullptr;
    if (params.contains("updateModeSettings") && params["updateModeSettings"].is_object() &&
        params["updateModeSettings"].contains(kLightingSceneMode) &&
        params["updateModeSettings"][kLightingSceneMode].is_string()) {
      want = &params["updateModeSettings"][kLightingSceneMode];
    }
    if (want == nullptr) {
      return make_error("protocolError", "needs updateModeSettings.lighting_scene");
    }
    std::string scene = want->get<std::string>();
    for (const LightingSceneView& ls : a.lighting_scenes) {
      if (ls.name == scene) {
        // DOMAIN R73: lighting scenes of the unit; the unit sets 0xC0.
        return ApplianceCommand{
            {{"kind", "lighting_scene"}, {"appliance", a.key}, {"scene", scene}},
            {{"currentModeSettings", {{kLightingSceneMode, scene}}}}};
      }
    }
    return make_error("valueOutOfRange",
                      "'" + a.name + "' has no lighting scene called '" + scene + "'");
  }
  return not_supported(a, "command '" + command + "'");
}

void merge_state(ApplianceView& a, const json& state) {
  if (!state.is_object()) return;
  for (const auto& [k, v] : state.items()) {
    if (!v.is_string()) continue;
    auto epc = parse_epc(k);
    auto edt = parse_edt(v.get<std::string>());
    if (epc && edt) a.state[*epc] = *edt;
  }
}

std::string google_error_code(const std::string& unit_error) {
  if (unit_error == "appliance_offline" || unit_error == "deviceOffline" ||
      unit_error == "offline") {
    return "deviceOffline";
  }
  if (unit_error == "appliance_unknown") return "deviceNotFound";
  if (unit_error == "timeout") return "timeout";
  if (unit_error == "lighting_scene_missing" || unit_error == "voice_scene_unknown") {
    return "deviceNotFound";
  }
  if (unit_error == "refused") return "valueOutOfRange";
  return "hardError";
}

}  // namespace hemsrig::cloud
