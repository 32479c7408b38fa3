// Low-voltage smart electric energy meter (0x0288): integrates the house's
// net power into the normal-direction (bought, 0xE0) and reverse-direction
// (sold, 0xE3) counters, which only ever grow, and fixes them at every
// 30-minute mark (0xEA, 0xEB) as real meters do for route B.
#include <cmath>

#include "devices/echonet/behaviours/physics.hpp"
#include "sim/echonet/energy_unit.hpp"

namespace hemsrig::echonet {

namespace {

// 0xE1 unit code -> kWh per count.
class SmartMeter : public Behaviour {
 public:
  explicit SmartMeter(const BehaviourParams& p)
      : bought_kwh_(p.at("bought_kwh")), sold_kwh_(p.at("sold_kwh")) {}
  bool measures_house() const override { return true; }

  void attach(EchonetObject& o) override {
    Behaviour::attach(o);
    publish_counters();
  }

  void tick(double dt, const Surroundings& around) override {
    const double net_w = around.house_load_w - around.house_generation_w;
    if (net_w >= 0) {
      bought_kwh_ += net_w * dt / 3.6e6;
    } else {
      sold_kwh_ += -net_w * dt / 3.6e6;
    }
    write_int(0xE7, static_cast<std::int64_t>(std::lround(net_w)));
    // 0xE8: R and T phase currents in 0.1 A at 100 V, split evenly.
    const auto amps = static_cast<std::int64_t>(std::lround(net_w / 200.0 * 10.0));
    if (const Bytes* cur = object_->value(0xE8); cur != nullptr && cur->size() == 4) {
      Bytes v = write_uint(static_cast<std::uint16_t>(amps), 2);
      const Bytes t = v;
      v.insert(v.end(), t.begin(), t.end());
      object_->write_unchecked(0xE8, v);
    }
    publish_counters();
    const LocalTime lt = local_time(around.now);
    const int slot = lt.hour * 2 + lt.minute / 30;
    if (slot != last_slot_) {
      last_slot_ = slot;
      fix_at_mark(0xEA, bought_kwh_, lt);
      fix_at_mark(0xEB, sold_kwh_, lt);
    }
  }

 private:
  std::int64_t counts(double kwh) const {
    std::int64_t coefficient = read_int(0xD3);
    if (coefficient <= 0) coefficient = 1;
    std::int64_t digits = read_int(0xD7);
    if (digits <= 0 || digits > 8) digits = 8;
    const auto modulo = static_cast<std::int64_t>(std::pow(10.0, static_cast<double>(digits)));
    return static_cast<std::int64_t>(kwh /
                                     energy_unit_kwh(static_cast<std::uint8_t>(read_int(0xE1))) /
                                     static_cast<double>(coefficient)) %
           modulo;
  }
  void publish_counters() {
    write_int(0xE0, counts(bought_kwh_));
    write_int(0xE3, counts(sold_kwh_));
  }
  // Date and time of the mark (YYYY MM DD hh mm ss), then the counter.
  void fix_at_mark(std::uint8_t epc, double kwh, const LocalTime& lt) {
    const Bytes* cur = object_->value(epc);
    if (cur == nullptr || cur->size() != 11) return;
    Bytes v = write_uint(static_cast<std::uint64_t>(lt.year), 2);
    v.insert(v.end(), {static_cast<std::uint8_t>(lt.month), static_cast<std::uint8_t>(lt.day),
                       static_cast<std::uint8_t>(lt.hour),
                       static_cast<std::uint8_t>(lt.minute / 30 * 30), 0});
    const Bytes c = write_uint(static_cast<std::uint64_t>(counts(kwh)), 4);
    v.insert(v.end(), c.begin(), c.end());
    object_->write_unchecked(epc, v);
  }

  double bought_kwh_;
  double sold_kwh_;
  int last_slot_ = -1;
};

}  // namespace

const BehaviourEntry kSmartMeterBehaviour{
    0x0288,
    {{"bought_kwh", 12000.0}, {"sold_kwh", 3000.0}},
    [](const BehaviourParams& p) -> std::unique_ptr<Behaviour> {
      return std::make_unique<SmartMeter>(p);
    }};

}  // namespace hemsrig::echonet
