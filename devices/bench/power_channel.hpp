// PowerChannel: one switched and metered power outlet of the bench: an AiSEG2
// unit, an appliance node or a device under test. Off is a power cut, on is a
// boot. The Modbus bench (bench_server.hpp) maps each channel to a coil and
// to input registers; the world hands its units and nodes to the bench as
// channels (simulated_channels.hpp), and a DUT adapter can add its own.
// Single-threaded: call from the engine's thread.
#pragma once

#include <string>

#include "sim/core/result.hpp"
#include "sim/core/time.hpp"

namespace hemsrig::bench {

class PowerChannel {
 public:
  virtual ~PowerChannel() = default;

  // Stable name (the unit id, the node key, the DUT's name).
  virtual std::string name() const = 0;
  // What is behind it: "aiseg2-unit", "echonet-node", "dut".
  virtual std::string kind() const = 0;

  // Power back: the thing boots. Fails when it cannot (its address is taken).
  virtual Status on() = 0;
  // Power cut: the thing stops at once.
  virtual void off() = 0;
  virtual bool is_on() const = 0;

  // What it draws now, in W; negative for a source (PV, a discharging battery).
  virtual double power_w() const = 0;
  // Energy since the bench started, in Wh: drawn from the house, and supplied to it.
  virtual double energy_wh() const = 0;
  virtual double supplied_wh() const = 0;

  // The bench calls this every sample period and before it answers a read, so
  // channels that integrate their power (EnergyMeter) keep their energy current.
  virtual void sample(sim::Time /*now*/) {}
};

// Integrates a power that is sampled now and then: the power seen at one
// sample is taken to hold until the next (sample and hold).
class EnergyMeter {
 public:
  void sample(sim::Time now, double watts) {
    if (started_) {
      const double hours = sim::to_seconds(now - last_) / 3600.0;
      if (hours > 0) {
        if (last_w_ >= 0)
          drawn_wh_ += last_w_ * hours;
        else
          supplied_wh_ += -last_w_ * hours;
      }
    }
    started_ = true;
    last_ = now;
    last_w_ = watts;
  }
  double drawn_wh() const { return drawn_wh_; }
  double supplied_wh() const { return supplied_wh_; }

 private:
  bool started_ = false;
  sim::Time last_{0};
  double last_w_ = 0.0;
  double drawn_wh_ = 0.0;
  double supplied_wh_ = 0.0;
};

}  // namespace hemsrig::bench
