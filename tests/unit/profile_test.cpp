// Class profiles: ValueSpec::check for every data kind, the YAML loader's
// messages (file:line:col, did you mean), and the bundled profiles.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "devices/echonet/profile.hpp"

namespace hemsrig::echonet {
namespace {

namespace fs = std::filesystem;
using Kind = ValueSpec::Kind;
using Format = ValueSpec::Format;

ValueSpec number(Format f, std::int64_t lo, std::int64_t hi, std::string unit = "") {
  ValueSpec s;
  s.kind = Kind::Number;
  s.format = f;
  s.minimum = lo;
  s.maximum = hi;
  s.unit = std::move(unit);
  return s;
}

ValueSpec state(std::vector<ValueSpec::Choice> choices) {
  ValueSpec s;
  s.kind = Kind::State;
  s.choices = std::move(choices);
  s.min_size = s.max_size = s.choices.front().edt.size();
  return s;
}

ValueSpec sized(Kind k, std::size_t lo, std::size_t hi) {
  ValueSpec s;
  s.kind = k;
  s.min_size = lo;
  s.max_size = hi;
  return s;
}

ValueSpec one_of(std::vector<ValueSpec> alternatives) {
  ValueSpec s;
  s.kind = Kind::OneOf;
  s.alternatives = std::move(alternatives);
  return s;
}

ValueSpec target_temperature() {
  return one_of({number(Format::Uint8, 0, 50, "Celsius"), state({{{0xFD}, "undefined", true}})});
}

std::string why(const Status& st) {
  return st ? "ok" : st.error().code + ": " + st.error().message;
}

// ---- ValueSpec::check -------------------------------------------------------

TEST(ValueSpecNumber, AcceptsBoundsAndRefusesJustOutside) {
  auto s = number(Format::Uint8, 0, 50, "Celsius");
  EXPECT_TRUE(s.check(Bytes{0}));
  EXPECT_TRUE(s.check(Bytes{50}));
  EXPECT_EQ(why(s.check(Bytes{51})), "range: 51 is out of range 0..50 (Celsius)");
  EXPECT_EQ(why(s.check(Bytes{0, 24})), "size: EDT is 2 bytes, expected 1");
  EXPECT_EQ(why(s.check(Bytes{})), "size: EDT is 0 bytes, expected 1");
}

TEST(ValueSpecNumber, ReadsSignedValuesBigEndian) {
  auto s = number(Format::Int8, -127, 125, "Celsius");
  EXPECT_TRUE(s.check(Bytes{0x81}));  // -127
  EXPECT_EQ(why(s.check(Bytes{0x80})), "range: -128 is out of range -127..125 (Celsius)");
  EXPECT_EQ(why(s.check(Bytes{0x7E})), "range: 126 is out of range -127..125 (Celsius)");

  auto watts = number(Format::Int32, -2147483647, 2147483645, "W");
  EXPECT_TRUE(watts.check(Bytes{0xFF, 0xFF, 0xFF, 0x9C}));  // -100
  EXPECT_FALSE(watts.check(Bytes{0x80, 0x00, 0x00, 0x00}));
}

TEST(ValueSpecNumber, ReadsUnsigned32BitValuesUpToTheMaximum) {
  auto s = number(Format::Uint32, 0, 99999999, "kWh");
  EXPECT_TRUE(s.check(Bytes{0x05, 0xF5, 0xE0, 0xFF}));  // 99999999
  EXPECT_EQ(why(s.check(Bytes{0x05, 0xF5, 0xE1, 0x00})),
            "range: 100000000 is out of range 0..99999999 (kWh)");
  EXPECT_EQ(why(s.check(Bytes{1, 2, 3})), "size: EDT is 3 bytes, expected 4");
}

TEST(ValueSpecNumber, AcceptsOverflowAndUnderflowCodesAsSpecials) {
  auto s = number(Format::Uint16, 0, 65533, "W");
  s.specials = {0xFFFF, 0xFFFE};
  EXPECT_TRUE(s.check(Bytes{0xFF, 0xFF}));
  EXPECT_TRUE(s.check(Bytes{0xFF, 0xFE}));
  s.specials = {0xFFFF};
  EXPECT_EQ(why(s.check(Bytes{0xFF, 0xFE})),
            "range: 65534 is out of range 0..65533 (W) nor one of 65535");
}

TEST(ValueSpecNumber, StepRequiresMultiplesFromTheMinimum) {
  auto s = number(Format::Uint8, 0, 60, "minutes");
  s.step = 30;
  EXPECT_TRUE(s.check(Bytes{30}));
  EXPECT_TRUE(s.check(Bytes{60}));
  EXPECT_EQ(why(s.check(Bytes{15})), "range: 15 is not 0 plus a multiple of 30 (minutes)");
}

TEST(ValueSpecNumber, EnumOnlyNumberAcceptsJustTheListedValues) {
  auto s = number(Format::Uint8, 1, 0);  // no range
  s.specials = {1, 20, 21, 22, 23, 24};
  EXPECT_TRUE(s.check(Bytes{20}));
  EXPECT_EQ(why(s.check(Bytes{2})), "value: 2 is not one of 1, 20, 21, 22, 23, 24");
  EXPECT_EQ(s.first_valid(), Bytes{1});
}

TEST(ValueSpecState, ListsAllowedValuesWhenRefusing) {
  auto s = state({{{0x30}, "on"}, {{0x31}, "off"}});
  EXPECT_TRUE(s.check(Bytes{0x30}));
  EXPECT_TRUE(s.check(Bytes{0x31}, /*for_set=*/true));
  EXPECT_EQ(why(s.check(Bytes{0x35})), "value: 0x35 is not one of 0x30 (on), 0x31 (off)");
  EXPECT_EQ(why(s.check(Bytes{0x30, 0x31})), "size: EDT is 2 bytes, expected 1");
}

TEST(ValueSpecState, ReadOnlyValueIsReadableButNotSettable) {
  auto s = state({{{0x41}, "auto"}, {{0xFD}, "undefined", true}});
  EXPECT_TRUE(s.check(Bytes{0xFD}));
  EXPECT_EQ(why(s.check(Bytes{0xFD}, true)), "value: 0xFD (undefined) can be read but not set");
  EXPECT_TRUE(s.check(Bytes{0x41}, true));
}

TEST(ValueSpecState, RangeChoiceCoversItsEnds) {
  ValueSpec::Choice range{{0x00, 0x0A}, "abnormalEventOrSafety", false, {0x00, 0x13}};
  auto s = state({{{0x00, 0x00}, "noFault"}, range});
  EXPECT_TRUE(s.check(Bytes{0x00, 0x0A}));
  EXPECT_TRUE(s.check(Bytes{0x00, 0x13}));
  EXPECT_EQ(why(s.check(Bytes{0x00, 0x14})),
            "value: 0x0014 is not one of 0x0000 (noFault), 0x000A..0x0013 (abnormalEventOrSafety)");
}

TEST(ValueSpecLevel, AcceptsBaseToLastLevel) {
  ValueSpec s;
  s.kind = Kind::Level;
  s.base = 0x31;
  s.levels = 8;
  EXPECT_TRUE(s.check(Bytes{0x31}));
  EXPECT_TRUE(s.check(Bytes{0x38}));
  EXPECT_EQ(why(s.check(Bytes{0x39})), "range: 0x39 is out of range 0x31..0x38 (level 1..8)");
  EXPECT_FALSE(s.check(Bytes{0x30}));
  EXPECT_EQ(s.first_valid(), Bytes{0x31});
}

TEST(ValueSpecLevel, TwoByteBaseUsesTwoByteEdts) {
  ValueSpec s = sized(Kind::Level, 2, 2);
  s.base = 0xA000;
  s.levels = 60;
  EXPECT_TRUE(s.check(Bytes{0xA0, 0x3B}));
  EXPECT_FALSE(s.check(Bytes{0xA0, 0x3C}));
  EXPECT_EQ(why(s.check(Bytes{0xA0})), "size: EDT is 1 byte, expected 2");
}

TEST(ValueSpecRaw, AcceptsSizesWithinBounds) {
  auto s = sized(Kind::Raw, 1, 17);
  EXPECT_TRUE(s.check(Bytes(1, 0)));
  EXPECT_TRUE(s.check(Bytes(17, 0xFF)));
  EXPECT_EQ(why(s.check(Bytes{})), "size: EDT is 0 bytes, expected 1..17");
  EXPECT_EQ(why(s.check(Bytes(18, 0))), "size: EDT is 18 bytes, expected 1..17");
}

TEST(ValueSpecBitmap, AcceptsAnyBitsOfTheFixedSize) {
  auto s = sized(Kind::Bitmap, 4, 4);
  EXPECT_TRUE(s.check(Bytes{0xFF, 0x00, 0xA5, 0x01}));
  EXPECT_EQ(why(s.check(Bytes{0xFF})), "size: EDT is 1 byte, expected 4");
}

TEST(ValueSpecDate, ChecksMonthAndDay) {
  auto s = sized(Kind::Date, 4, 4);
  EXPECT_TRUE(s.check(Bytes{0x07, 0xE8, 2, 29}));
  EXPECT_TRUE(s.check(Bytes{0x07, 0xE8, 12, 31}));
  EXPECT_EQ(why(s.check(Bytes{0x07, 0xE8, 13, 1})), "range: month 13 is out of range 1..12");
  EXPECT_EQ(why(s.check(Bytes{0x07, 0xE8, 1, 0})), "range: day 0 is out of range 1..31");
  EXPECT_EQ(why(s.check(Bytes{0x07, 0xE8, 1})), "size: EDT is 3 bytes, expected 4");
}

TEST(ValueSpecTime, ChecksHoursMinutesAndSeconds) {
  auto hhmm = sized(Kind::Time, 2, 2);
  EXPECT_TRUE(hhmm.check(Bytes{23, 59}));
  EXPECT_EQ(why(hhmm.check(Bytes{24, 0})), "range: hour 24 is out of range 0..23");
  EXPECT_EQ(why(hhmm.check(Bytes{12, 60})), "range: minute 60 is out of range 0..59");
  EXPECT_EQ(why(hhmm.check(Bytes{12, 0, 0})), "size: EDT is 3 bytes, expected 2");

  auto hhmmss = sized(Kind::Time, 3, 3);
  EXPECT_TRUE(hhmmss.check(Bytes{0, 0, 59}));
  EXPECT_EQ(why(hhmmss.check(Bytes{0, 0, 60})), "range: second 60 is out of range 0..59");
}

TEST(ValueSpecTime, MaxHourLetsTimersCountPastADay) {
  auto s = sized(Kind::Time, 2, 2);
  s.max_hour = 255;
  EXPECT_TRUE(s.check(Bytes{0xFF, 0}));
}

TEST(ValueSpecDateTime, ChecksDateAndClockParts) {
  auto s = sized(Kind::DateTime, 7, 7);
  EXPECT_TRUE(s.check(Bytes{0x07, 0xE8, 6, 30, 23, 59, 59}));
  EXPECT_EQ(why(s.check(Bytes{0x07, 0xE8, 6, 30, 23, 59, 60})),
            "range: second 60 is out of range 0..59");
  EXPECT_EQ(why(s.check(Bytes{0x07, 0xE8, 0, 30, 0, 0, 0})),
            "range: month 0 is out of range 1..12");
  EXPECT_EQ(why(s.check(Bytes{0x07, 0xE8, 6, 30, 0, 0})), "size: EDT is 6 bytes, expected 7");
  auto no_seconds = sized(Kind::DateTime, 6, 6);
  EXPECT_TRUE(no_seconds.check(Bytes{0x07, 0xE8, 6, 30, 0, 0}));
}

TEST(ValueSpecOneOf, AcceptsAnyAlternative) {
  auto s = target_temperature();
  EXPECT_TRUE(s.check(Bytes{0x1A}));
  EXPECT_TRUE(s.check(Bytes{0xFD}));
  EXPECT_EQ(s.smallest(), 1u);
  EXPECT_EQ(s.largest(), 1u);
}

TEST(ValueSpecOneOf, RefusalSaysWhyTheFirstFittingFormFailed) {
  auto s = target_temperature();
  EXPECT_EQ(why(s.check(Bytes{0x33})),
            "range: 51 is out of range 0..50 (Celsius) (matches none of 2 forms)");
  EXPECT_EQ(why(s.check(Bytes{0x00, 0x1A})), "size: EDT is 2 bytes, expected 1");
  EXPECT_FALSE(s.check(Bytes{0xFD}, /*for_set=*/true));
}

TEST(ValueSpecOneOf, SizeBoundsSpanTheAlternatives) {
  auto s = one_of({sized(Kind::Raw, 1, 1), sized(Kind::Raw, 17, 17)});
  EXPECT_EQ(s.smallest(), 1u);
  EXPECT_EQ(s.largest(), 17u);
  EXPECT_TRUE(s.check(Bytes(17, 0)));
  EXPECT_EQ(why(s.check(Bytes(2, 0))), "size: EDT is 2 bytes, expected 1..17");
}

TEST(ValueSpecObject, ChecksEachFieldAndNamesTheFailingOne) {
  ValueSpec s;
  s.kind = Kind::Object;
  s.fields = {{"minValue", number(Format::Uint16, 0, 1000, "W")},
              {"maxValue", number(Format::Uint16, 0, 1000, "W")}};
  EXPECT_EQ(s.smallest(), 4u);
  EXPECT_TRUE(s.check(Bytes{0x00, 0x00, 0x03, 0xE8}));
  EXPECT_EQ(why(s.check(Bytes{0x00, 0x00, 0x03, 0xE9})),
            "range: maxValue: 1001 is out of range 0..1000 (W)");
  EXPECT_EQ(why(s.check(Bytes{0x00, 0x00, 0x03})), "size: EDT is 3 bytes, expected 4");
  EXPECT_EQ(s.first_valid(), (Bytes{0, 0, 0, 0}));
}

TEST(ValueSpecObject, TrailingArrayTakesTheRemainingBytes) {
  // Node profile 0xD5-style: a count, then up to 84 three-byte EOJs.
  ValueSpec list;
  list.kind = Kind::Array;
  list.item_size = 3;
  list.max_items = 84;
  list.item = {sized(Kind::Raw, 3, 3)};
  ValueSpec s;
  s.kind = Kind::Object;
  s.fields = {{"count", number(Format::Uint8, 0, 84)}, {"instances", list}};
  EXPECT_EQ(s.smallest(), 1u);
  EXPECT_EQ(s.largest(), 253u);
  EXPECT_TRUE(s.check(Bytes{0x02, 0x01, 0x30, 0x01, 0x02, 0x88, 0x01}));
  EXPECT_TRUE(s.check(Bytes{0x00}));
  EXPECT_EQ(why(s.check(Bytes{0x01, 0x01, 0x30, 0x01, 0x02})),
            "size: instances: EDT is 4 bytes, expected 0..84 items of 3 bytes");
}

TEST(ValueSpecArray, ChecksItemCountAndEveryItem) {
  ValueSpec s;
  s.kind = Kind::Array;
  s.item_size = 1;
  s.min_items = 2;
  s.max_items = 3;
  s.item = {number(Format::Uint8, 0, 100, "%")};
  EXPECT_TRUE(s.check(Bytes{1, 2}));
  EXPECT_TRUE(s.check(Bytes{1, 2, 100}));
  EXPECT_EQ(why(s.check(Bytes{1})), "size: EDT is 1 bytes, expected 2..3 items of 1 bytes");
  EXPECT_EQ(why(s.check(Bytes{1, 101})), "range: item 1: 101 is out of range 0..100 (%)");
  EXPECT_EQ(s.first_valid(), (Bytes{0, 0}));
}

TEST(ValueSpecFirstValid, PrefersZeroElseTheMinimum) {
  EXPECT_EQ(number(Format::Int8, -127, 125).first_valid(), Bytes{0});
  EXPECT_EQ(number(Format::Uint16, 1, 253).first_valid(), (Bytes{0x00, 0x01}));
  EXPECT_EQ(target_temperature().first_valid(), Bytes{0x00});
  EXPECT_EQ(state({{{0x41}, "auto"}, {{0x42}, "manual"}}).first_valid(), Bytes{0x41});
  EXPECT_EQ(sized(Kind::Raw, 3, 17).first_valid(), (Bytes{0, 0, 0}));
  EXPECT_TRUE(sized(Kind::Date, 4, 4).check(sized(Kind::Date, 4, 4).first_valid()));
}

// ---- YAML loader -------------------------------------------------------------

class ProfileYaml : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hemsrig-profile-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string yaml_path() const { return (dir_ / "x.yaml").string(); }
  // The error message of loading `text` from yaml_path(), or "ok".
  std::string load_error(const std::string& text) {
    auto path = write("x.yaml", text);
    ProfileLibrary lib;
    auto st = lib.load_yaml(path);
    return st ? "ok" : st.error().message;
  }

