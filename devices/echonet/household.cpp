#include "devices/echonet/household.hpp"

#include "devices/echonet/behaviours/behaviours.hpp"

namespace hemsrig::echonet {

Household::Household(sim::Engine& engine, sim::Duration step) : engine_(engine), step_(step) {}

Household::~Household() {
  stop();
}

void Household::add(EchonetObject& object, std::function<bool()> powered) {
  if (object.behaviour() != nullptr) members_.push_back(Member{&object, std::move(powered)});
}

void Household::start() {
  if (running_) return;
  running_ = true;
  tick();
}

void Household::stop() {
  if (!running_) return;
  running_ = false;
  engine_.cancel(timer_);
}

void Household::tick() {
  const double dt = sim::to_seconds(step_);
  Surroundings around{engine_.calendar_now(), outdoor_temperature(engine_.calendar_now()), load_w_,
                      generation_w_};
  double load = 0.0, generation = 0.0;
  for (auto& m : members_) {
    Behaviour* b = m.object->behaviour();
    if (b->measures_house() || !m.powered()) continue;
    b->tick(dt, around);
    const double w = b->power_w();
    if (w >= 0) {
      load += w;
    } else {
      generation += -w;
    }
  }
  load_w_ = load;
  generation_w_ = generation;
  around.house_load_w = load;
  around.house_generation_w = generation;
  for (auto& m : members_) {
    Behaviour* b = m.object->behaviour();
    if (b->measures_house() && m.powered()) b->tick(dt, around);
  }
  timer_ = engine_.after(step_, [this] { tick(); });
}

}  // namespace hemsrig::echonet
