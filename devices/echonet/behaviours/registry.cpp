#include <fmt/format.h>

#include "devices/echonet/behaviours/physics.hpp"

namespace hemsrig::echonet {

namespace {
const std::vector<const BehaviourEntry*>& entries() {
  static const std::vector<const BehaviourEntry*> all{
      &kAirConditionerBehaviour, &kFloorHeaterBehaviour, &kGeneralLightingBehaviour,
      &kLightingSystemBehaviour, &kSmartMeterBehaviour,  &kSolarBehaviour,
      &kStorageBatteryBehaviour, &kWaterHeaterBehaviour};
  return all;
}

const BehaviourEntry* find_entry(std::uint16_t class_code) {
  for (const auto* e : entries()) {
    if (e->class_code == class_code) return e;
  }
  return nullptr;
}
}  // namespace

std::vector<std::string> behaviour_params(std::uint16_t class_code) {
  std::vector<std::string> out;
  if (const auto* e = find_entry(class_code)) {
    for (const auto& [name, value] : e->defaults) out.push_back(name);
  }
  return out;
}

Result<std::unique_ptr<Behaviour>> make_behaviour(std::uint16_t class_code,
                                                  const BehaviourParams& params) {
  const BehaviourEntry* e = find_entry(class_code);
  if (e == nullptr) {
    if (!params.empty()) {
      return make_error(
          "unknown_parameter",
          fmt::format("class 0x{:04X} has no physics to set parameters of", class_code));
    }
    return std::unique_ptr<Behaviour>{};
  }
  BehaviourParams merged(e->defaults.begin(), e->defaults.end());
  for (const auto& [name, value] : params) {
    if (!merged.contains(name)) {
      std::string known;
      for (const auto& [n, v] : e->defaults) known += (known.empty() ? "" : ", ") + n;
      return make_error("unknown_parameter",
                        fmt::format("unknown physics parameter '{}' (known: {})", name, known));
    }
    merged[name] = value;
  }
  return e->make(merged);
}

}  // namespace hemsrig::echonet