  fs::path dir_;
};

constexpr const char* kHeader =
    "class: 0x0F01\n"
    "name: demoThing\n"
    "properties:\n";

TEST_F(ProfileYaml, LoadsAClassWithItsProperties) {
  auto path =
      write("demo.yaml", std::string(kHeader) +
                             "  - epc: 0x80\n"
                             "    name: operationStatus\n"
                             "    access: {get: required, set: required_c, anno: required}\n"
                             "    data: {state: {0x30: on, 0x31: off}}\n"
                             "    default: 0x31\n"
                             "  - epc: 0xB3\n"
                             "    name: targetTemperature\n"
                             "    data:\n"
                             "      oneOf:\n"
                             "        - {number: uint8, min: 0, max: 50, unit: Celsius}\n"
                             "        - {state: {0xFD: undefined}, readOnly: [0xFD]}\n");
  ProfileLibrary lib;
  ASSERT_TRUE(lib.load_yaml(path)) << lib.load_yaml(path).error().message;
  const ClassProfile* cls = lib.find(0x0F01);
  ASSERT_NE(cls, nullptr);
  EXPECT_EQ(cls->name, "demoThing");
  EXPECT_EQ(cls->source, path);
  EXPECT_EQ(lib.find(std::string("demo_thing")), cls);
  const PropertySpec* op = cls->find(0x80);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->access.set, Access::RequiredC);
  EXPECT_EQ(op->default_edt, Bytes{0x31});
  EXPECT_EQ(why(op->value.check(Bytes{0x32})), "value: 0x32 is not one of 0x30 (on), 0x31 (off)");
  const PropertySpec* temp = cls->find(0xB3);
  ASSERT_NE(temp, nullptr);
  EXPECT_EQ(temp->access.get, Access::Optional);  // defaults when access is left out
  EXPECT_EQ(temp->access.set, Access::NotApplicable);
  EXPECT_EQ(temp->default_edt, Bytes{0x00});  // first valid value
  EXPECT_FALSE(temp->value.check(Bytes{0xFD}, /*for_set=*/true));
}

