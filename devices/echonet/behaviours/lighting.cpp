// General lighting (0x0290) and lighting system (0x02A3, the unit's
// "advanced lighting"): power by brightness; a lighting system refuses a
// scene number past the scenes its fixture holds (0xC1).
#include <cmath>

#include <fmt/format.h>

#include "devices/echonet/behaviours/physics.hpp"

namespace hemsrig::echonet {

namespace {

class GeneralLighting : public Behaviour {
 public:
  explicit GeneralLighting(const BehaviourParams& p) : rated_w_(p.at("rated_w")) {}
  void tick(double dt, const Surroundings& /*around*/) override {
    const Bytes* b = object_->value(0xB0);
    const double level = b != nullptr && !b->empty() && (*b)[0] <= 100 ? (*b)[0] / 100.0 : 1.0;
    meter(is_on() ? rated_w_ * level : 0.0, dt);
  }

 private:
  double rated_w_;
};

class LightingSystem : public Behaviour {
 public:
  explicit LightingSystem(const BehaviourParams& p)
      : rated_w_(p.at("rated_w")), scenes_(p.at("scenes")) {}
  void attach(EchonetObject& o) override {
    Behaviour::attach(o);
    write_int(0xC1, static_cast<std::int64_t>(scenes_));
  }
  Status check_set(std::uint8_t epc, std::span<const std::uint8_t> edt) override {
    if (epc == 0xC0 && edt.size() == 1 && edt[0] != 0x00 && edt[0] > read_int(0xC1)) {
      return make_error(
          "range", fmt::format("scene {} is not defined: the fixture holds scenes 1..{}", edt[0],
                               read_int(0xC1)));
    }
    return ok_status();
  }
  void tick(double dt, const Surroundings& /*around*/) override {
    meter(is_on() ? rated_w_ : 0.0, dt);
  }

 private:
  double rated_w_;
  double scenes_;
};

}  // namespace

const BehaviourEntry kGeneralLightingBehaviour{
    0x0290, {{"rated_w", 40.0}}, [](const BehaviourParams& p) -> std::unique_ptr<Behaviour> {
      return std::make_unique<GeneralLighting>(p);
    }};

const BehaviourEntry kLightingSystemBehaviour{
    0x02A3,
    {{"rated_w", 120.0}, {"scenes", 4.0}},
    [](const BehaviourParams& p) -> std::unique_ptr<Behaviour> {
      return std::make_unique<LightingSystem>(p);
    }};

}  // namespace hemsrig::echonet
