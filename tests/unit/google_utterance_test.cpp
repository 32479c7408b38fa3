// What the scripted Google Assistant makes of an utterance, and which SYNC
// device a spoken name means (DOMAIN R65: generic names fail), without HTTP;
// plus the ECHONET class -> Google type/trait mapping the cloud answers with.
#include <gtest/gtest.h>

#include "devices/cloud/smart_home_devices.hpp"
#include "devices/google/utterance.hpp"

using namespace hemsrig;
using namespace hemsrig::google;
using nlohmann::json;

namespace {

std::vector<SyncedDevice> house() {
  const std::vector<std::string> climate = {"action.devices.traits.OnOff",
                                            "action.devices.traits.TemperatureSetting"};
  return {
      {"a1", "action.devices.types.AC_UNIT", "リビングエアコン", climate, json::object()},
      {"a2", "action.devices.types.AC_UNIT", "寝室エアコン", climate, json::object()},
      {"l1",
       "action.devices.types.LIGHT",
       "ダウンライト",
       {"action.devices.traits.OnOff", "action.devices.traits.Brightness"},
       json::object()},
      {"s1",
       "action.devices.types.SCENE",
       "おやすみ",
       {"action.devices.traits.Scene"},
       json::object()},
  };
}

TEST(Utterance, OnOffTemperatureBrightnessAndScenes) {
  auto on = parse_utterance("OK Google、リビングエアコンをつけて");
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->name, "リビングエアコン");
  EXPECT_EQ(on->command, "action.devices.commands.OnOff");
  EXPECT_EQ(on->params["on"], true);
  auto off = parse_utterance("リビングエアコンを消して。");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->params["on"], false);
  auto temp = parse_utterance("リビングエアコンを２５度にして");  // full-width digits
  ASSERT_TRUE(temp.ok());
  EXPECT_EQ(temp->command, "action.devices.commands.ThermostatTemperatureSetpoint");
  EXPECT_EQ(temp->params["thermostatTemperatureSetpoint"], 25.0);
  auto bright = parse_utterance("ダウンライトの明るさを50%にして");
  ASSERT_TRUE(bright.ok());
  EXPECT_EQ(bright->name, "ダウンライト");
  EXPECT_EQ(bright->params["brightness"], 50);
  auto scene = parse_utterance("OK Google, おやすみを開始して");  // DOMAIN R70
  ASSERT_TRUE(scene.ok());
  EXPECT_TRUE(scene->scene);
  EXPECT_EQ(scene->name, "おやすみ");
  EXPECT_EQ(scene->command, "action.devices.commands.ActivateScene");
}

TEST(Utterance, WhatItDoesNotKnowIsSaidSo) {
  for (const char* text :
       {"", "こんにちは", "をつけて", "エアコンをあ度にして", "エアコンを1.2.3度にして"}) {
    auto r = parse_utterance(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, "utterance_not_understood");
  }
}

TEST(Utterance, ExactNameWinsAndAUniquePartIsEnough) {
  auto devices = house();
  auto exact = resolve(devices, *parse_utterance("寝室エアコンをつけて"));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ((*exact)->id, "a2");
  auto part = resolve(devices, *parse_utterance("ダウンをつけて"));
  ASSERT_TRUE(part.ok());
  EXPECT_EQ((*part)->id, "l1");
}