TEST_F(ProfileYaml, ReadsEveryDataKind) {
  auto path =
      write("kinds.yaml",
            std::string(kHeader) +
                "  - {epc: 0x81, name: a, data: {level: 0x31, levels: 8}}\n"
                "  - {epc: 0x82, name: b, data: {raw: [1, 17]}}\n"
                "  - {epc: 0x83, name: c, data: {bitmap: 2}}\n"
                "  - {epc: 0x84, name: d, data: date}\n"
                "  - {epc: 0x85, name: e, data: {time: 2, maxHour: 255}}\n"
                "  - {epc: 0x86, name: f, data: {date-time: 6}}\n"
                "  - {epc: 0x87, name: g, data: {numericValue: {0x00: 1, 0x01: 0.1}}}\n"
                "  - epc: 0x88\n"
                "    name: h\n"
                "    data: {object: {lo: {number: uint16}, hi: {number: uint16, max: 9}}}\n"
                "  - {epc: 0x89, name: i, data: {array: {number: int8}, items: [0, 4]}}\n"
                "  - {epc: 0x8A, name: j, data: {number: uint8, enum: [1, 20], overflow: true}}\n"
                "  - {epc: 0x8B, name: k, data: {state: {0x0000..0x000F: low, 0x0010: hi}}}\n");
  ProfileLibrary lib;
  auto st = lib.load_yaml(path);
  ASSERT_TRUE(st) << st.error().message;
  const ClassProfile& c = *lib.find(0x0F01);
  EXPECT_EQ(c.find(0x81)->value.kind, Kind::Level);
  EXPECT_TRUE(c.find(0x81)->value.check(Bytes{0x38}));
  EXPECT_EQ(c.find(0x82)->value.largest(), 17u);
  EXPECT_EQ(c.find(0x83)->value.smallest(), 2u);
  EXPECT_EQ(c.find(0x84)->value.smallest(), 4u);
  EXPECT_TRUE(c.find(0x85)->value.check(Bytes{200, 0}));
  EXPECT_EQ(c.find(0x86)->value.smallest(), 6u);
  EXPECT_EQ(c.find(0x87)->value.choices.at(1).name, "0.1");
  EXPECT_EQ(why(c.find(0x88)->value.check(Bytes{0, 0, 0, 10})),
            "range: hi: 10 is out of range 0..9");
  EXPECT_EQ(c.find(0x88)->value.fields.at(0).spec.maximum, 65535);  // no max: the format's
  EXPECT_EQ(c.find(0x89)->value.largest(), 4u);
  EXPECT_TRUE(c.find(0x8A)->value.check(Bytes{0xFF}));  // overflow code
  EXPECT_FALSE(c.find(0x8A)->value.check(Bytes{2}));
  EXPECT_TRUE(c.find(0x8B)->value.check(Bytes{0x00, 0x0F}));
}

