// Storage battery (0x027D): the state of charge follows the operation mode
// (0xDA): charging and discharging at the rated power until full or empty;
// in automatic mode it covers the house's deficit or stores its surplus.
#include <algorithm>
#include <cmath>

#include "devices/echonet/behaviours/physics.hpp"

namespace hemsrig::echonet {

namespace {

constexpr std::uint8_t kRapidCharge = 0x41, kCharge = 0x42, kDischarge = 0x43, kStandby = 0x44,
                       kAuto = 0x46;

class StorageBattery : public Behaviour {
 public:
  explicit StorageBattery(const BehaviourParams& p)
      : capacity_wh_(p.at("capacity_wh")),
        rate_w_(p.at("rate_w")),
        stored_wh_(p.at("capacity_wh") * p.at("soc_percent") / 100.0) {}

  void attach(EchonetObject& o) override {
    Behaviour::attach(o);
    write_int(0xA0, static_cast<std::int64_t>(capacity_wh_));
    write_int(0xA1, static_cast<std::int64_t>(capacity_wh_));
    publish(kStandby);
  }

  void tick(double dt, const Surroundings& around) override {
    const auto mode = static_cast<std::uint8_t>(read_int(0xDA));
    double w = 0.0;  // + charging, - discharging
    if (is_on()) {
      if (mode == kCharge) w = rate_w_;
      if (mode == kRapidCharge) w = rate_w_ * 1.5;
      if (mode == kDischarge) w = -rate_w_;
      if (mode == kAuto) {
        // The house's balance without this battery's own last contribution.
        const double net =
            around.house_load_w - power_w_ - (around.house_generation_w - std::max(0.0, -power_w_));
        w = std::clamp(-net, -rate_w_, rate_w_);
      }
    }
    if (w > 0) w = std::min(w, (capacity_wh_ - stored_wh_) * 3600.0 / dt);
    if (w < 0) w = std::max(w, -stored_wh_ * 3600.0 / dt);
    stored_wh_ = std::clamp(stored_wh_ + w * dt / 3600.0, 0.0, capacity_wh_);
    if (w > 0) charged_wh_ += w * dt / 3600.0;
    if (w < 0) discharged_wh_ += -w * dt / 3600.0;
    power_w_ = w;
    publish(w > 0.5 ? kCharge : (w < -0.5 ? kDischarge : kStandby));
  }
  double power_w() const override { return power_w_; }

 private:
  void publish(std::uint8_t actual) {
    write_int(0xE2, static_cast<std::int64_t>(stored_wh_));
    write_int(0xE4, static_cast<std::int64_t>(std::lround(100.0 * stored_wh_ / capacity_wh_)));
    write_int(0xD3, static_cast<std::int64_t>(std::lround(power_w_)));
    write_int(0xA8, static_cast<std::int64_t>(charged_wh_));
    write_int(0xA9, static_cast<std::int64_t>(discharged_wh_));
    write_int(0xA2, static_cast<std::int64_t>(capacity_wh_ - stored_wh_));
    write_int(0xA3, static_cast<std::int64_t>(stored_wh_));
    write_int(0xCF, actual);
  }

  double capacity_wh_;
  double rate_w_;
  double stored_wh_;
  double power_w_ = 0.0;
  double charged_wh_ = 0.0;
  double discharged_wh_ = 0.0;
};

}  // namespace

const BehaviourEntry kStorageBatteryBehaviour{
    0x027D,
    {{"capacity_wh", 9800.0}, {"rate_w", 2000.0}, {"soc_percent", 50.0}},
    [](const BehaviourParams& p) -> std::unique_ptr<Behaviour> {
      return std::make_unique<StorageBattery>(p);
    }};

}  // namespace hemsrig::echonet
