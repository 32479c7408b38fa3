#include "devices/bench/simulated_channels.hpp"

#include "devices/aiseg2/unit.hpp"
#include "devices/echonet/node.hpp"

namespace hemsrig::bench {

namespace {

class UnitChannel final : public PowerChannel {
 public:
  UnitChannel(aiseg2::Unit& unit, double watts) : unit_(unit), watts_(watts) {}
  std::string name() const override { return unit_.options().id; }
  std::string kind() const override { return "aiseg2-unit"; }
  Status on() override { return unit_.powered() ? ok_status() : unit_.power_on(); }
  void off() override { unit_.power_off(); }
  bool is_on() const override { return unit_.powered(); }
  double power_w() const override { return unit_.powered() ? watts_ : 0.0; }
  double energy_wh() const override { return meter_.drawn_wh(); }
  double supplied_wh() const override { return meter_.supplied_wh(); }
  void sample(sim::Time now) override { meter_.sample(now, power_w()); }

 private:
  aiseg2::Unit& unit_;
  double watts_;
  EnergyMeter meter_;
};

class NodeChannel final : public PowerChannel {
 public:
  explicit NodeChannel(echonet::Node& node) : node_(node) {}
  std::string name() const override { return node_.name(); }
  std::string kind() const override { return "echonet-node"; }
  Status on() override { return node_.powered() ? ok_status() : node_.power_on(); }
  void off() override { node_.power_off(); }
  bool is_on() const override { return node_.powered(); }
  double power_w() const override {
    if (!node_.powered()) return 0.0;
    double w = 0.0;
    for (const auto& o : node_.objects()) {
      if (o->behaviour() != nullptr) w += o->behaviour()->power_w();
    }
    return w;
  }
  double energy_wh() const override { return meter_.drawn_wh(); }
  double supplied_wh() const override { return meter_.supplied_wh(); }
  void sample(sim::Time now) override { meter_.sample(now, power_w()); }

 private:
  echonet::Node& node_;
  EnergyMeter meter_;
};

}  // namespace

std::unique_ptr<PowerChannel> make_unit_channel(aiseg2::Unit& unit, double watts) {
  return std::make_unique<UnitChannel>(unit, watts);
}

std::unique_ptr<PowerChannel> make_node_channel(echonet::Node& node) {
  return std::make_unique<NodeChannel>(node);
}

}  // namespace hemsrig::bench
