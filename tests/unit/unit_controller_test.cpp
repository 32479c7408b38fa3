// The AiSEG2 unit's ECHONET Lite controller role against a simulated house in virtual time
// (in-process fabric): discovery, reading, polling, INF, SetC with retries, offline and back.
// UnitControllerInterop runs it in real time over UDP against appliances emulated by the npm
// package echonet-lite (tests/interop/run_with_appliances.sh sets it up; skipped otherwise).
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "devices/aiseg2/appliance_controller.hpp"
#include "devices/aiseg2/appliance_registry.hpp"
#include "rig/world/world.hpp"
#include "sim/net/udp_fabric.hpp"

using namespace hemsrig;
using namespace hemsrig::aiseg2;
using echonet::Bytes;

namespace {

// The demo house, smaller: every kind of appliance the unit meets, one node each.
constexpr const char* kHouse = R"(world: unit-controller-house
seed: 3
start: 2026-06-01T09:00:00+09:00
fabric: {base_address: 127.84.0.0}
appliances:
  - {id: ac, name: リビングエアコン, class: home_air_conditioner, set: {0x80: 0x31, 0xB0: 0x42, 0xB3: 26}}
  - {id: heater, name: ダイニング床暖房, class: floor_heater}
  - {id: downlight, name: ダウンライト, class: general_lighting}
  - {id: scenes, name: リビング照明, class: lighting_system}
  - {id: meter, name: スマートメーター, class: lv_smart_electric_energy_meter}
  - {id: late, name: 寝室エアコン, class: home_air_conditioner, powered: false}
  - {id: other_unit, name: 別のコントローラー, class: controller}
)";

// What a listener saw; the pointers of an event are valid only during the call, so copy.
struct Seen {
  EventKind kind;
  ApplianceKey key;
  sim::Time at;
  std::uint8_t epc;
  Bytes old_value;
  Bytes new_value;
  ChangeSource source;
  std::optional<ControlResult> control;
};

class UnitController : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    auto l = rig::load_world_text(kHouse, "house.yaml", lib_);
    ASSERT_TRUE(l.spec);
    auto w = rig::World::create(*l.spec, lib_);  // virtual time, in-process fabric
    ASSERT_TRUE(w.ok()) << w.error().message;
    world_ = std::move(*w);
    ASSERT_TRUE(world_->start().ok());
    unit_node_ = std::make_unique<echonet::Node>(
        world_->engine(), world_->fabric(), lib_,
        echonet::NodeOptions{.address = sim::Ipv4({127, 84, 1, 1}), .name = "aiseg2"});
    ASSERT_TRUE(unit_node_->add_object(0x05FF, 1).ok());
    ASSERT_TRUE(unit_node_->power_on().ok());
    controller_ = std::make_unique<ApplianceController>(*unit_node_, options_);
    controller_->add_listener([this](const ControllerEvent& e) {
      seen_.push_back(Seen{e.kind, e.key, e.at, e.epc, e.old_value, e.new_value, e.source,
                           e.control ? std::optional<ControlResult>(*e.control) : std::nullopt});
    });
  }
  void TearDown() override {
    if (HasFailure()) {  // what the controller saw, for the failure report
      for (const auto& e : seen_) {
        std::printf("%10.3f s %-14s %s epc=0x%02X %s\n", sim::to_seconds(e.at), to_string(e.kind),
                    to_string(e.key).c_str(), e.epc, to_string(e.source));
      }
      const auto& c = controller_->counters();
      std::printf(
          "sent %llu, retries %llu, timeouts %llu, answers %llu, INF %llu, polls %llu\n",
          static_cast<unsigned long long>(c.requests_sent),
          static_cast<unsigned long long>(c.retries), static_cast<unsigned long long>(c.timeouts),
          static_cast<unsigned long long>(c.answers), static_cast<unsigned long long>(c.infs),
          static_cast<unsigned long long>(c.polls));
    }
    controller_.reset();
    unit_node_.reset();
    world_.reset();
  }

  sim::Engine& engine() { return world_->engine(); }
  ApplianceKey key(const std::string& id) {
    return ApplianceKey{world_->node_of(id)->address(), world_->appliance(id)->eoj()};
  }
  std::size_t count(EventKind kind, const ApplianceKey& k) const {
    std::size_t n = 0;
    for (const auto& s : seen_) n += s.kind == kind && s.key == k;
    return n;
  }
  const Seen* last(EventKind kind, const ApplianceKey& k) const {
    for (auto it = seen_.rbegin(); it != seen_.rend(); ++it) {
      if (it->kind == kind && it->key == k) return &*it;
    }
    return nullptr;
  }
  // Starts the controller and runs until every powered appliance was read.
  void start_and_read_all() {
    controller_->start();
    const std::vector<std::string> ids{"ac", "heater", "downlight", "scenes", "meter"};
    ASSERT_TRUE(engine().run_until(
        [&] {
          for (const auto& id : ids) {
            const ApplianceState* s = controller_->appliance(key(id));
            if (s == nullptr || !s->ready) return false;
          }
          return true;
        },
        sim::seconds(30)))
        << "not every appliance was discovered and read";
  }
  std::optional<ControlResult> control_and_wait(const ApplianceKey& k, std::uint8_t epc, Bytes edt,
                                                sim::Duration limit = sim::seconds(60)) {
    std::optional<ControlResult> result;
    controller_->control(k, epc, std::move(edt), [&](const ControlResult& r) { result = r; });
    engine().run_until([&] { return result.has_value(); }, limit);
    return result;
  }

  echonet::ProfileLibrary lib_;
  ControllerOptions options_;
  std::unique_ptr<rig::World> world_;
  std::unique_ptr<echonet::Node> unit_node_;
  std::unique_ptr<ApplianceController> controller_;
  std::vector<Seen> seen_;
};

