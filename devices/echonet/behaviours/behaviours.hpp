// Behaviours: the physics of each appliance class the rig simulates in C++
// (the rest of a class is its profile). Parameters come from the world file
// (`physics:` of an appliance); unknown names are refused so a typo shows.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "devices/echonet/object.hpp"

namespace hemsrig::echonet {

using BehaviourParams = std::map<std::string, double>;

// The behaviour for `class_code`, or nullptr where the class is data only.
// Fails on a parameter the behaviour does not know.
Result<std::unique_ptr<Behaviour>> make_behaviour(std::uint16_t class_code,
                                                  const BehaviourParams& params);
// The parameter names a class's behaviour accepts (for validation messages).
std::vector<std::string> behaviour_params(std::uint16_t class_code);

// Hours since local midnight in the simulated house's time zone (JST, UTC+9,
// no daylight saving), e.g. 13.5 for 13:30.
double local_hour(std::chrono::system_clock::time_point t);
// Local calendar fields (JST) for date and time properties.
struct LocalTime {
  int year, month, day, hour, minute, second;
};
LocalTime local_time(std::chrono::system_clock::time_point t);

// Outdoor air temperature (C) by a daily curve: coolest at 05:00, warmest at 14:00.
double outdoor_temperature(std::chrono::system_clock::time_point t, double mean_c = 27.0,
                           double swing_c = 4.5);

}  // namespace hemsrig::echonet