TEST_F(ProfileYaml, UnknownKeyNamesFileLineColumnAndSuggestion) {
  const std::string path = yaml_path();
  auto msg = load_error(std::string(kHeader) +
                        "  - epc: 0x80\n"
                        "    name: operationStatus\n"
                        "    acess: {get: required}\n"
                        "    data: {state: {0x30: on}}\n");
  EXPECT_EQ(msg, path + ":6:5: unknown key 'acess' (did you mean 'access'?)");
}

TEST_F(ProfileYaml, UnknownAccessRuleSuggestsTheClosest) {
  const std::string path = yaml_path();
  auto msg = load_error(std::string(kHeader) +
                        "  - epc: 0x80\n"
                        "    name: operationStatus\n"
                        "    access: {get: requird}\n"
                        "    data: {state: {0x30: on}}\n");
  EXPECT_EQ(msg.rfind(path + ":6:19: unknown access rule 'requird' (did you mean 'required'?)", 0),
            0u)
      << msg;
}

TEST_F(ProfileYaml, UnknownDataKindSuggestsTheClosest) {
  const std::string path = yaml_path();
  auto msg = load_error(std::string(kHeader) +
                        "  - epc: 0x80\n"
                        "    name: x\n"
                        "    data: {numbr: uint8}\n");
  EXPECT_EQ(msg, path + ":6:12: unknown data kind 'numbr' (did you mean 'number'?)");
}

