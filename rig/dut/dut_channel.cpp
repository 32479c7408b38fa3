#include "rig/dut/dut_channel.hpp"

#include "rig/dut/dut.hpp"

namespace hemsrig::dut {

namespace {

class DutChannel final : public bench::PowerChannel {
 public:
  DutChannel(Dut& dut, double watts) : dut_(dut), watts_(watts) {}
  std::string name() const override { return dut_.id(); }
  std::string kind() const override { return "dut"; }
  Status on() override { return dut_.powered() ? ok_status() : dut_.power_on(); }
  void off() override { (void)dut_.power_off(); }
  bool is_on() const override { return dut_.powered(); }
  double power_w() const override { return dut_.powered() ? watts_ : 0.0; }
  double energy_wh() const override { return meter_.drawn_wh(); }
  double supplied_wh() const override { return meter_.supplied_wh(); }
  void sample(sim::Time now) override { meter_.sample(now, power_w()); }

 private:
  Dut& dut_;
  double watts_;
  bench::EnergyMeter meter_;
};

}  // namespace

std::unique_ptr<bench::PowerChannel> make_dut_channel(Dut& dut, double watts) {
  return std::make_unique<DutChannel>(dut, watts);
}

}  // namespace hemsrig::dut
