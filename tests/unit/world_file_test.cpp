// World files: what a firmware engineer writes, and the precise errors a
// mistake gets (file:line:col, did-you-mean).
#include <gtest/gtest.h>

#include "rig/world/world_spec.hpp"

using namespace hemsrig;
using namespace hemsrig::rig;

namespace {

class WorldFile : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  }
  WorldLoad load(const std::string& text) { return load_world_text(text, "w.yaml", lib_); }
  std::string errors(const WorldLoad& l) {
    std::string s;
    for (const auto& d : l.diagnostics) s += d.str() + "\n";
    return s;
  }
  echonet::ProfileLibrary lib_;
};

TEST_F(WorldFile, BundledDemoHouseLoadsWithEveryPhysicsClass) {
  auto l = load_world_file(HEMSRIG_SOURCE_DIR "/scenarios/worlds/demo-house.yaml", lib_);
  ASSERT_TRUE(l.spec) << errors(l);
  std::set<std::uint16_t> classes;
  for (const auto& a : l.spec->appliances) classes.insert(a.class_code);
  EXPECT_EQ(classes, (std::set<std::uint16_t>{0x0130, 0x027B, 0x0290, 0x02A3, 0x0288, 0x0279,
                                              0x027D, 0x026B}));
}

TEST_F(WorldFile, ClassesByShortNameSnakeNameOrCode) {
  auto l = load(R"(world: w
appliances:
  - {id: a, class: homeAirConditioner}
  - {id: b, class: home_air_conditioner}
  - {id: c, class: 0x0130}
)");
  ASSERT_TRUE(l.spec) << errors(l);
  for (const auto& a : l.spec->appliances) EXPECT_EQ(a.class_code, 0x0130);
}

TEST_F(WorldFile, UnknownKeyIsAnErrorWithLineColumnAndDidYouMean) {
  auto l = load(
      "world: w\nappliances:\n  - id: a\n    class: general_lighting\n    phyiscs: {rated_w: 5}\n");
  ASSERT_FALSE(l.spec);
  ASSERT_EQ(l.diagnostics.size(), 1u);
  EXPECT_EQ(l.diagnostics[0].str(),
            "w.yaml:5:5: unknown key 'phyiscs' in an appliance (did you mean 'physics'?)");
}

TEST_F(WorldFile, UnknownClassSuggestsTheClosestName) {
  auto l = load("world: w\nappliances:\n  - {id: a, class: home_air_conditoner}\n");
  ASSERT_FALSE(l.spec);
  EXPECT_NE(errors(l).find("w.yaml:3:20: unknown appliance class 'home_air_conditoner'"),
            std::string::npos)
      << errors(l);
  EXPECT_NE(errors(l).find("did you mean 'homeAirConditioner'"), std::string::npos) << errors(l);
}

TEST_F(WorldFile, InitialValueOutOfRangeNamesTheProperty) {
  auto l = load(
      "world: w\nappliances:\n  - id: a\n    class: home_air_conditioner\n    set: {0xB3: 99}\n");
  ASSERT_FALSE(l.spec);
  EXPECT_NE(errors(l).find("w.yaml:5:17: 0xB3"), std::string::npos) << errors(l);
}

TEST_F(WorldFile, InitialValuesInHexAndDecimal) {
  auto l = load(
      "world: w\nappliances:\n  - id: a\n    class: home_air_conditioner\n    set: {0x80: 0x30, "
      "0xB3: 22}\n");
  ASSERT_TRUE(l.spec) << errors(l);
  const auto& init = l.spec->appliances[0].initial;
  ASSERT_EQ(init.size(), 2u);
  EXPECT_EQ(init[0], (std::pair<std::uint8_t, echonet::Bytes>{0x80, {0x30}}));
  EXPECT_EQ(init[1], (std::pair<std::uint8_t, echonet::Bytes>{0xB3, {22}}));
}

TEST_F(WorldFile, EveryErrorIsReportedNotJustTheFirst) {
  auto l = load(R"(world: w
seed: -3
fabric: {kind: tcp}
appliances:
  - {id: a, class: nothing}
  - {id: a, class: general_lighting, physics: {watts: 3}}
)");
  ASSERT_FALSE(l.spec);
  EXPECT_EQ(l.diagnostics.size(), 5u) << errors(l);
}

