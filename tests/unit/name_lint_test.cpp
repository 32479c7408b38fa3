// DOMAIN R65 name lint: each test breaks when its part of the rule is broken.
#include "devices/aiseg2/name_lint.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace hemsrig::aiseg2;

namespace {

constexpr std::uint16_t kAirConditioner = 0x0130;
constexpr std::uint16_t kFloorHeater = 0x027B;
constexpr std::uint16_t kGeneralLighting = 0x0290;
constexpr std::uint16_t kLightingSystem = 0x02A3;
constexpr std::uint16_t kMeter = 0x0288;

std::vector<std::string> codes(const std::vector<NameWarning>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws) out.push_back(w.code);
  return out;
}
std::vector<std::string> codes_of(const std::vector<NameWarning>& ws, std::size_t index) {
  std::vector<std::string> out;
  for (const auto& w : ws) {
    if (w.index == index) out.push_back(w.code);
  }
  return out;
}
using Codes = std::vector<std::string>;

TEST(NameLint, HalfWidthDigitsAreReportedWithTheNameQuoted) {
  const auto ws = lint_name("照明01");
  ASSERT_EQ(codes(ws), Codes{kNameHasDigits});
  EXPECT_EQ(ws[0].message,
            "'照明01' contains digits, which a speaker may misrecognise (DOMAIN R65)");
  EXPECT_EQ(ws[0].name, "照明01");
}

TEST(NameLint, FullWidthAndCircledDigitsAreDigitsToo) {
  EXPECT_EQ(codes(lint_name("照明０１")), Codes{kNameHasDigits});
  EXPECT_EQ(codes(lint_name("寝室エアコン２")), Codes{kNameHasDigits});
  EXPECT_EQ(codes(lint_name("照明①")), Codes{kNameHasDigits});
}

TEST(NameLint, HalfAndFullWidthLatinLettersAreReported) {
  const auto ws = lint_name("床暖房A");
  ASSERT_EQ(codes(ws), Codes{kNameHasLatin});
  EXPECT_EQ(ws[0].message,
            "'床暖房A' contains Latin letters, which a speaker may misrecognise (DOMAIN R65)");
  EXPECT_EQ(codes(lint_name("床暖房Ａ")), Codes{kNameHasLatin});
  EXPECT_EQ(codes(lint_name("ｂ寝室")), Codes{kNameHasLatin});
  EXPECT_EQ(codes(lint_name("LDKエアコン")), Codes{kNameHasLatin});
}

TEST(NameLint, AsciiAndFullWidthSymbolsAreReported) {
  const auto ws = lint_name("リビング/照明");
  ASSERT_EQ(codes(ws), Codes{kNameHasSymbols});
  EXPECT_EQ(ws[0].message,
            "'リビング/照明' contains symbols, which a speaker may misrecognise (DOMAIN R65)");
  for (const char* name : {"エアコン!", "照明-和室", "和室（照明）", "キッチン・照明", "照明★",
                           "照明、廊下", "「寝室」エアコン", "照明～", "照明♪", "寝室＠照明"}) {
    EXPECT_EQ(codes(lint_name(name)), Codes{kNameHasSymbols}) << name;
  }
}

TEST(NameLint, EachKindOfCharacterIsReportedOnceInTheOrderDigitsLatinSymbols) {
  EXPECT_EQ(codes(lint_name("エアコン(2F)")),
            (Codes{kNameHasDigits, kNameHasLatin, kNameHasSymbols}));
  EXPECT_EQ(codes(lint_name("照明1234")), Codes{kNameHasDigits});
}

TEST(NameLint, KanaKanjiAndTheProlongedSoundMarkAreWordsNotSymbols) {
  // R65's own good names, and characters a byte-wise or naive check would misjudge:
  // ー (U+30FC), half-width katakana, 々 and 〇, and spaces inside a name.
  for (const char* name :
       {"リビングエアコン", "ダイニング床暖房", "ダウンライト", "スマートメーター", "ｴｱｺﾝ",
        "人々の照明", "〇〇邸エアコン", "子ども部屋 照明"}) {
    EXPECT_EQ(codes(lint_name(name)), Codes{}) << name;
  }
}

TEST(NameLint, NamesAreDecodedAsUtf8NotCountedAsBytes) {
  // Full-width "１" is EF BC 91: a byte check looking for '0'..'9' would miss it.
  EXPECT_EQ(codes(lint_name("\xEF\xBC\x91")), Codes{kNameHasDigits});
  const auto bad = lint_name("\xE7\x85");  // cut short
  ASSERT_EQ(codes(bad), Codes{kNameNotUtf8});
  EXPECT_NE(bad[0].message.find("\\xE7\\x85"), std::string::npos) << bad[0].message;
  EXPECT_EQ(codes(lint_name("")), Codes{kNameEmpty});
}