TEST(Utterance, AGenericNameWithTwoAirConditionersFails) {  // DOMAIN R65
  auto devices = house();
  auto r = resolve(devices, *parse_utterance("エアコンをつけて"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "device_ambiguous");
  EXPECT_NE(r.error().message.find("リビングエアコン"), std::string::npos);
  EXPECT_NE(r.error().message.find("寝室エアコン"), std::string::npos);
  // Two devices with one name are just as ambiguous.
  devices.push_back(devices[0]);
  EXPECT_EQ(resolve(devices, *parse_utterance("リビングエアコンをつけて")).error().code,
            "device_ambiguous");
}

TEST(Utterance, UnknownNamesAndWrongKindsAreReported) {
  auto devices = house();
  EXPECT_EQ(resolve(devices, *parse_utterance("キッチンをつけて")).error().code, "device_unknown");
  // A light has no temperature; a scene is started, not switched; an AC is not a scene.
  EXPECT_EQ(resolve(devices, *parse_utterance("ダウンライトを25度にして")).error().code,
            "device_cannot");
  EXPECT_EQ(resolve(devices, *parse_utterance("おやすみをつけて")).error().code, "device_cannot");
  EXPECT_EQ(resolve(devices, *parse_utterance("寝室エアコンを開始して")).error().code,
            "device_cannot");
}

cloud::ApplianceView ac(std::map<std::uint8_t, std::vector<std::uint8_t>> state) {
  cloud::ApplianceView v;
  v.key = "127.10.0.1/0x013001";
  v.name = "リビングエアコン";
  v.class_code = 0x0130;
  v.state = std::move(state);
  return v;
}

TEST(SmartHomeMapping, AirConditionerStateBecomesThermostatStates) {
  auto s = cloud::query_states(ac({{0x80, {0x30}}, {0xB0, {0x42}}, {0xB3, {26}}, {0xBB, {0xFE}}}));
  EXPECT_EQ(s["on"], true);
  EXPECT_EQ(s["thermostatMode"], "cool");
  EXPECT_EQ(s["thermostatTemperatureSetpoint"], 26);
  EXPECT_EQ(s["thermostatTemperatureAmbient"], -2);  // int8
  // Off is mode "off"; 0xFD (undefined) is no set point; 0x7E no reading.
  auto off = cloud::query_states(ac({{0x80, {0x31}}, {0xB3, {0xFD}}, {0xBB, {0x7E}}}));
  EXPECT_EQ(off["thermostatMode"], "off");
  EXPECT_FALSE(off.contains("thermostatTemperatureSetpoint"));
  EXPECT_FALSE(off.contains("thermostatTemperatureAmbient"));
}

TEST(SmartHomeMapping, CommandsBecomeUnitChannelSetsWithinTheClassRange) {
  auto v = ac({});
  auto set = cloud::appliance_command(v, "action.devices.commands.ThermostatTemperatureSetpoint",
                                      {{"thermostatTemperatureSetpoint", 24.6}});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->unit_command, json::parse(R"({"kind":"set","appliance":"127.10.0.1/0x013001",
                                               "sets":[["0xB3","19"]]})"));
  auto mode = cloud::appliance_command(v, "action.devices.commands.ThermostatSetMode",
                                       {{"thermostatMode", "dry"}});
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(mode->unit_command["sets"], json::parse(R"([["0x80","30"],["0xB0","44"]])"));
  EXPECT_EQ(cloud::appliance_command(v, "action.devices.commands.ThermostatTemperatureSetpoint",
                                     {{"thermostatTemperatureSetpoint", 51}})
                .error()
                .code,
            "valueOutOfRange");
  EXPECT_EQ(cloud::appliance_command(v, "action.devices.commands.ThermostatSetMode",
                                     {{"thermostatMode", "purifier"}})
                .error()
                .code,
            "notSupported");
  EXPECT_EQ(cloud::appliance_command(v, "action.devices.commands.BrightnessAbsolute",
                                     {{"brightness", 10}})
                .error()
                .code,
            "notSupported");
  EXPECT_EQ(
      cloud::appliance_command(v, "action.devices.commands.OnOff", {{"on", "yes"}}).error().code,
      "protocolError");
}

TEST(SmartHomeMapping, OnlyClimateAndLightingAreOfferedToVoice) {
  EXPECT_STREQ(cloud::voice_class(0x0130)->device_type, "action.devices.types.AC_UNIT");
  EXPECT_STREQ(cloud::voice_class(0x027B)->device_type, "action.devices.types.HEATER");
  EXPECT_STREQ(cloud::voice_class(0x0290)->device_type, "action.devices.types.LIGHT");
  EXPECT_STREQ(cloud::voice_class(0x02A3)->device_type, "action.devices.types.LIGHT");
  for (std::uint16_t cls : {0x0288, 0x0279, 0x027D, 0x026B}) {
    EXPECT_EQ(cloud::voice_class(cls), nullptr) << cls;
  }
}

}  // namespace
