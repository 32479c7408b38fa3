// Voice scenes (音声シーン, DOMAIN R70-R74, manual p54-60): "OK Google,
// 帰宅を開始して" sets several appliances to stored states at once.
//
// A unit holds at most 8 scenes (R71). A name has at most 6 characters, full-
// or half-width, counted as Unicode code points of UTF-8 text (a half-width
// ｶﾞ is two); no digits, Latin letters, symbols or spaces, half- or full-width;
// unique among the unit's scenes, compared exactly (R72). Digits, Latin
// letters, symbols and spaces are name_lint's classes (R65 shares them). Rig's
// reading: a name is kana and kanji (including 々〆〇 and ー); any other
// character (Greek, Hangul, ...) is refused too. Each entry is one appliance with one control: for
// advanced lighting (0x02A3) one of the unit's lighting scenes, which must exist (R73); for any
// other appliance a list of EPC -> EDT sets.
//
// run() sends every entry's command at once through an ApplianceCommander
// (the unit's ECHONET Lite controller in the running rig), collects each
// outcome and resulting state, and reports one SceneRun when all have
// answered or the timeout passed: the data the cloud's R74 mail will carry.
// Single-threaded (the engine's thread).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "devices/aiseg2/lighting_scene.hpp"
#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"
#include "sim/echonet/frame.hpp"

namespace hemsrig::aiseg2 {

using Bytes = echonet::Bytes;
using PropertySets = std::vector<std::pair<std::uint8_t, Bytes>>;  // EPC -> EDT, in order

inline constexpr std::size_t kMaxVoiceScenes = 8;      // DOMAIN R71
inline constexpr std::size_t kMaxSceneNameLength = 6;  // DOMAIN R72

// Control of an advanced-lighting appliance: a lighting scene of the unit.
struct LightingSceneControl {
  std::string scene_name;
};
using Control = std::variant<LightingSceneControl, PropertySets>;

struct VoiceSceneEntry {
  std::string appliance_key;
  Control control;
};

struct VoiceScene {
  std::string name;
  std::vector<VoiceSceneEntry> entries;
};

// The name rules of DOMAIN R72 except uniqueness. Error codes:
// scene_name_invalid_utf8, scene_name_empty, scene_name_digit,
// scene_name_latin, scene_name_symbol, scene_name_space, scene_name_other,
// scene_name_too_long. Messages quote the name and cite R72, e.g. "scene name
// '照明1' contains a digit: '1' (U+0031) at character 3 (DOMAIN R72)".
Status check_scene_name(std::string_view name);

// The unit's registered appliances: the ECHONET class code (0x02A3, 0x0130,
// ...) of a key, or nullopt when the unit has no such appliance.
using ApplianceClassLookup = std::function<std::optional<std::uint16_t>(std::string_view key)>;

struct CommandOutcome {
  bool ok = false;
  std::string error;  // why it failed, when !ok
  // The appliance's state after the command, opaque to the scene
  // ("operation_status" -> "on", "set_temperature" -> "26", ...).
  std::map<std::string, std::string> state;
};

// What the unit uses to command an appliance. `done` is called once, at any
// later time or before command() returns; later calls are ignored.
class ApplianceCommander {
 public:
  virtual ~ApplianceCommander() = default;
  virtual void command(const std::string& key, std::vector<std::pair<std::uint8_t, Bytes>> sets,
                       std::function<void(CommandOutcome)> done) = 0;
};

enum class EntryStatus { Done, Failed, TimedOut };
std::string_view to_string(EntryStatus s);

struct EntryResult {
  std::string appliance_key;
  PropertySets sets;  // what was sent (a lighting scene becomes 0xC0 = its number)
  EntryStatus status = EntryStatus::Failed;
  std::string error;
  std::map<std::string, std::string> state;  // from the outcome
};

struct SceneRun {
  std::string scene;
  sim::Time started{0};
  sim::Time finished{0};
  std::vector<EntryResult> entries;  // in the scene's order
  bool all_ok() const;
};

struct VoiceSceneOptions {
  std::size_t max_scenes = kMaxVoiceScenes;
  // How long run() waits for the appliances (rig's choice; the manual is
  // silent). Entries still open then are reported TimedOut.
  sim::Duration run_timeout = sim::seconds(10);
};

class VoiceSceneBook {
 public:
  // `lighting` must outlive the book.
  VoiceSceneBook(sim::Engine& engine, const LightingSceneBook& lighting,
                 ApplianceClassLookup appliances, VoiceSceneOptions options = {});

  // Refusals cite the rule: voice_scene_limit (R71), the name codes above and
  // scene_name_duplicate (R72), voice_scene_empty (no appliance; rig's
  // choice), appliance_unknown, voice_scene_control_kind and
  // lighting_scene_missing (R73), voice_scene_entry_invalid (empty set list,
  // EPC outside 0x80-0xFF, empty EDT, an appliance twice).
  Status add(VoiceScene scene);
  // Replaces the scene called `name` (its new name may differ; R72 applies).
  Status replace(std::string_view name, VoiceScene scene);
  Status remove(std::string_view name);

  const VoiceScene* find(std::string_view name) const;
  const std::vector<VoiceScene>& all() const { return scenes_; }

  // DOMAIN R70: runs the scene. Calls executor.command() once per entry whose
  // appliance and lighting scene still exist (else that entry is Failed
  // without a command), then calls on_done exactly once with every entry's
  // result, after all answered or run_timeout passed; never before run()
  // returns. Error voice_scene_unknown when no scene has that name.
  Status run(std::string_view name, ApplianceCommander& executor,
             std::function<void(SceneRun)> on_done);

 private:
  Status check(const VoiceScene& scene, const VoiceScene* replacing) const;

  sim::Engine& engine_;
  const LightingSceneBook& lighting_;
  ApplianceClassLookup appliances_;
  VoiceSceneOptions options_;
  std::vector<VoiceScene> scenes_;
};

}  // namespace hemsrig::aiseg2