TEST_F(ProfileYaml, UnknownModifierOfAKindIsRefused) {
  const std::string path = yaml_path();
  auto msg = load_error(std::string(kHeader) +
                        "  - epc: 0x80\n"
                        "    name: x\n"
                        "    data: {number: uint8, maxi: 9}\n");
  EXPECT_EQ(msg, path + ":6:27: unknown key 'maxi' (did you mean 'max'?)");
}

TEST_F(ProfileYaml, DefaultMustFitItsOwnData) {
  const std::string path = yaml_path();
  auto msg = load_error(std::string(kHeader) +
                        "  - epc: 0xB3\n"
                        "    name: targetTemperature\n"
                        "    data: {number: uint8, min: 0, max: 50, unit: Celsius}\n"
                        "    default: 0x33\n");
  EXPECT_EQ(msg,
            path + ":7:14: default 0x33 does not fit the data: 51 is out of range 0..50 (Celsius)");
}

TEST_F(ProfileYaml, BadValuesAreRefusedWithTheirPosition) {
  const std::string path = yaml_path();
  EXPECT_EQ(load_error(std::string(kHeader) + "  - {epc: 0x80, name: x, data: {number: uint9}}\n"),
            path + ":4:41: unknown number format 'uint9' (did you mean 'uint8'?)");
  EXPECT_EQ(load_error(std::string(kHeader) +
                       "  - {epc: 0x80, name: x, data: {number: uint8, max: 256}}\n"),
            path + ":4:53: max 256 does not fit uint8 (0..255)");
  EXPECT_EQ(load_error(std::string(kHeader) +
                       "  - {epc: 0x80, name: x, data: {state: {0x30: a, 0x3031: b}}}\n"),
            path + ":4:50: '0x3031' has 2 bytes but 0x30 has 1");
  EXPECT_EQ(
      load_error(std::string(kHeader) + "  - {epc: 0x80, name: x, data: {raw: 1}, default: 0x3}\n"),
      path + ":4:51: default must be hex bytes like 0x1A or 0x0130, not '0x3'");
  EXPECT_EQ(load_error(std::string(kHeader) + "  - {epc: 0x70, name: x, data: {raw: 1}}\n"),
            path + ":4:11: epc 0x70 is below 0x80, the first property code");
  EXPECT_EQ(load_error(std::string(kHeader) + "  - {epc: 0x80, data: {raw: 1}}\n"),
            path + ":4:5: missing key 'name'");
}