TEST(NameLint, ANameSharedBySeveralAppliancesIsReportedForEachOfThem) {
  const auto ws = lint_names({{"リビング", kAirConditioner},
                              {"寝室エアコン", kAirConditioner},
                              {"リビング", kGeneralLighting}});
  EXPECT_EQ(codes_of(ws, 0), Codes{kNameShared});
  EXPECT_EQ(codes_of(ws, 1), Codes{});
  EXPECT_EQ(codes_of(ws, 2), Codes{kNameShared});
  EXPECT_NE(ws[0].message.find("'リビング' names 2 appliances"), std::string::npos)
      << ws[0].message;
  EXPECT_NE(ws[0].message.find("(DOMAIN R65)"), std::string::npos);
  // Spaces at either end do not make a name different to the ear.
  EXPECT_EQ(
      codes(lint_names({{"リビング照明 ", kLightingSystem}, {"リビング照明", kGeneralLighting}})),
      (Codes{kNameShared, kNameShared}));
}

TEST(NameLint, TwoAirConditionersNamedEaconAreSharedAndGeneric) {
  const auto ws = lint_names({{"エアコン", kAirConditioner}, {"エアコン", kAirConditioner}});
  EXPECT_EQ(codes_of(ws, 0), (Codes{kNameShared, kNameGeneric}));
  EXPECT_EQ(codes_of(ws, 1), (Codes{kNameShared, kNameGeneric}));
}

TEST(NameLint, ABareClassWordNeedsARoomOnceThereAreSeveralOfThatKind) {
  // One air conditioner called エアコン is unambiguous.
  EXPECT_EQ(codes(lint_names({{"エアコン", kAirConditioner}, {"照明", kGeneralLighting}})),
            Codes{});
  // R65's examples: エアコン beside another air conditioner, 床暖房 beside another floor heater.
  const auto ws = lint_names({{"エアコン", kAirConditioner},
                              {"寝室エアコン", kAirConditioner},
                              {"床暖房", kFloorHeater},
                              {"ダイニング床暖房", kFloorHeater}});
  EXPECT_EQ(codes_of(ws, 0), Codes{kNameGeneric});
  EXPECT_EQ(codes_of(ws, 1), Codes{});
  EXPECT_EQ(codes_of(ws, 2), Codes{kNameGeneric});
  EXPECT_EQ(codes_of(ws, 3), Codes{});
  EXPECT_EQ(ws[0].message,
            "'エアコン' is a generic name and the house has 2 air conditioners; name it with its "
            "room, e.g. 'リビングエアコン' (DOMAIN R65)");
}

TEST(NameLint, EveryLightingClassIsOneKindForGenericNames) {
  // General lighting and a lighting system are both "lights" to the person speaking.
  const auto ws = lint_names({{"照明", kGeneralLighting}, {"リビング照明", kLightingSystem}});
  EXPECT_EQ(codes_of(ws, 0), Codes{kNameGeneric});
  EXPECT_EQ(appliance_kind(kGeneralLighting).id, appliance_kind(kLightingSystem).id);
  // A generic word of another kind is not this kind's generic name.
  EXPECT_EQ(codes(lint_names({{"照明", kMeter}, {"母屋メーター", kMeter}})), Codes{});
}

TEST(NameLint, TheDemoHouseNamesAreClean) {
  EXPECT_EQ(codes(lint_names({{"リビングエアコン", 0x0130},
                              {"ダイニング床暖房", 0x027B},
                              {"ダウンライト", 0x0290},
                              {"リビング照明", 0x02A3},
                              {"スマートメーター", 0x0288},
                              {"太陽光発電", 0x0279},
                              {"蓄電池", 0x027D},
                              {"エコキュート", 0x026B}})),
            Codes{});
}

TEST(NameLint, CharacterClassesOfTheEdges) {
  EXPECT_EQ(classify(U'0'), CharClass::Digit);
  EXPECT_EQ(classify(U'９'), CharClass::Digit);
  EXPECT_EQ(classify(U'Z'), CharClass::Latin);
  EXPECT_EQ(classify(U'ｚ'), CharClass::Latin);
  EXPECT_EQ(classify(U'~'), CharClass::Symbol);
  EXPECT_EQ(classify(U'！'), CharClass::Symbol);
  EXPECT_EQ(classify(U'ー'), CharClass::Other);
  EXPECT_EQ(classify(U'ｰ'), CharClass::Other);
  EXPECT_EQ(classify(U'　'), CharClass::Space);
  EXPECT_EQ(classify(U'あ'), CharClass::Other);
}

}  // namespace
