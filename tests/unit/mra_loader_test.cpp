// The MRA loader on a small MRA-shaped fixture written here (invented
// classes, not the consortium's files), and once on the real MRA when the
// shared folder has it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>

#include "devices/echonet/profile.hpp"

namespace hemsrig::echonet {
namespace {

namespace fs = std::filesystem;
using Kind = ValueSpec::Kind;

constexpr const char* kDefinitions = R"json({
  "definitions": {
    "state_OnOff": {"type": "state", "size": 1, "enum": [
      {"edt": "0x30", "name": "on"}, {"edt": "0x31", "name": "off"}]},
    "number_0-50Celsius": {"type": "number", "format": "uint8", "minimum": 0, "maximum": 50, "unit": "Celsius"},
    "number_0-65533W": {"type": "number", "format": "uint16", "minimum": 0, "maximum": 65533, "unit": "W"},
    "raw_3": {"type": "raw", "minSize": 3, "maxSize": 3}
  }
})json";

constexpr const char* kSuperClass = R"json({
  "eoj": "0x0000", "validRelease": {"from": "A", "to": "latest"},
  "className": {"en": "Super class"}, "shortName": "common",
  "elProperties": [
    {"epc": "0x80", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Operation status"},
     "shortName": "operationStatus", "accessRule": {"get": "required", "set": "optional", "inf": "required"},
     "data": {"$ref": "#/definitions/state_OnOff"}},
    {"epc": "0x8A", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Manufacturer code"},
     "shortName": "manufacturer", "accessRule": {"get": "required", "set": "notApplicable", "inf": "optional"},
     "data": {"$ref": "#/definitions/raw_3"}},
    {"epc": "0x9F", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Get property map"},
     "shortName": "DEL", "accessRule": {"get": "required", "set": "notApplicable", "inf": "optional"},
     "data": {"type": "raw", "minSize": 1, "maxSize": 17}}
  ]
})json";

constexpr const char* kNodeProfile = R"json({
  "eoj": "0x0EF0", "validRelease": {"from": "A", "to": "latest"},
  "className": {"en": "Node profile"}, "shortName": "nodeProfile",
  "elProperties": [
    {"epc": "0xD6", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Self-node instance list S"},
     "shortName": "selfNodeInstanceListS", "accessRule": {"get": "required", "set": "notApplicable", "inf": "optional"},
     "data": {"type": "object", "properties": [
       {"shortName": "count", "element": {"type": "number", "format": "uint8", "minimum": 0, "maximum": 4}},
       {"shortName": "list", "element": {"type": "array", "itemSize": 3, "maxItems": 4,
                                          "items": {"$ref": "#/definitions/raw_3"}}}]}}
  ]
})json";

