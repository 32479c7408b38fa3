// Lighting scenes and voice scenes on the unit (DOMAIN R70-R73).
#include "devices/aiseg2/lighting_scene.hpp"
#include "devices/aiseg2/voice_scene.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "sim/core/engine.hpp"

using namespace hemsrig;
using namespace hemsrig::aiseg2;
using namespace std::chrono_literals;

namespace {

const std::map<std::string, std::uint16_t, std::less<>> kAppliances{
    {"living_light", 0x02A3},  // advanced lighting
    {"living_ac", 0x0130},     // air conditioner
    {"floor_heater", 0x027B},
};

ApplianceClassLookup lookup() {
  return [](std::string_view key) -> std::optional<std::uint16_t> {
    auto it = kAppliances.find(key);
    if (it == kAppliances.end()) return std::nullopt;
    return it->second;
  };
}

VoiceSceneEntry ac_on_26() {
  return {"living_ac", PropertySets{{0x80, {0x30}}, {0xB3, {26}}}};
}

VoiceScene scene(std::string name) {
  return {std::move(name), {ac_on_26()}};
}

// A test double of the unit's own ApplianceCommander interface: records every call and
// answers as told (now, later in engine time, or never).
class RecordingCommander : public ApplianceCommander {
 public:
  struct Call {
    std::string key;
    PropertySets sets;
  };
  struct Plan {
    sim::Duration delay{0};
    bool answer = true;
    CommandOutcome outcome;
  };

  explicit RecordingCommander(sim::Engine& engine) : engine_(engine) {}
  void plan(const std::string& key, Plan p) { plans_[key] = std::move(p); }

  void command(const std::string& key, std::vector<std::pair<std::uint8_t, Bytes>> sets,
               std::function<void(CommandOutcome)> done) override {
    calls.push_back({key, sets});
    Plan p = plans_.count(key) ? plans_[key] : Plan{};
    if (!p.answer) return;
    if (p.delay == sim::Duration{0}) {
      done(p.outcome);
      done(p.outcome);  // a second answer must be ignored
      return;
    }
    engine_.after(p.delay, [done, outcome = p.outcome] { done(outcome); });
  }

  std::vector<Call> calls;

 private:
  sim::Engine& engine_;
  std::map<std::string, Plan> plans_;
};

struct Books {
  sim::Engine engine;
  LightingSceneBook lighting;
  VoiceSceneBook voice{engine, lighting, lookup()};
};

}  // namespace

TEST(LightingScene, BelongsToAnApplianceAndMapsToA0xC0Value) {
  LightingSceneBook book;
  ASSERT_TRUE(book.add({"団らん", "living_light", 3}).ok());
  ASSERT_TRUE(book.add({"団らん", "dining_light", 3}).ok());  // another appliance may reuse both
  const LightingScene* s = book.find("living_light", "団らん");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->scene_number, 3);
  EXPECT_EQ(book.find("living_light", "くつろぎ"), nullptr);
  EXPECT_EQ(book.for_appliance("living_light").size(), 1u);

  EXPECT_FALSE(book.add({"団らん", "living_light", 4}).ok());    // name taken on this appliance
  EXPECT_FALSE(book.add({"くつろぎ", "living_light", 3}).ok());  // number taken on this appliance
  EXPECT_FALSE(book.add({"くつろぎ", "living_light", 0}).ok());  // 0x00 = no setting (MRA)
  EXPECT_FALSE(book.add({"くつろぎ", "living_light", 254}).ok());
  EXPECT_FALSE(book.add({"", "living_light", 5}).ok());
  EXPECT_FALSE(book.add({"くつろぎ", "", 5}).ok());
  EXPECT_TRUE(book.add({"くつろぎ", "living_light", 253}).ok());
  EXPECT_TRUE(book.remove("living_light", "くつろぎ").ok());
  EXPECT_FALSE(book.remove("living_light", "くつろぎ").ok());
}

