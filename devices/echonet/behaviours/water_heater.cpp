// Electric water heater (0x026B): heats the tank at night in automatic mode
// (23:00-07:00, when electricity is cheap) or whenever manual heating is on;
// the household draws hot water in the evening.
#include <algorithm>
#include <cmath>

#include "devices/echonet/behaviours/physics.hpp"

namespace hemsrig::echonet {

namespace {

constexpr std::uint8_t kAuto = 0x41, kManualHeat = 0x42;

class WaterHeater : public Behaviour {
 public:
  explicit WaterHeater(const BehaviourParams& p)
      : tank_l_(p.at("tank_l")),
        hot_l_(p.at("tank_l") * p.at("fill_percent") / 100.0),
        rated_w_(p.at("rated_w")) {}

  void tick(double dt, const Surroundings& around) override {
    const double h = local_hour(around.now);
    const auto mode = static_cast<std::uint8_t>(read_int(0xB0));
    const bool night = h >= 23.0 || h < 7.0;
    const bool heat = hot_l_ < tank_l_ && (mode == kManualHeat || (mode == kAuto && night));
    // 1.163 Wh heats a litre by one kelvin; from 15 C to 65 C, 58 Wh a litre.
    if (heat) hot_l_ = std::min(tank_l_, hot_l_ + rated_w_ * dt / 3600.0 / 58.0);
    if (h >= 19.0 && h < 22.0) hot_l_ = std::max(0.0, hot_l_ - 40.0 * dt / 3600.0);
    power_w_ = heat ? rated_w_ : 0.0;
    write_int(0xB2, heat ? 0x41 : 0x42);
    write_int(0xE1, static_cast<std::int64_t>(std::lround(hot_l_)));
    write_int(0xE2, static_cast<std::int64_t>(tank_l_));
  }
  double power_w() const override { return power_w_; }

 private:
  double tank_l_;
  double hot_l_;
  double rated_w_;
  double power_w_ = 0.0;
};

}  // namespace

const BehaviourEntry kWaterHeaterBehaviour{
    0x026B,
    {{"tank_l", 370.0}, {"fill_percent", 60.0}, {"rated_w", 1500.0}},
    [](const BehaviourParams& p) -> std::unique_ptr<Behaviour> {
      return std::make_unique<WaterHeater>(p);
    }};

}  // namespace hemsrig::echonet
