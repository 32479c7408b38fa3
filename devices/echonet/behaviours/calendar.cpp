#include <cmath>

#include "devices/echonet/behaviours/behaviours.hpp"

namespace hemsrig::echonet {

namespace {
constexpr auto kJst = std::chrono::hours(9);
}

LocalTime local_time(std::chrono::system_clock::time_point t) {
  const auto local = t + kJst;
  const auto days = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(local - days)};
  return LocalTime{static_cast<int>(ymd.year()),
                   static_cast<int>(static_cast<unsigned>(ymd.month())),
                   static_cast<int>(static_cast<unsigned>(ymd.day())),
                   static_cast<int>(hms.hours().count()),
                   static_cast<int>(hms.minutes().count()),
                   static_cast<int>(hms.seconds().count())};
}

double local_hour(std::chrono::system_clock::time_point t) {
  const auto local = t + kJst;
  const auto days = std::chrono::floor<std::chrono::days>(local);
  return std::chrono::duration<double, std::ratio<3600>>(local - days).count();
}

double outdoor_temperature(std::chrono::system_clock::time_point t, double mean_c, double swing_c) {
  // A cosine with its maximum at 14:00 and minimum at 02:00 is close enough
  // for a house whose air conditioners have something to push against.
  const double h = local_hour(t);
  return mean_c + swing_c * std::cos((h - 14.0) / 24.0 * 2.0 * M_PI);
}

}  // namespace hemsrig::echonet
