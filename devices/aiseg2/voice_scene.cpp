#include "devices/aiseg2/voice_scene.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "devices/aiseg2/name_lint.hpp"
#include "devices/aiseg2/utf8.hpp"

namespace hemsrig::aiseg2 {

namespace {

bool in(char32_t c, char32_t lo, char32_t hi) {
  return c >= lo && c <= hi;
}

// What a scene name is made of (rig's reading of R72): kana and kanji.
bool is_kana_or_kanji(char32_t c) {
  return in(c, 0x3041, 0x3096) || in(c, 0x309D, 0x309F) ||  // hiragana, ゝゞゟ
         in(c, 0x30A1, 0x30FA) || in(c, 0x30FC, 0x30FF) ||  // katakana, ー ヽヾヿ
         in(c, 0x31F0, 0x31FF) ||                           // small katakana extensions
         in(c, 0xFF66, 0xFF9F) ||                           // half-width katakana, ｰ ﾞ ﾟ
         in(c, 0x3005, 0x3007) ||                           // 々 〆 〇
         in(c, 0x3400, 0x4DBF) || in(c, 0x4E00, 0x9FFF) || in(c, 0xF900, 0xFAFF) ||
         in(c, 0x20000, 0x3134F);  // kanji
}

Error name_error(std::string code, std::string_view name, std::string what) {
  return make_error(std::move(code),
                    "scene name '" + std::string(name) + "' " + std::move(what) + " (DOMAIN R72)");
}

std::string epc_hex(std::uint8_t epc) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", epc);
  return buf;
}

// One run in flight: shared by the commander's callbacks and the timeout.
struct RunState {
  SceneRun run;
  std::vector<bool> open;
  std::size_t waiting = 0;
  bool reported = false;
  sim::TimerId timer = 0;
  std::function<void(SceneRun)> on_done;
};

void report(sim::Engine& engine, const std::shared_ptr<RunState>& st) {
  if (st->reported) return;
  st->reported = true;
  if (st->timer != 0) engine.cancel(st->timer);
  st->run.finished = engine.now();
  // Never call back from inside run() or from inside a commander's callback.
  engine.after(sim::Duration{0}, [st] {
    auto done = std::move(st->on_done);
    if (done) done(std::move(st->run));
  });
}

}  // namespace

Status check_scene_name(std::string_view name) {
  auto cps = decode_utf8(name);
  if (!cps) return name_error("scene_name_invalid_utf8", name, "is not valid UTF-8");
  if (cps->empty()) return make_error("scene_name_empty", "scene name is empty (DOMAIN R72)");
  for (std::size_t i = 0; i < cps->size(); ++i) {
    const char32_t c = (*cps)[i];
    const std::string at = "'" + encode_utf8(c) + "' (" + code_point_name(c) + ") at character " +
                           std::to_string(i + 1);
    // The character classes are name_lint's (R65 and R72 share them).
    switch (classify(c)) {
      case CharClass::Digit:
        return name_error("scene_name_digit", name, "contains a digit: " + at);
      case CharClass::Latin:
        return name_error("scene_name_latin", name, "contains a Latin letter: " + at);
      case CharClass::Space:
        return name_error("scene_name_space", name, "contains a space: " + at);
      case CharClass::Symbol:
        return name_error("scene_name_symbol", name, "contains a symbol: " + at);
      case CharClass::Other:
        if (!is_kana_or_kanji(c)) {
          return name_error("scene_name_other", name,
                            "contains a character that is neither kana nor kanji: " + at);
        }
        break;
    }
  }
  if (cps->size() > kMaxSceneNameLength) {
    return name_error(
        "scene_name_too_long", name,
        "has " + std::to_string(cps->size()) + " characters; at most 6, full- or half-width");
  }
  return ok_status();
}

std::string_view to_string(EntryStatus s) {
  switch (s) {
    case EntryStatus::Done:
      return "done";
    case EntryStatus::Failed:
      return "failed";
    case EntryStatus::TimedOut:
      return "timed_out";
  }
  return "?";
}

bool SceneRun::all_ok() const {
  return std::all_of(entries.begin(), entries.end(),
                     [](const EntryResult& e) { return e.status == EntryStatus::Done; });
}