TEST_F(ProfileYaml, DuplicateEpcPointsAtTheFirst) {
  const std::string path = yaml_path();
  auto msg = load_error(std::string(kHeader) +
                        "  - {epc: 0x80, name: a, data: {raw: 1}}\n"
                        "  - {epc: 0x80, name: b, data: {raw: 1}}\n");
  EXPECT_EQ(msg, path + ":5:11: duplicate epc 0x80 (first at line 4)");
}

TEST_F(ProfileYaml, SyntaxErrorsCarryThePosition) {
  const std::string path = yaml_path();
  auto msg = load_error(std::string(kHeader) + "  - {epc: 0x80, name: [a\n");
  EXPECT_EQ(msg.rfind(path + ":", 0), 0u) << msg;
  EXPECT_NE(msg.find(":5:"), std::string::npos) << msg;
}

TEST_F(ProfileYaml, FolderLoadsAllOrNothing) {
  write("a.yaml", "class: 0x0F01\nname: a\nproperties: []\n");
  write("b.yaml", "class: 0x0F02\nname: b\nproperties: [{epc: 0x80}]\n");
  ProfileLibrary lib;
  auto st = lib.load_yaml(dir_.string());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("b.yaml:3:14: missing key 'name'"), std::string::npos)
      << st.error().message;
  EXPECT_EQ(lib.find(0x0F01), nullptr);
  EXPECT_TRUE(lib.all().empty());
}

