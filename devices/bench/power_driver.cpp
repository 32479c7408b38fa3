#include "devices/bench/power_driver.hpp"

#include <thread>

namespace hemsrig::bench {

Status PowerDriver::cycle(std::chrono::milliseconds delay) {
  if (auto st = off(); !st) return st;
  std::this_thread::sleep_for(delay);
  return on();
}

Status CoilPowerDriver::on() {
  return coil_->set(!coil_->resource().invert);
}

Status CoilPowerDriver::off() {
  return coil_->set(coil_->resource().invert);
}

Result<bool> CoilPowerDriver::is_on() {
  auto energised = coil_->get();
  if (!energised) return energised.error();
  return *energised != coil_->resource().invert;
}

}  // namespace hemsrig::bench