VoiceSceneBook::VoiceSceneBook(sim::Engine& engine, const LightingSceneBook& lighting,
                               ApplianceClassLookup appliances, VoiceSceneOptions options)
    : engine_(engine), lighting_(lighting), appliances_(std::move(appliances)), options_(options) {}

Status VoiceSceneBook::check(const VoiceScene& scene, const VoiceScene* replacing) const {
  if (auto st = check_scene_name(scene.name); !st) return st;
  for (const auto& s : scenes_) {
    if (&s != replacing && s.name == scene.name) {  // DOMAIN R72: unique per unit
      return name_error("scene_name_duplicate", scene.name,
                        "is already the name of another scene on this unit");
    }
  }
  const std::string who = "voice scene '" + scene.name + "': ";
  if (scene.entries.empty()) {
    return make_error("voice_scene_empty",
                      who + "holds no appliance; add at least one (DOMAIN R73)");
  }
  for (std::size_t i = 0; i < scene.entries.size(); ++i) {
    const auto& e = scene.entries[i];
    const std::string key = "'" + e.appliance_key + "'";
    for (std::size_t j = 0; j < i; ++j) {
      if (scene.entries[j].appliance_key == e.appliance_key) {
        return make_error("voice_scene_entry_invalid",
                          who + "appliance " + key +
                              " appears twice; one control per appliance "
                              "(DOMAIN R73)");
      }
    }
    const auto cls = appliances_ ? appliances_(e.appliance_key) : std::nullopt;
    if (!cls) {
      return make_error("appliance_unknown",
                        who + "appliance " + key + " is not registered on the unit (DOMAIN R73)");
    }
    const bool advanced_lighting = *cls == kAdvancedLightingClass;
    if (const auto* ls = std::get_if<LightingSceneControl>(&e.control)) {
      if (!advanced_lighting) {
        return make_error("voice_scene_control_kind",
                          who + "appliance " + key +
                              " is not advanced lighting (0x02A3); only advanced lighting takes "
                              "a lighting scene (DOMAIN R73)");
      }
      if (!lighting_.find(e.appliance_key, ls->scene_name)) {  // DOMAIN R73
        return make_error("lighting_scene_missing",
                          who + "advanced lighting " + key + " has no lighting scene '" +
                              ls->scene_name +
                              "'; create the lighting scene on the unit first (DOMAIN R73)");
      }
      continue;
    }
    const auto& sets = std::get<PropertySets>(e.control);
    if (advanced_lighting) {
      return make_error("voice_scene_control_kind",
                        who + "advanced lighting " + key +
                            " is controlled by one of the unit's lighting scenes, not by "
                            "property values (DOMAIN R73)");
    }
    if (sets.empty()) {
      return make_error("voice_scene_entry_invalid",
                        who + "appliance " + key + " has no property to set");
    }
    for (std::size_t k = 0; k < sets.size(); ++k) {
      const auto& [epc, edt] = sets[k];
      if (epc < 0x80) {
        return make_error("voice_scene_entry_invalid",
                          who + "appliance " + key + ": EPC " + epc_hex(epc) +
                              " is outside 0x80-0xFF (ECHONET Lite property codes)");
      }
      if (edt.empty() || edt.size() > 255) {
        return make_error(
            "voice_scene_entry_invalid",
            who + "appliance " + key + ": EPC " + epc_hex(epc) + " needs 1 to 255 bytes of EDT");
      }
      for (std::size_t m = 0; m < k; ++m) {
        if (sets[m].first == epc) {
          return make_error("voice_scene_entry_invalid",
                            who + "appliance " + key + ": EPC " + epc_hex(epc) + " set twice");
        }
      }
    }
  }
  return ok_status();
}

Status VoiceSceneBook::add(VoiceScene scene) {
  if (scenes_.size() >= options_.max_scenes) {  // DOMAIN R71
    return make_error("voice_scene_limit",
                      "voice scene '" + scene.name + "' refused: the unit already holds " +
                          std::to_string(scenes_.size()) + " scenes, the most it can (DOMAIN R71)");
  }
  if (auto st = check(scene, nullptr); !st) return st;
  scenes_.push_back(std::move(scene));
  return ok_status();
}

