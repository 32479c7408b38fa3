// The AiSEG2 model table and the device code / access password.
#include "devices/aiseg2/device_code.hpp"
#include "devices/aiseg2/model.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

using namespace hemsrig::aiseg2;

// DOMAIN R2: MKN704, MKN705 and MKN713, and no other model.
TEST(UnitModel, OnlyTheThreeModelsExist) {
  ASSERT_EQ(models().size(), 3u);
  for (const char* name : {"MKN704", "MKN705", "MKN713"}) {
    const ModelInfo* m = find_model(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->name, name);
    EXPECT_TRUE(require_model(name).ok()) << name;
  }
  for (const char* name : {"MKN706", "MKN7130", "mkn704", "MKN704 ", "", "AiSEG", "MKN7031"}) {
    EXPECT_EQ(find_model(name), nullptr) << name;
    auto r = require_model(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, "unknown_model");
    EXPECT_NE(r.error().message.find("DOMAIN R2"), std::string::npos) << r.error().message;
  }
}

// DOMAIN actors table: MKN705 has no built-in monitor.
TEST(UnitModel, Mkn705HasNoMonitor) {
  EXPECT_FALSE(find_model("MKN705")->has_monitor.value);
  EXPECT_TRUE(find_model("MKN704")->has_monitor.value);
  EXPECT_TRUE(find_model("MKN713")->has_monitor.value);
}

TEST(UnitModel, FactsCarryTheirMarks) {
  const ModelInfo& m713 = *find_model("MKN713");
  ASSERT_EQ(m713.firmware_seen.value.size(), 1u);
  EXPECT_EQ(m713.firmware_seen.value[0], "Ver.2.97I-01");
  EXPECT_EQ(m713.firmware_seen.mark, Mark::Seen);
  EXPECT_EQ(find_model("MKN704")->firmware_seen.value.at(0), "Ver.2.97I-03");
  for (const auto& m : models()) {
    EXPECT_EQ(m.max_measured_circuits.value, 38);
    EXPECT_EQ(m.max_measured_circuits.mark, Mark::Reported);
    ASSERT_TRUE(m.history_retention.value.has_value());
    EXPECT_EQ(m.history_retention.value->half_hourly_days, 94);
    EXPECT_EQ(m.history_retention.mark, Mark::Reported);
  }
  for (const auto& row : fact_rows()) {
    for (const auto& c : row.cells) EXPECT_FALSE(c.source.empty()) << row.field;
  }
}

// Differences no public source shows are "unknown", not invented.
TEST(UnitModel, UnknownDifferencesSayUnknown) {
  const ModelInfo& m705 = *find_model("MKN705");
  EXPECT_TRUE(m705.firmware_seen.value.empty());
  EXPECT_EQ(m705.firmware_seen.mark, Mark::Unknown);
  for (const auto& m : models()) EXPECT_EQ(m.radios.mark, Mark::Unknown);
  for (const auto& row : fact_rows()) {
    ASSERT_EQ(row.cells.size(), 3u);
    for (const auto& c : row.cells) {
      if (c.mark != Mark::Unknown) {
        EXPECT_EQ(c.text.find("unknown"), std::string::npos) << row.field;
        EXPECT_EQ(c.text.find("rig's choice"), std::string::npos) << row.field;
      } else {
        // Either nothing is said, or the value is labelled as the rig's own choice.
        EXPECT_TRUE(c.text == "unknown" || c.text.find("(rig's choice)") != std::string::npos)
            << row.field << ": " << c.text;
      }
    }
    if (row.field == "radios") {
      for (const auto& c : row.cells) EXPECT_EQ(c.text, "unknown");
    }
  }
}

// docs/aiseg2-models.md is the table's rendering: edit the table, regenerate the page.
TEST(UnitModel, DocPageMatchesTheTable) {
  std::ifstream in(std::string(HEMSRIG_SOURCE_DIR) + "/docs/aiseg2-models.md");
  ASSERT_TRUE(in.good()) << "docs/aiseg2-models.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), render_models_markdown())
      << "regenerate docs/aiseg2-models.md from render_models_markdown()";
}

TEST(DeviceCode, ParsesWithAndWithoutHyphen) {
  auto a = DeviceCode::parse("99999-50072");
  auto b = DeviceCode::parse("9999950072");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->digits(), "9999950072");
  EXPECT_EQ(a->printed(), "99999-50072");
}

TEST(DeviceCode, RefusesAnythingElseSayingWhy) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c :
       {Case{"", "nothing was typed"}, Case{"99999-5007", "9 digits"},
        Case{"99999-500721", "11 digits"}, Case{"9999-950072", "after 4 digits"},
        Case{"99999--50072", "second hyphen"}, Case{"99999 50072", "at character 6"},
        Case{" 99999-50072", "at character 1"}, Case{"99999-5007a", "not a digit"},
        Case{"99999_50072", "not a digit"}, Case{"\xff\xfe", "UTF-8"}}) {
    auto r = DeviceCode::parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().code, "device_code_format") << c.text;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos)
        << c.text << ": " << r.error().message;
  }
}

TEST(DeviceCode, FullWidthRefusedByDefaultNormalisedOnRequest) {
  const char* full = "９９９９９－５００７２";
  auto refused = DeviceCode::parse(full);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("full-width"), std::string::npos);
  auto normalised = DeviceCode::parse(full, {FullWidth::Normalise});
  ASSERT_TRUE(normalised.ok()) << normalised.error().message;
  EXPECT_EQ(normalised->printed(), "99999-50072");
}

// DOMAIN R32: the factory access password is the 10 digits without the hyphen.
TEST(DeviceCode, FactoryAccessPasswordIsTheTenDigits) {
  auto code = DeviceCode::parse("12345-67890");
  ASSERT_TRUE(code.ok());
  const AccessPassword pw = AccessPassword::factory(*code);
  EXPECT_EQ(pw.text(), "1234567890");
  EXPECT_TRUE(pw.check("1234567890"));
  EXPECT_FALSE(pw.check("12345-67890"));
  EXPECT_FALSE(pw.check("123456789"));
  EXPECT_FALSE(pw.check(""));
  EXPECT_TRUE(pw.is_factory_of(*code));
}

// DOMAIN R32: the user may change it; the rig's rule is 4-16 half-width letters or digits.
TEST(DeviceCode, AccessPasswordChangeableWithinTheRule) {
  auto code = DeviceCode::parse("12345-67890");
  ASSERT_TRUE(code.ok());
  AccessPassword pw = AccessPassword::factory(*code);
  ASSERT_TRUE(pw.change("Hems2024").ok());
  EXPECT_TRUE(pw.check("Hems2024"));
  EXPECT_FALSE(pw.check("hems2024"));
  EXPECT_FALSE(pw.check("1234567890"));
  EXPECT_FALSE(pw.is_factory_of(*code));
  for (const char* bad : {"abc", "abcdefghijklmnopq", "abc!", "ab cd", "パスワード", "ａｂｃｄ"}) {
    auto st = pw.change(bad);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().code, "access_password_format");
    EXPECT_TRUE(pw.check("Hems2024")) << "a refused change must keep the old password";
  }
  EXPECT_TRUE(pw.change("abcd").ok());
  EXPECT_TRUE(pw.change("abcdefghijklmnop").ok());
}
