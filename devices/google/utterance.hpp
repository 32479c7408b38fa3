// Utterances the scripted Google Assistant understands, and how a spoken name
// finds a device of the SYNC answer. Enough Japanese for the manual's examples:
// "リビングエアコンをつけて" (on), "...を消して" (off), "...を25度にして"
// (set temperature), "...の明るさを50%にして" (brightness), "おやすみを開始して"
// (a voice scene, DOMAIN R70). Names are matched exactly first, then as part of
// a device name; two candidates are ambiguous, which is the generic-name
// failure of DOMAIN R65 ("エアコン" with several air conditioners).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/result.hpp"

namespace hemsrig::google {

struct SpokenCommand {
  std::string name;     // the spoken device or scene name
  std::string command;  // "action.devices.commands.OnOff", ...
  nlohmann::json params = nlohmann::json::object();
  bool scene = false;  // "...を開始して"
};

// Error "utterance_not_understood" naming the utterance.
Result<SpokenCommand> parse_utterance(std::string_view utterance);

// A device of the SYNC answer, as Google keeps it.
struct SyncedDevice {
  std::string id;
  std::string type;
  std::string name;
  std::vector<std::string> traits;
  nlohmann::json attributes = nlohmann::json::object();
  bool has_trait(std::string_view trait) const;
};

// The device a spoken name means. Errors: device_unknown (nothing is called
// that), device_ambiguous (DOMAIN R65: several devices fit the name; the
// message lists them), device_cannot (the device lacks the trait the command
// needs, or a scene was asked to do something else).
Result<const SyncedDevice*> resolve(const std::vector<SyncedDevice>& devices,
                                    const SpokenCommand& command);

}  // namespace hemsrig::google
