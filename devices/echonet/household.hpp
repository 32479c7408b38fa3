// Household: the electrical and thermal surroundings of one simulated house.
// It ticks every appliance's behaviour on a fixed step of simulated time, sums
// what they draw and supply, and lets the meters see that balance, which is
// how "the meter follows the house's load" without one model reaching into
// another's protocol.
#pragma once

#include <functional>
#include <vector>

#include "devices/echonet/object.hpp"
#include "sim/core/engine.hpp"

namespace hemsrig::echonet {

class Household {
 public:
  explicit Household(sim::Engine& engine, sim::Duration step = std::chrono::seconds(60));
  ~Household();

  // `powered` says whether the appliance has power now (a cut stops its physics).
  void add(EchonetObject& object, std::function<bool()> powered);
  // Starts ticking; the first tick sets every reading at once.
  void start();
  void stop();

  double load_w() const { return load_w_; }
  double generation_w() const { return generation_w_; }
  sim::Duration step() const { return step_; }

 private:
  void tick();

  struct Member {
    EchonetObject* object;
    std::function<bool()> powered;
  };
  sim::Engine& engine_;
  sim::Duration step_;
  std::vector<Member> members_;
  double load_w_ = 0.0;
  double generation_w_ = 0.0;
  sim::TimerId timer_ = 0;
  bool running_ = false;
};

}  // namespace hemsrig::echonet
