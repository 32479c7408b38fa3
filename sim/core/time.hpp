// Simulated time. Every model reads time from the Engine, never from the wall
// clock, so a 30-minute firmware install can take milliseconds (virtual) or 30
// minutes (real time) without the model knowing which.
#pragma once

#include <chrono>
#include <cstdint>

namespace hemsrig::sim {

using Duration = std::chrono::nanoseconds;
// Time since the world started; the calendar date is Engine::epoch() + Time.
using Time = std::chrono::nanoseconds;
using CalendarTime = std::chrono::system_clock::time_point;

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

inline double to_seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace hemsrig::sim