// DOMAIN R71: at most 8 scenes per unit.
TEST(VoiceScene, NinthSceneRefused) {
  Books b;
  const char* names[] = {"在宅", "外出", "帰宅", "就寝", "起床", "食事", "来客", "団らん"};
  for (const char* n : names) ASSERT_TRUE(b.voice.add(scene(n)).ok()) << n;
  auto ninth = b.voice.add(scene("読書"));
  ASSERT_FALSE(ninth.ok());
  EXPECT_EQ(ninth.error().code, "voice_scene_limit");
  EXPECT_NE(ninth.error().message.find("DOMAIN R71"), std::string::npos);
  EXPECT_EQ(b.voice.all().size(), 8u);
  // Freeing a place lets it in.
  ASSERT_TRUE(b.voice.remove("来客").ok());
  EXPECT_TRUE(b.voice.add(scene("読書")).ok());
}

// DOMAIN R72: each forbidden kind of character, half- and full-width, is refused by name.
TEST(VoiceScene, NameRulesRefuseEachForbiddenKind) {
  struct Case {
    const char* name;
    const char* code;
    const char* says;
  };
  const Case cases[] = {
      {"照明1", "scene_name_digit", "contains a digit"},            // half-width digit
      {"照明１", "scene_name_digit", "contains a digit"},           // full-width digit
      {"ONする", "scene_name_latin", "contains a Latin letter"},    // half-width Latin
      {"ＯＮする", "scene_name_latin", "contains a Latin letter"},  // full-width Latin
      {"在宅!", "scene_name_symbol", "contains a symbol"},
      {"在宅！", "scene_name_symbol", "contains a symbol"},
      {"在宅・外", "scene_name_symbol", "contains a symbol"},
      {"在 宅", "scene_name_space", "contains a space"},   // half-width space
      {"在　宅", "scene_name_space", "contains a space"},  // full-width space
      {"あいうえおかき", "scene_name_too_long", "has 7 characters"},
      {"", "scene_name_empty", "empty"},
      {"\xe5\x9c", "scene_name_invalid_utf8", "UTF-8"},
  };
  Books b;
  for (const Case& c : cases) {
    auto st = b.voice.add(scene(c.name));
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.error().code, c.code) << c.name;
    EXPECT_NE(st.error().message.find(c.says), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("DOMAIN R72"), std::string::npos) << st.error().message;
  }
  EXPECT_EQ(check_scene_name("照明1").error().message,
            "scene name '照明1' contains a digit: '1' (U+0031) at character 3 (DOMAIN R72)");
  EXPECT_TRUE(b.voice.all().empty());
}

// DOMAIN R72: 6 characters, full- or half-width, is the most; counted as characters, not bytes.
TEST(VoiceScene, SixCharacterNamesAccepted) {
  Books b;
  EXPECT_TRUE(b.voice.add(scene("おかえりなさ")).ok());  // 6 full-width kana (18 bytes)
  EXPECT_TRUE(b.voice.add(scene("ｵﾔｽﾐﾅｻ")).ok());        // 6 half-width kana
  EXPECT_TRUE(b.voice.add(scene("リビング照明")).ok());  // kana and kanji
  EXPECT_TRUE(b.voice.add(scene("在宅")).ok());
  EXPECT_EQ(b.voice.add(scene("ｵﾔｽﾐﾅｻｲ")).error().code, "scene_name_too_long");
}

