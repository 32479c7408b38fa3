#include "devices/google/utterance.hpp"

#include <algorithm>
#include <optional>

namespace hemsrig::google {

namespace {

using nlohmann::json;

const std::string kCommands = "action.devices.commands.";

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string_view strip(std::string_view s) {
  for (std::string_view prefix :
       {"OK Google、", "OK Google，", "OK Google,", "OK Google", "OK グーグル、", "ねえGoogle、",
        "ねえ Google、", "ok google,", "Ok Google,"}) {
    if (s.substr(0, prefix.size()) == prefix) {
      s.remove_prefix(prefix.size());
      break;
    }
  }
  auto trim = [&] {
    while (!s.empty() && (s.front() == ' ')) s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.substr(0, 3) == "　") s.remove_prefix(3);  // a full-width space
  };
  trim();
  for (std::string_view stop : {"。", "！", "!", "."}) {
    if (ends_with(s, stop)) s.remove_suffix(stop.size());
  }
  trim();
  return s;
}

// "25", "２５", "25.5" -> the number; nullopt for anything else.
std::optional<double> parse_number(std::string_view s) {
  std::string ascii;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c >= '0' && c <= '9') || c == '.') {
      ascii += static_cast<char>(c);
      ++i;
    } else if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBC &&
               static_cast<unsigned char>(s[i + 2]) >= 0x90 &&
               static_cast<unsigned char>(s[i + 2]) <= 0x99) {
      ascii += static_cast<char>('0' + static_cast<unsigned char>(s[i + 2]) - 0x90);  // U+FF10..
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  if (ascii.empty() || ascii.front() == '.' || ascii.back() == '.' ||
      std::count(ascii.begin(), ascii.end(), '.') > 1) {
    return std::nullopt;
  }
  return std::stod(ascii);
}

Error not_understood(std::string_view utterance) {
  return make_error("utterance_not_understood",
                    "\"" + std::string(utterance) + "\" is not a command the assistant knows");
}

}  // namespace

bool SyncedDevice::has_trait(std::string_view trait) const {
  return std::find(traits.begin(), traits.end(), trait) != traits.end();
}

Result<SpokenCommand> parse_utterance(std::string_view utterance) {
  std::string_view s = strip(utterance);
  auto named = [&](std::size_t tail) { return std::string(s.substr(0, s.size() - tail)); };
  for (std::string_view tail : {"を開始して", "を実行して"}) {
    if (ends_with(s, tail) && s.size() > tail.size()) {
      return SpokenCommand{
          named(tail.size()), kCommands + "ActivateScene", {{"deactivate", false}}, true};
    }
  }
  for (std::string_view tail : {"をつけて", "を付けて", "をオンにして", "を点けて"}) {
    if (ends_with(s, tail) && s.size() > tail.size()) {
      return SpokenCommand{named(tail.size()), kCommands + "OnOff", {{"on", true}}, false};
    }
  }
  for (std::string_view tail : {"を消して", "をけして", "をオフにして", "を止めて", "をとめて"}) {
    if (ends_with(s, tail) && s.size() > tail.size()) {
      return SpokenCommand{named(tail.size()), kCommands + "OnOff", {{"on", false}}, false};
    }
  }
  if (ends_with(s, "度にして")) {
    std::string_view head = s.substr(0, s.size() - std::string_view("度にして").size());
    std::size_t wo = head.rfind("を");
    if (wo != std::string_view::npos && wo > 0) {
      if (auto n = parse_number(head.substr(wo + std::string_view("を").size()))) {
        return SpokenCommand{std::string(head.substr(0, wo)),
                             kCommands + "ThermostatTemperatureSetpoint",
                             {{"thermostatTemperatureSetpoint", *n}},
                             false};
      }
    }
  }
  for (std::string_view tail : {"%にして", "％にして", "パーセントにして"}) {
    if (!ends_with(s, tail)) continue;
    std::string_view head = s.substr(0, s.size() - tail.size());
    std::size_t at = head.rfind("の明るさを");
    if (at == std::string_view::npos || at == 0) break;
    auto n = parse_number(head.substr(at + std::string_view("の明るさを").size()));
    if (!n) break;
    return SpokenCommand{std::string(head.substr(0, at)),
                         kCommands + "BrightnessAbsolute",
                         {{"brightness", static_cast<int>(*n)}},
                         false};
  }
  return not_understood(utterance);
}

Result<const SyncedDevice*> resolve(const std::vector<SyncedDevice>& devices,
                                    const SpokenCommand& command) {
  std::vector<const SyncedDevice*> hits;
  for (const SyncedDevice& d : devices) {
    if (d.name == command.name) hits.push_back(&d);
  }
  if (hits.empty()) {
    // Part of a name: "エアコン" finds "リビングエアコン" when it is the only one.
    for (const SyncedDevice& d : devices) {
      if (d.name.find(command.name) != std::string::npos) hits.push_back(&d);
    }
  }
  if (hits.empty()) {
    return make_error("device_unknown", "no device is called \"" + command.name + "\"");
  }
  if (hits.size() > 1) {
    std::string names;
    for (const SyncedDevice* d : hits) names += (names.empty() ? "" : ", ") + d->name;
    return make_error("device_ambiguous", "\"" + command.name + "\" could be any of " + names +
                                              "; give each a unique, room-qualified name "
                                              "(DOMAIN R65)");
  }
  const SyncedDevice* d = hits.front();
  const bool is_scene = d->type == "action.devices.types.SCENE";
  std::string trait = "action.devices.traits.OnOff";
  if (command.command.ends_with("ThermostatTemperatureSetpoint")) {
    trait = "action.devices.traits.TemperatureSetting";
  } else if (command.command.ends_with("BrightnessAbsolute")) {
    trait = "action.devices.traits.Brightness";
  } else if (command.scene) {
    trait = "action.devices.traits.Scene";
  }
  if (is_scene != command.scene || !d->has_trait(trait)) {
    return make_error("device_cannot",
                      "\"" + d->name + "\" cannot do that (" + command.command + ")");
  }
  return d;
}

}  // namespace hemsrig::google