Status VoiceSceneBook::replace(std::string_view name, VoiceScene scene) {
  auto it = std::find_if(scenes_.begin(), scenes_.end(),
                         [&](const VoiceScene& s) { return s.name == name; });
  if (it == scenes_.end()) {
    return make_error("voice_scene_unknown", "no voice scene named '" + std::string(name) + "'");
  }
  if (auto st = check(scene, &*it); !st) return st;
  *it = std::move(scene);
  return ok_status();
}

Status VoiceSceneBook::remove(std::string_view name) {
  auto it = std::find_if(scenes_.begin(), scenes_.end(),
                         [&](const VoiceScene& s) { return s.name == name; });
  if (it == scenes_.end()) {
    return make_error("voice_scene_unknown", "no voice scene named '" + std::string(name) + "'");
  }
  scenes_.erase(it);
  return ok_status();
}

const VoiceScene* VoiceSceneBook::find(std::string_view name) const {
  for (const auto& s : scenes_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status VoiceSceneBook::run(std::string_view name, ApplianceCommander& executor,
                           std::function<void(SceneRun)> on_done) {
  const VoiceScene* scene = find(name);
  if (!scene) {
    return make_error("voice_scene_unknown",
                      "no voice scene named '" + std::string(name) + "' on this unit (DOMAIN R70)");
  }
  auto st = std::make_shared<RunState>();
  st->on_done = std::move(on_done);
  st->run.scene = scene->name;
  st->run.started = engine_.now();
  st->open.assign(scene->entries.size(), false);

  // Resolve every entry first, so a synchronous commander sees a complete run.
  for (const auto& e : scene->entries) {
    EntryResult r;
    r.appliance_key = e.appliance_key;
    const auto cls = appliances_ ? appliances_(e.appliance_key) : std::nullopt;
    if (!cls) {
      r.error = "appliance is no longer registered on the unit";
    } else if (const auto* ls = std::get_if<LightingSceneControl>(&e.control)) {
      if (const auto* found = lighting_.find(e.appliance_key, ls->scene_name)) {
        r.sets = {{kEpcSceneControl, Bytes{found->scene_number}}};
      } else {
        r.error = "lighting scene '" + ls->scene_name + "' no longer exists (DOMAIN R73)";
      }
    } else {
      r.sets = std::get<PropertySets>(e.control);
    }
    st->run.entries.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < st->run.entries.size(); ++i) {
    if (st->run.entries[i].error.empty()) {
      st->open[i] = true;
      ++st->waiting;
    }
  }
  if (st->waiting == 0) {
    report(engine_, st);
    return ok_status();
  }
  sim::Engine& engine = engine_;
  st->timer = engine.after(options_.run_timeout, [&engine, st] {
    st->timer = 0;
    for (std::size_t i = 0; i < st->open.size(); ++i) {
      if (!st->open[i]) continue;
      st->open[i] = false;
      st->run.entries[i].status = EntryStatus::TimedOut;
      st->run.entries[i].error = "no answer within the scene's timeout";
    }
    st->waiting = 0;
    report(engine, st);
  });
  // Copy what command() needs: a synchronous commander's callback may run
  // before the loop moves on.
  std::vector<std::pair<std::size_t, std::pair<std::string, PropertySets>>> sends;
  for (std::size_t i = 0; i < st->run.entries.size(); ++i) {
    if (st->open[i]) {
      sends.push_back({i, {st->run.entries[i].appliance_key, st->run.entries[i].sets}});
    }
  }
  for (auto& [i, what] : sends) {
    executor.command(what.first, std::move(what.second),
                     [&engine, st, i = i](CommandOutcome outcome) {
                       if (st->reported || !st->open[i]) return;  // late or repeated
                       st->open[i] = false;
                       auto& r = st->run.entries[i];
                       r.status = outcome.ok ? EntryStatus::Done : EntryStatus::Failed;
                       r.error = outcome.ok ? "" : outcome.error;
                       r.state = std::move(outcome.state);
                       if (--st->waiting == 0) report(engine, st);
                     });
  }
  return ok_status();
}

}  // namespace hemsrig::aiseg2
