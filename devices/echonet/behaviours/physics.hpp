// Shared pieces of the behaviour files: the registry entry each file
// defines, and first-order approach toward a target.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "devices/echonet/behaviours/behaviours.hpp"

namespace hemsrig::echonet {

struct BehaviourEntry {
  std::uint16_t class_code;
  std::vector<std::pair<std::string, double>> defaults;  // every accepted parameter
  std::function<std::unique_ptr<Behaviour>(const BehaviourParams&)> make;
};

// `value` after `dt` seconds of exponential approach to `target` with time constant `tau`.
inline double approach(double value, double target, double dt, double tau) {
  return target + (value - target) * std::exp(-dt / tau);
}

extern const BehaviourEntry kAirConditionerBehaviour;
extern const BehaviourEntry kFloorHeaterBehaviour;
extern const BehaviourEntry kGeneralLightingBehaviour;
extern const BehaviourEntry kLightingSystemBehaviour;
extern const BehaviourEntry kSmartMeterBehaviour;
extern const BehaviourEntry kSolarBehaviour;
extern const BehaviourEntry kStorageBatteryBehaviour;
extern const BehaviourEntry kWaterHeaterBehaviour;

}  // namespace hemsrig::echonet
