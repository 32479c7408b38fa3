#include "devices/aiseg2/lighting_scene.hpp"

#include <algorithm>

#include "devices/aiseg2/utf8.hpp"

namespace hemsrig::aiseg2 {

namespace {

Error invalid(std::string message) {
  return make_error("lighting_scene_invalid", "lighting scene: " + std::move(message));
}

}  // namespace

Status LightingSceneBook::add(LightingScene scene) {
  auto cps = decode_utf8(scene.name);
  if (!cps) return invalid("name: " + cps.error().message);
  if (cps->empty()) return invalid("the name is empty");
  if (cps->size() > kMaxNameLength) {
    return invalid("name '" + scene.name + "' has " + std::to_string(cps->size()) +
                   " characters; at most " + std::to_string(kMaxNameLength) + " (the rig's limit)");
  }
  if (scene.appliance_key.empty()) return invalid("'" + scene.name + "' names no appliance");
  if (scene.scene_number == 0 || scene.scene_number > 253) {
    return invalid("'" + scene.name + "': scene number " + std::to_string(scene.scene_number) +
                   " is outside 1..253 (EPC 0xC0 of class 0x02A3; 0 means no setting)");
  }
  for (const auto& s : scenes_) {
    if (s.appliance_key != scene.appliance_key) continue;
    if (s.name == scene.name) {
      return invalid("appliance '" + scene.appliance_key + "' already has a scene named '" +
                     scene.name + "'");
    }
    if (s.scene_number == scene.scene_number) {
      return invalid("appliance '" + scene.appliance_key + "' already maps scene number " +
                     std::to_string(scene.scene_number) + " to '" + s.name + "'");
    }
  }
  scenes_.push_back(std::move(scene));
  return ok_status();
}

Status LightingSceneBook::remove(std::string_view appliance_key, std::string_view name) {
  auto it = std::find_if(scenes_.begin(), scenes_.end(), [&](const LightingScene& s) {
    return s.appliance_key == appliance_key && s.name == name;
  });
  if (it == scenes_.end()) {
    return make_error("lighting_scene_missing", "appliance '" + std::string(appliance_key) +
                                                    "' has no lighting scene '" +
                                                    std::string(name) + "'");
  }
  scenes_.erase(it);
  return ok_status();
}

const LightingScene* LightingSceneBook::find(std::string_view appliance_key,
                                             std::string_view name) const {
  for (const auto& s : scenes_) {
    if (s.appliance_key == appliance_key && s.name == name) return &s;
  }
  return nullptr;
}

std::vector<LightingScene> LightingSceneBook::for_appliance(std::string_view appliance_key) const {
  std::vector<LightingScene> out;
  for (const auto& s : scenes_) {
    if (s.appliance_key == appliance_key) out.push_back(s);
  }
  return out;
}

}  // namespace hemsrig::aiseg2