TEST_F(ProfileYaml, SameClassInTwoFilesIsRefused) {
  write("a.yaml", "class: 0x0F01\nname: a\nproperties: []\n");
  write("b.yaml", "class: 0x0F01\nname: b\nproperties: []\n");
  ProfileLibrary lib;
  auto st = lib.load_yaml(dir_.string());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("class 0x0F01 is also defined in"), std::string::npos);
}

TEST_F(ProfileYaml, MissingPathIsAnError) {
  ProfileLibrary lib;
  auto st = lib.load_yaml((dir_ / "nope").string());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "profile");
}

// ---- Bundled profiles ---------------------------------------------------------

TEST(ProfileLibrary, BundledProfilesAllLoad) {
  ProfileLibrary lib;
  auto st = lib.load_yaml(ProfileLibrary::bundled_dir());
  ASSERT_TRUE(st) << st.error().message;
  for (std::uint16_t code :
       {0x0000, 0x0EF0, 0x0130, 0x027B, 0x0290, 0x02A3, 0x0288, 0x0279, 0x027D, 0x026B, 0x05FF}) {
    EXPECT_NE(lib.find(code), nullptr) << "class " << code;
  }
  ASSERT_NE(lib.super_class(), nullptr);
  ASSERT_NE(lib.node_profile(), nullptr);
  for (const ClassProfile* cls : lib.all()) {
    EXPECT_FALSE(cls->properties.empty()) << cls->source;
    for (const auto& [epc, p] : cls->properties) {
      EXPECT_TRUE(p.value.check(p.default_edt)) << cls->source << " EPC " << int(epc);
      EXPECT_FALSE(p.name.empty()) << cls->source << " EPC " << int(epc);
    }
  }
}

