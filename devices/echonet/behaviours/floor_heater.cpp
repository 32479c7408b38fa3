// Floor heater (0x027B): the floor warms toward the set temperature (0xE0,
// or 20 C + the level of 0xE1) while on, and cools to the room while off.
#include <cmath>

#include "devices/echonet/behaviours/physics.hpp"

namespace hemsrig::echonet {

namespace {

class FloorHeater : public Behaviour {
 public:
  explicit FloorHeater(const BehaviourParams& p)
      : floor_c_(p.at("floor_c")), rated_w_(p.at("rated_w")) {}

  void tick(double dt, const Surroundings& around) override {
    double target = 28.0;
    const std::int64_t t1 = read_int(0xE0);
    const std::int64_t level = read_int(0xE1);
    if (t1 >= 0 && t1 <= 50) {
      target = static_cast<double>(t1);
    } else if (level >= 0x31 && level <= 0x3F) {
      target = 20.0 + static_cast<double>(level - 0x30);
    }
    const double room = std::min(around.outdoor_c, 24.0);
    double watts = 0.0;
    if (is_on()) {
      floor_c_ = approach(floor_c_, target, dt, 1800.0);
      watts = floor_c_ < target - 0.5 ? rated_w_ : rated_w_ * 0.25;
    } else {
      floor_c_ = approach(floor_c_, room, dt, 3600.0);
    }
    write_int(0xE3, static_cast<std::int64_t>(std::lround(floor_c_)));
    write_int(0xE2, static_cast<std::int64_t>(std::lround(room)));
    meter(watts, dt);
  }

 private:
  double floor_c_;
  double rated_w_;
};

}  // namespace

const BehaviourEntry kFloorHeaterBehaviour{
    0x027B,
    {{"floor_c", 20.0}, {"rated_w", 1200.0}},
    [](const BehaviourParams& p) -> std::unique_ptr<Behaviour> {
      return std::make_unique<FloorHeater>(p);
    }};

}  // namespace hemsrig::echonet