TEST_F(UnitController, DiscoversEveryApplianceAndReadsItsMapsAndEveryReadableProperty) {
  start_and_read_all();
  for (const std::string id : {"ac", "heater", "downlight", "scenes", "meter"}) {
    const ApplianceState* s = controller_->appliance(key(id));
    ASSERT_NE(s, nullptr) << id;
    const echonet::EchonetObject* real = world_->appliance(id);
    EXPECT_TRUE(s->maps_known) << id;
    EXPECT_EQ(s->get_map, real->get_map()) << id;
    EXPECT_EQ(s->set_map, real->set_map()) << id;
    EXPECT_EQ(s->announce_map, real->announce_map()) << id;
    for (std::uint8_t epc : real->get_map()) {
      EXPECT_TRUE(s->properties.contains(epc)) << id << " 0x" << std::hex << int{epc};
    }
    EXPECT_EQ(count(EventKind::Discovered, key(id)), 1u) << id;
    EXPECT_EQ(count(EventKind::Ready, key(id)), 1u) << id;
  }
  const ApplianceState* ac = controller_->appliance(key("ac"));
  EXPECT_EQ(ac->properties.at(0x80), Bytes{0x31});
  EXPECT_EQ(ac->properties.at(0xB3), Bytes{26});
  EXPECT_EQ(ac->properties.at(0x8A), *world_->appliance("ac")->value(0x8A));
  // The powered-off node is not there; another controller is no appliance; neither is the
  // unit itself.
  EXPECT_EQ(controller_->appliance(key("late")), nullptr);
  EXPECT_EQ(controller_->appliance(key("other_unit")), nullptr);
  EXPECT_EQ(controller_->appliances().size(), 5u);
  EXPECT_FALSE(controller_->node_online(unit_node_->address()).has_value());
  EXPECT_EQ(controller_->counters().timeouts, 0u);
}

TEST_F(UnitController, StatusChangeInfFromTheApplianceUpdatesTheCopyAtOnce) {
  start_and_read_all();
  const sim::Time before = engine().now();
  // A person switches the air conditioner on with its remote: the node announces 0x80.
  ASSERT_TRUE(world_->appliance("ac")->write(0x80, {0x30}, "user").ok());
  ASSERT_TRUE(engine().run_until([&] { return last(EventKind::StateChanged, key("ac")); },
                                 sim::seconds(1)));
  const Seen* change = last(EventKind::StateChanged, key("ac"));
  EXPECT_EQ(change->epc, 0x80);
  EXPECT_EQ(change->old_value, Bytes{0x31});
  EXPECT_EQ(change->new_value, Bytes{0x30});
  EXPECT_EQ(change->source, ChangeSource::Inf);
  EXPECT_LT(change->at - before, sim::milliseconds(100)) << "INF, not the next poll";
  EXPECT_EQ(controller_->appliance(key("ac"))->properties.at(0x80), Bytes{0x30});
  EXPECT_GE(controller_->counters().infs, 1u);
}

