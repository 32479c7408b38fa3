// How appliances of an AiSEG2 unit look to Google Smart Home: the ECHONET
// class decides the Google device type and traits, the raw ECHONET state
// (EPC -> EDT, as the unit reports it) becomes trait states, and a Google
// command becomes the unit-channel command that sets the appliance. Pure
// functions on data; docs/google-smart-home.md has the table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/result.hpp"

namespace hemsrig::cloud {

struct LightingSceneView {
  std::string name;
  int number = 0;  // the value of 0xC0
};

// An appliance as the cloud knows it from the unit channel.
struct ApplianceView {
  std::string key;   // "127.10.0.1/0x013001"
  std::string name;  // the name on the unit, spoken by the user (DOMAIN R65)
  std::uint16_t class_code = 0;
  bool online = true;
  std::map<std::uint8_t, std::vector<std::uint8_t>> state;  // EPC -> EDT
  std::vector<LightingSceneView> lighting_scenes;           // for 0x02A3: the unit's scenes
};

// The Google side of an ECHONET class; nullptr for classes not offered to voice
// control (meters, PV, batteries, water heaters).
struct VoiceClass {
  std::uint16_t class_code;
  const char* device_type;  // "action.devices.types.AC_UNIT"
  std::vector<std::string> traits;
  int min_celsius = 0;  // TemperatureSetting range, from the class's profile
  int max_celsius = 0;
};
const VoiceClass* voice_class(std::uint16_t class_code);

// "0x80" -> 0x80, "30" -> {0x30}; nullopt when malformed.
std::optional<std::uint8_t> parse_epc(const std::string& text);
std::optional<std::vector<std::uint8_t>> parse_edt(const std::string& hex);
// "0x0130" -> 0x0130; nullopt when malformed.
std::optional<std::uint16_t> parse_class_code(const std::string& text);
std::string epc_text(std::uint8_t epc);                    // "0x80"
std::string edt_text(const std::vector<std::uint8_t>& e);  // "1A"

// SYNC: {"type","traits","name":{"name"},"willReportState":false,"attributes"}
// without "id" (the caller names devices). DOMAIN R65: the unit's name.
nlohmann::json sync_device(const ApplianceView& a);
// QUERY states of one appliance, without "online" and "status".
nlohmann::json query_states(const ApplianceView& a);

// What an EXECUTE command asks of one appliance: a unit-channel command
// (kind "set" or "lighting_scene", without "id"), and the states Google will
// see if it succeeds. Errors are Google's codes: notSupported (command or mode
// the type lacks), valueOutOfRange (temperature outside the class's range,
// brightness outside 0..100, an unknown lighting scene).
struct ApplianceCommand {
  nlohmann::json unit_command;
  nlohmann::json expected_states;
};
Result<ApplianceCommand> appliance_command(const ApplianceView& a, const std::string& command,
                                           const nlohmann::json& params);

// Unit-channel results after a command: the state the unit sent back merged
// into `a`. Keys that do not parse are skipped.
void merge_state(ApplianceView& a, const nlohmann::json& state);

// A unit-channel error code ("appliance_offline", ...) as Google's errorCode.
std::string google_error_code(const std::string& unit_error);

}  // namespace hemsrig::cloud
