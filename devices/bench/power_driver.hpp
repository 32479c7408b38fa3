// Power drivers: switch a device's power (the labgrid "power protocol"): on,
// off, and cycle with a delay. CoilPowerDriver does it through any coil
// driver (a Modbus relay board, the rig's bench), honouring the resource's
// `invert`; other power back ends (a PDU, a USB hub) implement PowerDriver too.
// Calls block the calling thread (cycle() for the whole delay).
#pragma once

#include <chrono>
#include <memory>

#include "devices/bench/coil_driver.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::bench {

class PowerDriver {
 public:
  virtual ~PowerDriver() = default;
  virtual Status on() = 0;
  virtual Status off() = 0;
  virtual Result<bool> is_on() = 0;
  // Off, wait `delay`, on. Stops at the first failure.
  virtual Status cycle(std::chrono::milliseconds delay);
};

class CoilPowerDriver final : public PowerDriver {
 public:
  explicit CoilPowerDriver(std::unique_ptr<CoilDriver> coil) : coil_(std::move(coil)) {}
  Status on() override;
  Status off() override;
  Result<bool> is_on() override;
  CoilDriver& coil() { return *coil_; }

 private:
  std::unique_ptr<CoilDriver> coil_;
};

}  // namespace hemsrig::bench