TEST_F(WorldFile, DuplicateIdsAreRefused) {
  auto l = load(
      "world: w\nappliances:\n  - {id: a, class: general_lighting}\n  - {id: a, class: "
      "general_lighting}\n");
  ASSERT_FALSE(l.spec);
  EXPECT_NE(errors(l).find("w.yaml:4:10: appliance id 'a' is used twice"), std::string::npos)
      << errors(l);
}

TEST_F(WorldFile, YamlSyntaxErrorsHaveAPosition) {
  auto l = load("world: w\nappliances: [\n");
  ASSERT_FALSE(l.spec);
  ASSERT_EQ(l.diagnostics.size(), 1u);
  EXPECT_GT(l.diagnostics[0].line, 0);
  EXPECT_NE(l.diagnostics[0].message.find("YAML syntax"), std::string::npos);
}

TEST_F(WorldFile, EmptyFileAndMissingAppliancesAreErrors) {
  EXPECT_FALSE(load("").spec);
  auto l = load("world: w\n");
  ASSERT_FALSE(l.spec);
  EXPECT_NE(errors(l).find("missing 'appliances'"), std::string::npos);
}

TEST_F(WorldFile, StartTimeWithZone) {
  auto l = load("world: w\nstart: 2026-01-15T06:30:00+09:00\nappliances: []\n");
  ASSERT_TRUE(l.spec) << errors(l);
  ASSERT_TRUE(l.spec->start);
  EXPECT_EQ(l.spec->start->time_since_epoch(),
            std::chrono::seconds(1768426200));  // 2026-01-14T21:30Z
}

TEST_F(WorldFile, DurationsAndAddresses) {
  auto l = load(
      "world: w\nphysics_step: 5m\nfabric: {base_address: 127.99.0.0, multicast_answer_spread: "
      "50ms}\n"
      "appliances:\n  - {id: a, class: general_lighting, address: 127.99.5.5, response_delay: "
      "{0x80: 200ms}}\n");
  ASSERT_TRUE(l.spec) << errors(l);
  EXPECT_EQ(l.spec->physics_step, std::chrono::minutes(5));
  EXPECT_EQ(l.spec->fabric.multicast_answer_spread, std::chrono::milliseconds(50));
  EXPECT_EQ(l.spec->appliances[0].address->to_string(), "127.99.5.5");
  EXPECT_EQ(l.spec->appliances[0].response_delays.at(0x80), std::chrono::milliseconds(200));
}

}  // namespace

namespace {
TEST_F(WorldFile, UnitsAndTheCloudAreCheckedToo) {
  auto l = load(R"(world: w
appliances: []
units:
  - {id: hems, model: MKN999, device_code: "12345-6789"}
cloud:
  firmware:
    MKN704: {latest: Ver.2.98A-03}
    XYZ1: {latest: Ver.1}
)");
  ASSERT_FALSE(l.spec);
  const std::string e = errors(l);
  EXPECT_NE(e.find("w.yaml:4:23: 'MKN999' is not an AiSEG2 model"), std::string::npos) << e;
  EXPECT_NE(e.find("DOMAIN R2"), std::string::npos) << e;
  EXPECT_NE(e.find("w.yaml:4:44: device code: 9 digits"), std::string::npos) << "a 9-digit device code is refused (R32): " << e;
  EXPECT_NE(e.find("w.yaml:8:5: 'XYZ1' is not an AiSEG2 model"), std::string::npos) << e;
}

TEST_F(WorldFile, BundledDemoHouseHasAUnitAndItsCloud) {
  auto l = load_world_file(HEMSRIG_SOURCE_DIR "/scenarios/worlds/demo-house.yaml", lib_);
  ASSERT_TRUE(l.spec) << errors(l);
  ASSERT_EQ(l.spec->units.size(), 1u);
  EXPECT_EQ(l.spec->units[0].model, "MKN704");
  ASSERT_TRUE(l.spec->cloud);
  EXPECT_EQ(l.spec->cloud->firmware.at(0).model, "MKN704");
}
}  // namespace