TEST_F(UnitController, PollsOnItsScheduleAndSeesChangesThatAreNotAnnounced) {
  start_and_read_all();
  ASSERT_FALSE(world_->appliance("ac")->announce_map().contains(0xB3))
      << "the set temperature is not announced, so only a poll can see it change";
  const std::uint64_t polls_before = controller_->counters().polls;
  ASSERT_TRUE(world_->appliance("ac")->write(0xB3, {22}, "user").ok());
  engine().run_for(sim::seconds(30));
  EXPECT_EQ(controller_->appliance(key("ac"))->properties.at(0xB3), Bytes{26})
      << "no poll before the interval";
  auto changed = [&] {
    for (const auto& s : seen_) {
      if (s.kind == EventKind::StateChanged && s.key == key("ac") && s.epc == 0xB3) return &s;
    }
    return static_cast<const Seen*>(nullptr);
  };
  ASSERT_TRUE(engine().run_until([&] { return changed() != nullptr; }, sim::seconds(40)));
  EXPECT_EQ(changed()->source, ChangeSource::Poll);
  EXPECT_EQ(changed()->new_value, Bytes{22});
  EXPECT_GT(controller_->counters().polls, polls_before);
  // Bounded: the static properties (maps, maker, identification) are not polled.
  const std::uint64_t sent = controller_->counters().requests_sent;
  engine().run_for(sim::seconds(60));
  const std::uint64_t per_interval = controller_->counters().requests_sent - sent;
  EXPECT_GT(per_interval, 0u);
  EXPECT_LE(per_interval, 5u * 4u) << "at most a few Gets per appliance and poll";
}

TEST_F(UnitController, SetCIsAcceptedAndTheResultCarriesTheStateReadBack) {
  start_and_read_all();
  auto r = control_and_wait(key("ac"), 0x80, {0x30});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ControlOutcome::Accepted);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->state_after.at(0x80), Bytes{0x30});
  EXPECT_EQ(*world_->appliance("ac")->value(0x80), Bytes{0x30});
  const Seen* event = last(EventKind::ControlResult, key("ac"));
  ASSERT_NE(event, nullptr);
  ASSERT_TRUE(event->control);
  EXPECT_EQ(event->control->outcome, ControlOutcome::Accepted);
  EXPECT_EQ(event->control->request_id, r->request_id);
  // The appliance announced its change too (0x80 is in its 0x9D map).
  const Seen* change = last(EventKind::StateChanged, key("ac"));
  ASSERT_NE(change, nullptr);
  EXPECT_EQ(change->epc, 0x80);
  EXPECT_EQ(change->source, ChangeSource::Inf);
}

TEST_F(UnitController, OutOfRangeSetCIsRefusedWithTheEdtEchoedAndTheStateUnchanged) {
  start_and_read_all();
  auto r = control_and_wait(key("ac"), 0xB3, {99});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ControlOutcome::Refused);
  EXPECT_EQ(r->echoed, Bytes{99});
  EXPECT_EQ(r->attempts, 1) << "a refusal is an answer: no retry";
  EXPECT_EQ(r->state_after.at(0xB3), Bytes{26});
  EXPECT_EQ(controller_->counters().retries, 0u);
}

TEST_F(UnitController, GetReadsPropertiesAndUpdatesTheCopy) {
  start_and_read_all();
  ASSERT_TRUE(world_->appliance("downlight")->write(0xB0, {40}, "user").ok());
  std::optional<GetResult> r;
  controller_->get(key("downlight"), {0x80, 0xB0}, [&](const GetResult& g) { r = g; });
  ASSERT_TRUE(engine().run_until([&] { return r.has_value(); }, sim::seconds(10)));
  EXPECT_EQ(r->outcome, GetOutcome::Answered);
  EXPECT_EQ(r->values.at(0xB0), Bytes{40});
  EXPECT_EQ(controller_->appliance(key("downlight"))->properties.at(0xB0), Bytes{40});
}

