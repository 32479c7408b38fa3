// Home air conditioner (0x0130): the room moves toward the set point while
// the unit works in a mode that can get it there, and toward the outdoor
// temperature otherwise; power follows the gap it is closing.
#include <cmath>

#include "devices/echonet/behaviours/physics.hpp"

namespace hemsrig::echonet {

namespace {

constexpr std::uint8_t kAuto = 0x41, kCool = 0x42, kHeat = 0x43, kDry = 0x44, kFan = 0x45;

class AirConditioner : public Behaviour {
 public:
  explicit AirConditioner(const BehaviourParams& p)
      : room_c_(p.at("room_c")), rated_w_(p.at("rated_w")) {}

  void tick(double dt, const Surroundings& around) override {
    const auto mode = static_cast<std::uint8_t>(read_int(0xB0));
    std::int64_t target = read_int(0xB3);
    if (target > 50) target = 26;  // 0xFD: undetermined
    bool working = false;
    if (is_on()) {
      const bool can_cool = mode == kCool || mode == kDry || mode == kAuto;
      const bool can_heat = mode == kHeat || mode == kAuto;
      working = (room_c_ > target && can_cool) || (room_c_ < target && can_heat);
    }
    double watts = 0.0;
    if (working) {
      room_c_ = approach(room_c_, static_cast<double>(target), dt, 600.0);
      watts = std::min(rated_w_, 150.0 + 120.0 * std::abs(room_c_ - static_cast<double>(target)));
    } else {
      room_c_ = approach(room_c_, around.outdoor_c, dt, 7200.0);
      watts = is_on() && mode == kFan ? 30.0 : (is_on() ? 20.0 : 0.0);
    }
    write_int(0xBB, static_cast<std::int64_t>(std::lround(room_c_)));
    write_int(0xBE, static_cast<std::int64_t>(std::lround(around.outdoor_c)));
    meter(watts, dt);
  }
  void attach(EchonetObject& o) override {
    Behaviour::attach(o);
    write_int(0xBB, static_cast<std::int64_t>(std::lround(room_c_)));
  }

 private:
  double room_c_;
  double rated_w_;
};

}  // namespace

const BehaviourEntry kAirConditionerBehaviour{
    0x0130,
    {{"room_c", 28.0}, {"rated_w", 1800.0}},
    [](const BehaviourParams& p) -> std::unique_ptr<Behaviour> {
      return std::make_unique<AirConditioner>(p);
    }};

}  // namespace hemsrig::echonet