TEST(ProfileLibrary, BundledDefaultsMatchTheDocumentedStartState) {
  ProfileLibrary lib;
  ASSERT_TRUE(lib.load_yaml(ProfileLibrary::bundled_dir()));
  const ClassProfile* ac = lib.find(std::string("home_air_conditioner"));
  ASSERT_NE(ac, nullptr);
  EXPECT_EQ(ac->find(0x80)->default_edt, Bytes{0x31});  // off
  EXPECT_EQ(ac->find(0xB3)->default_edt, Bytes{26});    // 26 C
  const ClassProfile* meter = lib.find(0x0288);
  ASSERT_NE(meter, nullptr);
  EXPECT_EQ(meter->find(0xD3)->default_edt, (Bytes{0, 0, 0, 1}));  // coefficient 1
  EXPECT_EQ(meter->find(0xE1)->default_edt, Bytes{0x01});          // 0.1 kWh
  EXPECT_EQ(lib.find(0x0290)->find(0x80)->default_edt, Bytes{0x31});
}

TEST(ProfileLibrary, MergedWithSuperKeepsTheClassOwnRules) {
  ProfileLibrary lib;
  ASSERT_TRUE(lib.load_yaml(ProfileLibrary::bundled_dir()));
  const ClassProfile* ac = lib.find(0x0130);
  ASSERT_NE(ac, nullptr);
  ClassProfile merged = merged_with_super(lib, *ac);
  ASSERT_NE(merged.find(0x8A), nullptr);  // manufacturer, from the super class
  ASSERT_NE(merged.find(0x9F), nullptr);
  EXPECT_EQ(merged.find(0x80)->access.set,
            Access::Required);  // the class's, not the super's optional
  EXPECT_EQ(lib.super_class()->find(0x80)->access.set, Access::Optional);
  // The node profile does not take device super class properties.
  ClassProfile node = merged_with_super(lib, *lib.node_profile());
  EXPECT_EQ(node.find(0x81), nullptr);
}

TEST(ProfileLibrary, AddKeepsExistingClassUnlessReplacing) {
  ProfileLibrary lib;
  ClassProfile a;
  a.class_code = 0x0F01;
  a.name = "first";
  lib.add(a);
  ClassProfile b = a;
  b.name = "second";
  lib.add(b, /*replace=*/false);
  EXPECT_EQ(lib.find(0x0F01)->name, "first");
  lib.add(b);
  EXPECT_EQ(lib.find(0x0F01)->name, "second");
}

TEST(ProfileAccess, NamesMatchTheMra) {
  EXPECT_STREQ(to_string(Access::Required), "required");
  EXPECT_STREQ(to_string(Access::RequiredC), "required_c");
  EXPECT_STREQ(to_string(Access::RequiredO), "required_o");
  EXPECT_STREQ(to_string(Access::Optional), "optional");
  EXPECT_STREQ(to_string(Access::NotApplicable), "notApplicable");
}

}  // namespace
}  // namespace hemsrig::echonet