TEST_F(UnitController, AnApplianceItNeverFoundIsReportedWithoutSending) {
  start_and_read_all();
  const std::uint64_t sent = controller_->counters().requests_sent;
  const ApplianceKey nowhere{sim::Ipv4({127, 84, 9, 9}), echonet::Eoj{0x01, 0x30, 0x01}};
  auto r = control_and_wait(nowhere, 0x80, {0x30}, sim::seconds(1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ControlOutcome::UnknownAppliance);
  EXPECT_EQ(r->attempts, 0);
  EXPECT_EQ(controller_->counters().requests_sent, sent);
}

TEST_F(UnitController, UnansweredSetCIsRetriedThenTimesOutTheNodeGoesOfflineAndComesBack) {
  start_and_read_all();
  echonet::Node* ac_node = world_->node_of("ac");
  ac_node->power_off();  // pulled from the mains: every request to it goes unanswered
  const sim::Time sent_at = engine().now();
  auto r = control_and_wait(key("ac"), 0x80, {0x30});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ControlOutcome::Timeout);
  EXPECT_EQ(r->attempts, 1 + options_.retries);
  EXPECT_EQ(controller_->counters().retries, static_cast<std::uint64_t>(options_.retries));
  EXPECT_GE(engine().now() - sent_at, options_.request_timeout * (1 + options_.retries));
  EXPECT_EQ(r->state_after.at(0x80), Bytes{0x31}) << "the copy keeps the last value seen";

  // The polls go unanswered too: after offline_after_misses misses the node is offline.
  ASSERT_TRUE(engine().run_until([&] { return last(EventKind::Offline, key("ac")); },
                                 options_.poll_interval * 3));
  EXPECT_EQ(controller_->node_online(ac_node->address()), std::optional<bool>(false));
  EXPECT_FALSE(controller_->appliance(key("ac"))->online);
  EXPECT_EQ(count(EventKind::Offline, key("downlight")), 0u) << "only the silent node";
  EXPECT_EQ(count(EventKind::Ready, key("ac")), 1u);

  // Offline, it costs one unanswered Get a poll, not a burst of retries.
  engine().run_for(options_.poll_interval);
  const std::uint64_t retries = controller_->counters().retries;
  engine().run_for(options_.poll_interval * 2);
  EXPECT_EQ(controller_->counters().retries, retries);

  // Back on the mains: it announces 0xD5, is online again and read anew.
  ASSERT_TRUE(ac_node->power_on().ok());
  ASSERT_TRUE(engine().run_until([&] { return count(EventKind::Ready, key("ac")) == 2; },
                                 sim::seconds(10)));
  EXPECT_EQ(count(EventKind::Online, key("ac")), 1u);
  const Seen* online = last(EventKind::Online, key("ac"));
  const Seen* offline = last(EventKind::Offline, key("ac"));
  EXPECT_GT(online->at, offline->at);
  EXPECT_EQ(controller_->node_online(ac_node->address()), std::optional<bool>(true));
  auto again = control_and_wait(key("ac"), 0x80, {0x30});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, ControlOutcome::Accepted);
}

TEST_F(UnitController, ANewcomerIsFoundByItsInstanceListAnnouncement) {
  start_and_read_all();
  engine().run_for(sim::seconds(20));  // past the repeated searches at start
  const std::uint64_t searches = controller_->counters().discoveries_sent;
  ASSERT_TRUE(world_->node_of("late")->power_on().ok());  // announces 0xD5 at boot
  ASSERT_TRUE(engine().run_until([&] { return count(EventKind::Ready, key("late")) == 1; },
                                 sim::seconds(5)));
  EXPECT_EQ(count(EventKind::Discovered, key("late")), 1u);
  EXPECT_EQ(controller_->counters().discoveries_sent, searches) << "found without a search";
  EXPECT_EQ(controller_->appliance(key("late"))->properties.at(0x80), Bytes{0x31});
}

TEST_F(UnitController, RegistryKeepsTheControllersStateCopyOfRegisteredAppliances) {
  ApplianceRegistry registry;
  controller_->add_listener([&](const ControllerEvent& e) {
    if (e.kind == EventKind::Discovered && e.key == key("ac")) {
      ASSERT_TRUE(registry.add(e.key, "リビングエアコン", e.key.eoj.class_code()).ok());
    }
    registry.apply(e);
  });
  start_and_read_all();
  const RegisteredAppliance* ac = registry.find(key("ac"));
  ASSERT_NE(ac, nullptr);
  EXPECT_EQ(ac->state.at(0xB3), Bytes{26});
  ASSERT_TRUE(world_->appliance("ac")->write(0x80, {0x30}, "user").ok());
  engine().run_for(sim::seconds(1));
  EXPECT_EQ(ac->state.at(0x80), Bytes{0x30});
  EXPECT_EQ(registry.find(key("downlight")), nullptr) << "discovered is not registered";
  EXPECT_EQ(registry.find_by_name("リビングエアコン").size(), 1u);
}

TEST_F(UnitController, StopCancelsEveryTimerAndSendsNothingMore) {
  start_and_read_all();
  controller_->stop();
  const std::uint64_t sent = controller_->counters().requests_sent;
  const std::uint64_t searches = controller_->counters().discoveries_sent;
  engine().run_for(sim::minutes(40));
  EXPECT_EQ(controller_->counters().requests_sent, sent);
  EXPECT_EQ(controller_->counters().discoveries_sent, searches);
}