// An invented class, 0x0F01 "demoHeater".
constexpr const char* kDemoHeater = R"json({
  "eoj": "0x0F01", "validRelease": {"from": "A", "to": "latest"},
  "className": {"en": "Demo heater"}, "shortName": "demoHeater",
  "elProperties": [
    {"epc": "0x80", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Operation status"},
     "shortName": "operationStatus", "accessRule": {"get": "required", "set": "required", "inf": "required"},
     "data": {"$ref": "#/definitions/state_OnOff"}},
    {"epc": "0xB0", "validRelease": {"from": "A", "to": "C"}, "propertyName": {"en": "Heat mode, old"},
     "shortName": "heatModeOld", "accessRule": {"get": "optional", "set": "optional", "inf": "optional"},
     "data": {"type": "raw", "minSize": 1, "maxSize": 1}},
    {"epc": "0xB0", "validRelease": {"from": "D", "to": "latest"}, "propertyName": {"en": "Heat mode"},
     "shortName": "heatMode", "accessRule": {"get": "required_c", "set": "required_o", "inf": "notApplicable"},
     "data": {"type": "state", "size": 1, "enum": [{"edt": "0x41", "name": "low"}, {"edt": "0x42", "name": "high"}]}},
    {"epc": "0xB1", "validRelease": {"from": "C", "to": "F"}, "propertyName": {"en": "Retired later"},
     "shortName": "retiredLater", "accessRule": {"get": "optional", "set": "notApplicable", "inf": "optional"},
     "data": {"type": "raw", "minSize": 2, "maxSize": 2}},
    {"epc": "0xB1", "validRelease": {"from": "A", "to": "B"}, "propertyName": {"en": "Retired early"},
     "shortName": "retiredEarly", "accessRule": {"get": "optional", "set": "notApplicable", "inf": "optional"},
     "data": {"type": "raw", "minSize": 1, "maxSize": 1}},
    {"epc": "0xB3", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Target temperature"},
     "shortName": "targetTemperature", "accessRule": {"get": "required", "set": "required", "inf": "optional"},
     "data": {"oneOf": [{"$ref": "#/definitions/number_0-50Celsius"},
                        {"type": "state", "size": 1, "enum": [{"edt": "0xFD", "name": "undefined", "readOnly": true}]}]}},
    {"epc": "0xB8", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Rated power"},
     "shortName": "ratedPower", "accessRule": {"get": "optional", "set": "notApplicable", "inf": "optional"},
     "data": {"type": "object", "properties": [
       {"shortName": "heating", "element": {"$ref": "#/definitions/number_0-65533W", "overflowCode": true}},
       {"shortName": "standby", "element": {"$ref": "#/definitions/number_0-65533W", "coefficient": ["0xD3"]}}]}},
    {"epc": "0xC0", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Start hour"},
     "shortName": "startHour", "accessRule": {"get": "optional", "set": "notApplicable", "inf": "optional"},
     "data": {"type": "number", "format": "uint8", "enum": [1, 20, 21]}},
    {"epc": "0xC1", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Error code"},
     "shortName": "errorCode", "accessRule": {"get": "optional", "set": "notApplicable", "inf": "optional"},
     "data": {"type": "state", "size": 2, "enum": [{"edt": "0x0000", "name": "none"},
                                                   {"edt": "0x0010...0x001F", "name": "sensor"}]}},
    {"epc": "0xC2", "validRelease": {"from": "A", "to": "latest"}, "propertyName": {"en": "Off timer"},
     "shortName": "offTimer", "accessRule": {"get": "optional", "set": "optional", "inf": "optional"},
     "data": {"type": "time", "size": 2, "maximumOfHour": 255}}
  ]
})json";

class MraLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hemsrig-mra-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    write("definitions/definitions.json", kDefinitions);
    write("superClass/0x0000.json", kSuperClass);
    write("nodeProfile/0x0EF0.json", kNodeProfile);
    write("devices/0x0F01.json", kDemoHeater);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  const ClassProfile& demo() {
    auto st = lib_.load_mra(dir_.string());
    EXPECT_TRUE(st) << (st ? "" : st.error().message);
    const ClassProfile* cls = lib_.find(0x0F01);
    if (!cls) throw std::runtime_error("demo class not loaded");
    return *cls;
  }

  fs::path dir_;
  ProfileLibrary lib_;
};

TEST_F(MraLoader, LoadsClassNamesAndResolvesRefs) {
  const ClassProfile& cls = demo();
  EXPECT_EQ(cls.name, "demoHeater");
  EXPECT_EQ(cls.title, "Demo heater");
  EXPECT_EQ(lib_.find(std::string("demo_heater")), &cls);
  const PropertySpec* op = cls.find(0x80);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->value.kind, Kind::State);
  ASSERT_EQ(op->value.choices.size(), 2u);
  EXPECT_EQ(op->value.choices[1].name, "off");
  EXPECT_EQ(op->default_edt, Bytes{0x30});  // first state choice
  ASSERT_NE(lib_.super_class(), nullptr);
  ASSERT_NE(lib_.node_profile(), nullptr);
}

TEST_F(MraLoader, KeepsTheEntryValidInTheLatestRelease) {
  const ClassProfile& cls = demo();
  const PropertySpec* mode = cls.find(0xB0);
  ASSERT_NE(mode, nullptr);
  EXPECT_EQ(mode->name, "heatMode");
  EXPECT_EQ(mode->value.kind, Kind::State);
  EXPECT_EQ(mode->access.get, Access::RequiredC);
  EXPECT_EQ(mode->access.set, Access::RequiredO);
  EXPECT_EQ(mode->access.anno, Access::NotApplicable);
  // No entry reaches "latest": the one with the greatest `to` wins.
  const PropertySpec* retired = cls.find(0xB1);
  ASSERT_NE(retired, nullptr);
  EXPECT_EQ(retired->name, "retiredLater");
  EXPECT_EQ(retired->value.smallest(), 2u);
}