// DOMAIN R72: unique among the unit's scenes.
TEST(VoiceScene, DuplicateNameRefused) {
  Books b;
  ASSERT_TRUE(b.voice.add(scene("帰宅")).ok());
  ASSERT_TRUE(b.voice.add(scene("外出")).ok());
  auto dup = b.voice.add(scene("帰宅"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "scene_name_duplicate");
  EXPECT_NE(dup.error().message.find("DOMAIN R72"), std::string::npos);
  // Renaming onto another scene's name is a duplicate too; keeping one's own name is not.
  EXPECT_EQ(b.voice.replace("外出", scene("帰宅")).error().code, "scene_name_duplicate");
  EXPECT_TRUE(b.voice.replace("外出", scene("外出")).ok());
}

// DOMAIN R73: advanced lighting takes a lighting scene of the unit, which must exist.
TEST(VoiceScene, MissingLightingSceneRefused) {
  Books b;
  VoiceScene s{"帰宅", {{"living_light", LightingSceneControl{"団らん"}}, ac_on_26()}};
  auto missing = b.voice.add(s);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "lighting_scene_missing");
  EXPECT_NE(missing.error().message.find("団らん"), std::string::npos);
  EXPECT_NE(missing.error().message.find("DOMAIN R73"), std::string::npos);

  ASSERT_TRUE(b.lighting.add({"団らん", "living_light", 2}).ok());
  EXPECT_TRUE(b.voice.add(s).ok());
}

TEST(VoiceScene, ControlMustFitTheAppliance) {
  Books b;
  ASSERT_TRUE(b.lighting.add({"団らん", "living_light", 2}).ok());
  auto lighting_by_epc = b.voice.add({"帰宅", {{"living_light", PropertySets{{0x80, {0x30}}}}}});
  EXPECT_EQ(lighting_by_epc.error().code, "voice_scene_control_kind");
  auto ac_by_scene = b.voice.add({"帰宅", {{"living_ac", LightingSceneControl{"団らん"}}}});
  EXPECT_EQ(ac_by_scene.error().code, "voice_scene_control_kind");
  EXPECT_EQ(b.voice.add({"帰宅", {{"garage_door", PropertySets{{0x80, {0x30}}}}}}).error().code,
            "appliance_unknown");
  EXPECT_EQ(b.voice.add({"帰宅", {}}).error().code, "voice_scene_empty");
  EXPECT_EQ(b.voice.add({"帰宅", {{"living_ac", PropertySets{}}}}).error().code,
            "voice_scene_entry_invalid");
  EXPECT_EQ(b.voice.add({"帰宅", {{"living_ac", PropertySets{{0x10, {0x30}}}}}}).error().code,
            "voice_scene_entry_invalid");
  EXPECT_EQ(b.voice.add({"帰宅", {{"living_ac", PropertySets{{0x80, {}}}}}}).error().code,
            "voice_scene_entry_invalid");
  EXPECT_EQ(b.voice.add({"帰宅", {ac_on_26(), ac_on_26()}}).error().code,
            "voice_scene_entry_invalid");
  EXPECT_TRUE(b.voice.all().empty());
}