// ---- real time, real sockets, appliances that are not hemsrig's ----------------------------

// tests/interop/run_with_appliances.sh starts tests/interop/echonet_lite_appliances.js (npm
// echonet-lite on 0.0.0.0:3610, sending from 127.0.0.1) with an air conditioner 0x013001 and a
// lighting 0x029001, then runs this test with HEMSRIG_INTEROP_APPLIANCES=1.
TEST(UnitControllerInterop, DiscoversReadsAndControlsEchonetLiteAppliances) {
  const char* flag = std::getenv("HEMSRIG_INTEROP_APPLIANCES");
  if (flag == nullptr || std::string(flag) != "1") {
    GTEST_SKIP() << "needs the echonet-lite appliances: ctest -L interop "
                    "(tests/interop/run_with_appliances.sh)";
  }
  echonet::ProfileLibrary lib;
  ASSERT_TRUE(lib.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  sim::Engine engine(sim::EngineOptions{.mode = sim::ClockMode::Realtime});
  auto fabric = sim::UdpFabric::create(engine);
  ASSERT_TRUE(fabric.ok()) << fabric.error().message;
  // Not 127.0.0.1: echonet-lite ignores frames from its own addresses, 127.0.0.1 among them.
  echonet::Node unit(
      engine, **fabric, lib,
      echonet::NodeOptions{.address = sim::Ipv4({127, 84, 0, 10}), .name = "aiseg2"});
  ASSERT_TRUE(unit.add_object(0x05FF, 1).ok());
  ASSERT_TRUE(unit.power_on().ok());
  ControllerOptions options;
  options.discovery_spacing = sim::seconds(1);
  ApplianceController controller(unit, options);
  std::vector<std::string> log;
  controller.add_listener([&](const ControllerEvent& e) {
    log.push_back(std::string(to_string(e.kind)) + " " + to_string(e.key));
  });
  controller.start();
  const sim::Ipv4 emulator({127, 0, 0, 1});
  const ApplianceKey ac{emulator, echonet::Eoj{0x01, 0x30, 0x01}};
  const ApplianceKey light{emulator, echonet::Eoj{0x02, 0x90, 0x01}};
  auto ready = [&](const ApplianceKey& k) {
    const ApplianceState* s = controller.appliance(k);
    return s != nullptr && s->ready;
  };
  auto joined = [&] {
    std::string s;
    for (const auto& line : log) s += "\n  " + line;
    return s;
  };
  ASSERT_TRUE(engine.run_until([&] { return ready(ac) && ready(light); }, sim::seconds(15)))
      << "events:" << joined();
  for (const ApplianceKey& k : {ac, light}) {
    const ApplianceState* s = controller.appliance(k);
    EXPECT_TRUE(s->get_map.contains(0x80)) << to_string(k);
    EXPECT_TRUE(s->set_map.contains(0x80)) << to_string(k);
    for (std::uint8_t epc : s->get_map) {
      EXPECT_TRUE(s->properties.contains(epc)) << to_string(k) << " 0x" << std::hex << int{epc};
    }
  }
  EXPECT_EQ(controller.appliance(ac)->properties.at(0xB3), Bytes{25});

  auto control = [&](const ApplianceKey& k, std::uint8_t epc, Bytes edt) {
    std::optional<ControlResult> result;
    controller.control(k, epc, std::move(edt), [&](const ControlResult& r) { result = r; });
    engine.run_until([&] { return result.has_value(); }, sim::seconds(15));
    return result;
  };
  for (const ApplianceKey& k : {ac, light}) {
    auto r = control(k, 0x80, {0x30});
    ASSERT_TRUE(r) << to_string(k);
    EXPECT_EQ(r->outcome, ControlOutcome::Accepted) << to_string(k);
    EXPECT_EQ(r->state_after.at(0x80), Bytes{0x30}) << to_string(k);
  }
  // Both announce 0x80 after the change (multicast INF from 127.0.0.1:23610).
  engine.run_until([&] { return controller.counters().infs >= 2; }, sim::seconds(2));
  EXPECT_GE(controller.counters().infs, 2u) << "events:" << joined();
  auto refused = control(ac, 0xB3, {99});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->outcome, ControlOutcome::Refused);
  EXPECT_EQ(refused->echoed, Bytes{99});
  EXPECT_EQ(refused->state_after.at(0xB3), Bytes{25});
  controller.stop();
  unit.power_off();
}

}  // namespace