TEST_F(MraLoader, ReadsOneOfWithReadOnlyState) {
  const PropertySpec* temp = demo().find(0xB3);
  ASSERT_NE(temp, nullptr);
  ASSERT_EQ(temp->value.kind, Kind::OneOf);
  ASSERT_EQ(temp->value.alternatives.size(), 2u);
  EXPECT_EQ(temp->value.alternatives[0].unit, "Celsius");
  EXPECT_TRUE(temp->value.check(Bytes{50}));
  EXPECT_FALSE(temp->value.check(Bytes{51}));
  EXPECT_TRUE(temp->value.check(Bytes{0xFD}));
  EXPECT_FALSE(temp->value.check(Bytes{0xFD}, /*for_set=*/true));
  EXPECT_EQ(temp->default_edt, Bytes{0x00});
}

TEST_F(MraLoader, ReadsObjectsWithRefSiblings) {
  const PropertySpec* rated = demo().find(0xB8);
  ASSERT_NE(rated, nullptr);
  ASSERT_EQ(rated->value.kind, Kind::Object);
  ASSERT_EQ(rated->value.fields.size(), 2u);
  EXPECT_EQ(rated->value.fields[0].name, "heating");
  EXPECT_EQ(rated->value.smallest(), 4u);
  EXPECT_TRUE(rated->value.check(Bytes{0xFF, 0xFF, 0x00, 0x00}));   // overflow code
  EXPECT_FALSE(rated->value.check(Bytes{0x00, 0x00, 0xFF, 0xFF}));  // standby has none
  EXPECT_EQ(rated->default_edt, (Bytes{0, 0, 0, 0}));
}

TEST_F(MraLoader, ReadsEnumNumbersRangesTimersAndArrays) {
  const ClassProfile& cls = demo();
  const auto& hour = cls.find(0xC0)->value;
  EXPECT_TRUE(hour.check(Bytes{20}));
  EXPECT_FALSE(hour.check(Bytes{2}));
  EXPECT_EQ(cls.find(0xC0)->default_edt, Bytes{1});
  const auto& code = cls.find(0xC1)->value;
  EXPECT_TRUE(code.check(Bytes{0x00, 0x1F}));
  EXPECT_FALSE(code.check(Bytes{0x00, 0x20}));
  EXPECT_TRUE(cls.find(0xC2)->value.check(Bytes{200, 30}));
  const auto& list = lib_.node_profile()->find(0xD6)->value;
  EXPECT_EQ(list.largest(), 13u);
  EXPECT_TRUE(list.check(Bytes{0x01, 0x0F, 0x01, 0x01}));
}

TEST_F(MraLoader, DelShortNameBecomesTheTitleInCamelCase) {
  demo();
  EXPECT_EQ(lib_.super_class()->find(0x9F)->name, "getPropertyMap");
}

TEST_F(MraLoader, MergedWithSuperAddsSuperClassProperties) {
  ClassProfile merged = merged_with_super(lib_, demo());
  ASSERT_NE(merged.find(0x8A), nullptr);
  EXPECT_EQ(merged.find(0x80)->access.set, Access::Required);  // class entry wins
}

TEST_F(MraLoader, YamlProfileWinsOverMra) {
  write("demo.yaml",
        "class: 0x0F01\nname: demoHeater\nproperties:\n"
        "  - {epc: 0x80, name: operationStatus, data: {state: {0x30: on, 0x31: off}}, default: "
        "0x31}\n");
  ASSERT_TRUE(lib_.load_yaml((dir_ / "demo.yaml").string()));
  ASSERT_TRUE(lib_.load_mra(dir_.string()));
  const ClassProfile* cls = lib_.find(0x0F01);
  ASSERT_NE(cls, nullptr);
  EXPECT_EQ(cls->properties.size(), 1u);
  EXPECT_EQ(cls->find(0x80)->default_edt, Bytes{0x31});
  EXPECT_NE(lib_.find(0x0000), nullptr);  // the rest still loads
}

