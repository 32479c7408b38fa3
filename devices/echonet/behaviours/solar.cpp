// Household solar power generation (0x0279): output follows a daily curve of
// simulated local time (a half sine from sunrise to sunset), capped by the
// output power control (0xA0, percent).
#include <cmath>

#include "devices/echonet/behaviours/physics.hpp"

namespace hemsrig::echonet {

namespace {

class Solar : public Behaviour {
 public:
  explicit Solar(const BehaviourParams& p)
      : capacity_w_(p.at("capacity_w")), sunrise_(p.at("sunrise_h")), sunset_(p.at("sunset_h")) {}

  void attach(EchonetObject& o) override {
    Behaviour::attach(o);
    write_int(0xE8, static_cast<std::int64_t>(capacity_w_));
  }

  void tick(double dt, const Surroundings& around) override {
    const double h = local_hour(around.now);
    double w = 0.0;
    if (is_on() && h > sunrise_ && h < sunset_) {
      w = capacity_w_ * 0.85 * std::sin(M_PI * (h - sunrise_) / (sunset_ - sunrise_));
    }
    if (const Bytes* cap = object_->value(0xA0);
        cap != nullptr && cap->size() == 1 && (*cap)[0] <= 100) {
      w = std::min(w, capacity_w_ * (*cap)[0] / 100.0);
    }
    output_w_ = std::max(0.0, w);
    energy_wh_ += output_w_ * dt / 3600.0;
    write_int(0xE0, static_cast<std::int64_t>(std::lround(output_w_)));
    write_int(0xE1, static_cast<std::int64_t>(energy_wh_));  // 0.001 kWh units = Wh
  }
  double power_w() const override { return -output_w_; }

 private:
  double capacity_w_;
  double sunrise_;
  double sunset_;
  double output_w_ = 0.0;
  double energy_wh_ = 0.0;
};

}  // namespace

const BehaviourEntry kSolarBehaviour{
    0x0279,
    {{"capacity_w", 4500.0}, {"sunrise_h", 4.5}, {"sunset_h", 19.0}},
    [](const BehaviourParams& p) -> std::unique_ptr<Behaviour> {
      return std::make_unique<Solar>(p);
    }};

}  // namespace hemsrig::echonet
