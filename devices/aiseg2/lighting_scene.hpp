// Lighting scenes (照明シーン) the user creates on the unit for an "advanced
// lighting" appliance (ECHONET class 0x02A3, lighting system). A scene has a
// name, belongs to one appliance (the unit's appliance key) and maps to the
// value the unit writes to that appliance's EPC 0xC0 (scene control setting,
// 1..253; 0x00 means "no setting", MRA 0x02A3). Voice scenes refer to them by
// name (DOMAIN R73), so they must exist first.
//
// Rig's choices (the manual is silent): a name is 1..20 characters of valid
// UTF-8, unique per appliance; a scene number is unique per appliance; no
// limit on the number of scenes. Plain data; single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

inline constexpr std::uint16_t kAdvancedLightingClass = 0x02A3;
inline constexpr std::uint8_t kEpcSceneControl = 0xC0;

struct LightingScene {
  std::string name;               // "団らん"
  std::string appliance_key;      // the unit's key for the advanced-lighting appliance
  std::uint8_t scene_number = 1;  // EDT of EPC 0xC0, 1..253
};

class LightingSceneBook {
 public:
  static constexpr std::size_t kMaxNameLength = 20;

  // Refused (code "lighting_scene_invalid"): empty or over-long name, invalid
  // UTF-8, empty appliance key, scene number 0 or above 253, a name or scene
  // number the appliance already has.
  Status add(LightingScene scene);
  Status remove(std::string_view appliance_key, std::string_view name);

  const LightingScene* find(std::string_view appliance_key, std::string_view name) const;
  std::vector<LightingScene> for_appliance(std::string_view appliance_key) const;
  const std::vector<LightingScene>& all() const { return scenes_; }

 private:
  std::vector<LightingScene> scenes_;
};

}  // namespace hemsrig::aiseg2