TEST_F(MraLoader, MalformedDataNamesFileAndJsonPath) {
  write("devices/0x0F02.json",
        R"json({"eoj": "0x0F02", "className": {"en": "Bad"}, "shortName": "bad",
    "elProperties": [{"epc": "0x80", "validRelease": {"from": "A", "to": "latest"},
      "propertyName": {"en": "x"}, "shortName": "x",
      "accessRule": {"get": "required", "set": "optional", "inf": "optional"},
      "data": {"oneOf": [{"type": "raw", "minSize": 1, "maxSize": 1}, {"type": "blob"}]}}]})json");
  auto st = lib_.load_mra(dir_.string());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "mra");
  EXPECT_NE(st.error().message.find(
                "0x0F02.json: /elProperties/0/data/oneOf/1/type: unknown data type 'blob'"),
            std::string::npos)
      << st.error().message;
  EXPECT_EQ(lib_.find(0x0F01), nullptr);  // all or nothing
}

TEST_F(MraLoader, MissingDefinitionAndBadAccessAreErrors) {
  write("devices/0x0F02.json",
        R"json({"eoj": "0x0F02", "className": {"en": "Bad"}, "shortName": "bad",
    "elProperties": [{"epc": "0x80", "validRelease": {"from": "A", "to": "latest"},
      "propertyName": {"en": "x"}, "shortName": "x",
      "accessRule": {"get": "required", "set": "optional", "inf": "optional"},
      "data": {"$ref": "#/definitions/nowhere"}}]})json");
  auto st = lib_.load_mra(dir_.string());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("0x0F02.json: /elProperties/0/data/$ref: no definition"),
            std::string::npos)
      << st.error().message;

  write("devices/0x0F02.json",
        R"json({"eoj": "0x0F02", "className": {"en": "Bad"}, "shortName": "bad",
    "elProperties": [{"epc": "0x80", "validRelease": {"from": "A", "to": "latest"},
      "propertyName": {"en": "x"}, "shortName": "x",
      "accessRule": {"get": "sometimes", "set": "optional", "inf": "optional"},
      "data": {"type": "raw", "minSize": 1, "maxSize": 1}}]})json");
  st = lib_.load_mra(dir_.string());
  ASSERT_FALSE(st);
  EXPECT_NE(
      st.error().message.find("/elProperties/0/accessRule/get: unknown access rule 'sometimes'"),
      std::string::npos)
      << st.error().message;
}

TEST_F(MraLoader, InvalidJsonNamesTheFile) {
  write("devices/0x0F03.json", "{\"eoj\": ");
  auto st = lib_.load_mra(dir_.string());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("0x0F03.json: invalid JSON"), std::string::npos)
      << st.error().message;
}

TEST_F(MraLoader, FolderWithoutDevicesIsRefused) {
  auto st = lib_.load_mra((dir_ / "superClass").string());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("not an MRA folder"), std::string::npos);
}

TEST(MraLoaderReal, LoadsEveryDeviceClassOfTheSharedMra) {
  const fs::path mra = HEMSRIG_SHARED_DIR "/mra";
  if (!fs::is_directory(mra / "devices")) GTEST_SKIP() << "MRA not found at " << mra.string();
  std::set<std::uint16_t> files;
  for (const auto& entry : fs::directory_iterator(mra / "devices")) {
    if (entry.path().extension() == ".json") {
      files.insert(
          static_cast<std::uint16_t>(std::stoul(entry.path().stem().string(), nullptr, 16)));
    }
  }
  ProfileLibrary lib;
  auto st = lib.load_mra(mra.string());
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_NE(lib.super_class(), nullptr);
  ASSERT_NE(lib.node_profile(), nullptr);
  EXPECT_EQ(files.size(), 55u);
  std::size_t devices = 0;
  for (const ClassProfile* cls : lib.all()) {
    if (cls->class_code == 0x0000 || cls->class_code == 0x0EF0) continue;
    ++devices;
    EXPECT_TRUE(files.count(cls->class_code)) << cls->name;
    ClassProfile merged = merged_with_super(lib, *cls);
    for (const auto& [epc, prop] : lib.super_class()->properties) {
      EXPECT_NE(merged.find(epc), nullptr) << cls->name << " lacks EPC " << int(epc);
    }
    for (const auto& [epc, prop] : cls->properties) {
      EXPECT_TRUE(prop.value.check(prop.default_edt)) << cls->name << " EPC " << int(epc);
    }
  }
  EXPECT_EQ(devices, files.size());
}

}  // namespace
}  // namespace hemsrig::echonet