// DOMAIN R70: running a scene commands every appliance once and reports all outcomes and
// states together (the data the R74 mail needs).
TEST(VoiceScene, RunCommandsEachApplianceAndCollectsOutcomes) {
  Books b;
  ASSERT_TRUE(b.lighting.add({"団らん", "living_light", 2}).ok());
  ASSERT_TRUE(b.voice
                  .add({"帰宅",
                        {{"living_light", LightingSceneControl{"団らん"}},
                         ac_on_26(),
                         {"floor_heater", PropertySets{{0x80, {0x31}}}}}})
                  .ok());
  RecordingCommander commander(b.engine);
  commander.plan("living_light", {0ms, true, {true, "", {{"scene", "2"}}}});
  commander.plan("living_ac", {800ms, true, {true, "", {{"operation", "on"}, {"temp", "26"}}}});
  commander.plan("floor_heater", {300ms, true, {false, "Set refused (SetC_SNA)", {}}});

  std::vector<SceneRun> reports;
  ASSERT_TRUE(b.voice.run("帰宅", commander, [&](SceneRun r) { reports.push_back(r); }).ok());
  EXPECT_TRUE(reports.empty()) << "the report never comes before run() returns";

  ASSERT_EQ(commander.calls.size(), 3u);
  EXPECT_EQ(commander.calls[0].key, "living_light");
  ASSERT_EQ(commander.calls[0].sets.size(), 1u);
  EXPECT_EQ(commander.calls[0].sets[0].first, 0xC0);  // the lighting scene's number on EPC 0xC0
  EXPECT_EQ(commander.calls[0].sets[0].second, Bytes{2});
  EXPECT_EQ(commander.calls[1].key, "living_ac");
  EXPECT_EQ(commander.calls[1].sets, (PropertySets{{0x80, {0x30}}, {0xB3, {26}}}));
  EXPECT_EQ(commander.calls[2].key, "floor_heater");

  b.engine.run();
  ASSERT_EQ(reports.size(), 1u);
  const SceneRun& run = reports[0];
  EXPECT_EQ(run.scene, "帰宅");
  EXPECT_EQ(run.finished - run.started, 800ms);  // when the slowest answered
  ASSERT_EQ(run.entries.size(), 3u);
  EXPECT_EQ(run.entries[0].status, EntryStatus::Done);
  EXPECT_EQ(run.entries[0].state.at("scene"), "2");
  EXPECT_EQ(run.entries[1].status, EntryStatus::Done);
  EXPECT_EQ(run.entries[1].state.at("temp"), "26");
  EXPECT_EQ(run.entries[2].status, EntryStatus::Failed);
  EXPECT_EQ(run.entries[2].error, "Set refused (SetC_SNA)");
  EXPECT_FALSE(run.all_ok());
}

TEST(VoiceScene, RunReportsSilentAppliancesAsTimedOut) {
  Books b;
  ASSERT_TRUE(
      b.voice.add({"外出", {ac_on_26(), {"floor_heater", PropertySets{{0x80, {0x31}}}}}}).ok());
  RecordingCommander commander(b.engine);
  commander.plan("living_ac", {1s, true, {true, "", {{"operation", "on"}}}});
  commander.plan("floor_heater", {0ms, false, {}});  // never answers
  std::vector<SceneRun> reports;
  ASSERT_TRUE(b.voice.run("外出", commander, [&](SceneRun r) { reports.push_back(r); }).ok());
  b.engine.run();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].finished - reports[0].started, 10s);  // the default timeout
  EXPECT_EQ(reports[0].entries[0].status, EntryStatus::Done);
  EXPECT_EQ(reports[0].entries[1].status, EntryStatus::TimedOut);
  EXPECT_EQ(b.engine.pending_timers(), 0u);
}

TEST(VoiceScene, RunOfAnUnknownSceneRefused) {
  Books b;
  RecordingCommander commander(b.engine);
  auto st = b.voice.run("帰宅", commander, [](SceneRun) {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "voice_scene_unknown");
  EXPECT_TRUE(commander.calls.empty());
}

// A lighting scene deleted after the voice scene was made: that entry fails, the rest runs.
TEST(VoiceScene, RunWithADeletedLightingSceneFailsThatEntryOnly) {
  Books b;
  ASSERT_TRUE(b.lighting.add({"団らん", "living_light", 2}).ok());
  ASSERT_TRUE(
      b.voice.add({"帰宅", {{"living_light", LightingSceneControl{"団らん"}}, ac_on_26()}}).ok());
  ASSERT_TRUE(b.lighting.remove("living_light", "団らん").ok());
  RecordingCommander commander(b.engine);
  commander.plan("living_ac", {0ms, true, {true, "", {{"operation", "on"}}}});
  std::vector<SceneRun> reports;
  ASSERT_TRUE(b.voice.run("帰宅", commander, [&](SceneRun r) { reports.push_back(r); }).ok());
  b.engine.run();
  ASSERT_EQ(commander.calls.size(), 1u);
  EXPECT_EQ(commander.calls[0].key, "living_ac");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].entries[0].status, EntryStatus::Failed);
  EXPECT_NE(reports[0].entries[0].error.find("DOMAIN R73"), std::string::npos);
  EXPECT_EQ(reports[0].entries[1].status, EntryStatus::Done);
}
