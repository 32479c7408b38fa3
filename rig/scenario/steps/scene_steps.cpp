// Scene steps on a unit: lighting scenes for advanced lighting, and voice
// scenes (DOMAIN R70-R73): add, replace, remove, run. A voice scene's entries
// name world appliances with either `set:` (properties to values) or
// `lighting_scene:` (a lighting scene of the unit, R73). A run waits for every
// appliance's answer and keeps the result for the `scene_run` check; refusals
// keep the unit's codes (voice_scene_limit R71, scene_name_* R72,
// lighting_scene_missing R73).
#include <fmt/format.h>

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

struct EntrySpec {
  std::string appliance;  // world id
  std::optional<aiseg2::PropertySets> sets;
  std::string lighting_scene;
};

std::optional<std::vector<EntrySpec>> parse_entries(StepParser& p, const YAML::Node& list) {
  if (!list || !list.IsSequence()) {
    p.reader().error(list ? list : YAML::Node(),
                     "'entries' must be a list of {appliance: ID, set: {...}} or {appliance: ID, "
                     "lighting_scene: NAME}");
    return std::nullopt;
  }
  std::vector<EntrySpec> out;
  for (const auto& e : list) {
    if (!p.fields(e, "a voice scene entry", {"appliance", "set", "lighting_scene"}) || !e.IsMap())
      return std::nullopt;
    EntrySpec s;
    auto a = p.appliance(e);
    if (!a) return std::nullopt;
    s.appliance = *a;
    if (e["set"]) {
      auto props = p.properties(e["set"], *a);
      if (!props) return std::nullopt;
      s.sets = std::move(*props);
    } else if (auto ls = p.reader().string(e, "lighting_scene")) {
      s.lighting_scene = *ls;
    } else {
      p.reader().error(e,
                       "an entry needs 'set' (properties) or 'lighting_scene' (a lighting "
                       "scene of the unit, DOMAIN R73)");
      return std::nullopt;
    }
    out.push_back(std::move(s));
  }
  return out;
}

aiseg2::VoiceScene make_scene(RunContext& ctx, const std::string& name,
                              const std::vector<EntrySpec>& entries) {
  aiseg2::VoiceScene scene{name, {}};
  for (const auto& e : entries) {
    aiseg2::VoiceSceneEntry entry{ctx.unit_key(e.appliance), aiseg2::PropertySets{}};
    if (e.sets)
      entry.control = *e.sets;
    else
      entry.control = aiseg2::LightingSceneControl{e.lighting_scene};
    scene.entries.push_back(std::move(entry));
  }
  return scene;
}

std::unique_ptr<Step> parse_lighting_add(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'lighting_scene_add'", {"unit", "appliance", "name", "scene"}))
    return nullptr;
  auto unit = p.unit(params);
  auto appliance = p.appliance(params);
  auto name = p.reader().string(params, "name", true);
  auto number = p.reader().integer(params, "scene", 0, 255, true);
  if (!unit || !appliance || !name || !number) return nullptr;
  return std::make_unique<FunctionStep>(
      [unit = *unit, a = *appliance, name = *name, n = *number](RunContext& ctx) {
        return ctx.unit(unit).lighting_scenes().add(
            aiseg2::LightingScene{name, ctx.unit_key(a), static_cast<std::uint8_t>(n)});
      });
}

std::unique_ptr<Step> parse_voice_add(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'voice_scene_add'", {"unit", "name", "entries"})) return nullptr;
  auto unit = p.unit(params);
  auto name = p.reader().string(params, "name", true);
  if (!unit || !name) return nullptr;
  auto entries = parse_entries(p, params["entries"]);
  if (!entries) return nullptr;
  return std::make_unique<FunctionStep>(
      [unit = *unit, name = *name, entries = *entries](RunContext& ctx) {
        return ctx.unit(unit).voice_scenes().add(make_scene(ctx, name, entries));
      });
}

std::unique_ptr<Step> parse_voice_replace(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'voice_scene_replace'", {"unit", "name", "new_name", "entries"}))
    return nullptr;
  auto unit = p.unit(params);
  auto name = p.reader().string(params, "name", true);
  auto new_name = p.reader().string(params, "new_name");
  if (!unit || !name) return nullptr;
  auto entries = parse_entries(p, params["entries"]);
  if (!entries) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit, name = *name, nn = new_name.value_or(*name),
                                         entries = *entries](RunContext& ctx) {
    return ctx.unit(unit).voice_scenes().replace(name, make_scene(ctx, nn, entries));
  });
}

std::unique_ptr<Step> parse_voice_remove(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'voice_scene_remove'", {"unit", "name"})) return nullptr;
  auto unit = p.unit(params);
  auto name = p.reader().string(params, "name", true);
  if (!unit || !name) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit, name = *name](RunContext& ctx) {
    return ctx.unit(unit).voice_scenes().remove(name);
  });
}

std::unique_ptr<Step> parse_voice_run(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'voice_scene_run'", {"unit", "name"})) return nullptr;
  auto unit = p.unit(params);
  auto name = p.reader().string(params, "name", true);
  if (!unit || !name) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit, name = *name](RunContext& ctx) -> Status {
    std::optional<aiseg2::SceneRun> run;
    if (auto st = ctx.unit(unit).run_voice_scene(name, [&](aiseg2::SceneRun r) { run = r; }); !st)
      return st;
    // The book reports within its run timeout (10s by default); a minute is plenty.
    ctx.run_until([&] { return run.has_value(); }, sim::minutes(1));
    if (!run) return make_error("scene_run_unfinished", "the scene run did not report within 1m");
    std::string detail = run->all_ok() ? "all ok" : "";
    for (const auto& e : run->entries) {
      if (e.status != aiseg2::EntryStatus::Done)
        detail += fmt::format("{}{} {}", detail.empty() ? "" : ", ",
                              ctx.appliance_id_of(e.appliance_key), aiseg2::to_string(e.status));
    }
    ctx.record(unit, "scene_run", name + ": " + detail);
    ctx.scene_runs[unit] = std::move(*run);
    return ok_status();
  });
}

std::vector<std::string> names_list(StepParser& p, const YAML::Node& n, bool& bad) {
  std::vector<std::string> out;
  if (!n) return out;
  if (!n.IsSequence()) {
    p.reader().error(n, "expected a list of names, e.g. [おかえり, おやすみ]");
    bad = true;
    return out;
  }
  for (const auto& x : n) out.push_back(scalar(x));
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s = "[";
  for (const auto& x : v) s += (s.size() > 1 ? ", " : "") + x;
  return s + "]";
}

std::unique_ptr<Check> parse_scenes_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'scenes'", {"unit", "voice", "lighting"})) return nullptr;
  auto unit = p.unit(params);
  bool bad = false;
  const bool has_voice = params && params.IsMap() && params["voice"];
  const bool has_lighting = params && params.IsMap() && params["lighting"];
  auto voice = has_voice ? names_list(p, params["voice"], bad) : std::vector<std::string>{};
  auto lighting =
      has_lighting ? names_list(p, params["lighting"], bad) : std::vector<std::string>{};
  if (!unit || bad) return nullptr;
  std::string expected = fmt::format("unit {} scenes", *unit);
  if (has_voice) expected += " voice " + join(voice);
  if (has_lighting) expected += " lighting " + join(lighting);
  return std::make_unique<FunctionCheck>(
      expected, [=, unit = *unit](RunContext& ctx) -> std::optional<std::string> {
        std::vector<std::string> v, l;
        for (const auto& s : ctx.unit(unit).voice_scenes().all()) v.push_back(s.name);
        for (const auto& s : ctx.unit(unit).lighting_scenes().all()) l.push_back(s.name);
        if ((!has_voice || v == voice) && (!has_lighting || l == lighting)) return std::nullopt;
        return fmt::format("unit {} scenes voice {} lighting {}", unit, join(v), join(l));
      });
}

std::unique_ptr<Check> parse_scene_run_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'scene_run'", {"unit", "scene", "all_ok", "entries"}))
    return nullptr;
  auto unit = p.unit(params);
  auto scene = p.reader().string(params, "scene");
  auto all_ok = p.reader().boolean(params, "all_ok");
  std::map<std::string, std::string> entries;
  if (params && params.IsMap() && params["entries"]) {
    const YAML::Node e = params["entries"];
    if (!e.IsMap()) {
      p.reader().error(e, "'entries' must map appliance ids to done, failed or timed_out");
      return nullptr;
    }
    for (const auto& kv : e) {
      if (!p.appliance(kv.first, "appliance")) return nullptr;
      entries[scalar(kv.first)] = scalar(kv.second);
    }
  }
  if (!unit) return nullptr;
  std::string expected = fmt::format("unit {}: last scene run", *unit);
  if (scene) expected += " of " + *scene;
  if (all_ok) expected += *all_ok ? " all ok" : " not all ok";
  for (const auto& [a, s] : entries) expected += fmt::format(" {} {}", a, s);
  return std::make_unique<FunctionCheck>(
      expected, [=, unit = *unit](RunContext& ctx) -> std::optional<std::string> {
        auto it = ctx.scene_runs.find(unit);
        if (it == ctx.scene_runs.end()) return std::string("no scene run yet");
        const aiseg2::SceneRun& run = it->second;
        std::string seen =
            fmt::format("scene {} {}", run.scene, run.all_ok() ? "all ok" : "not all ok");
        std::map<std::string, std::string> got;
        for (const auto& e : run.entries) {
          got[ctx.appliance_id_of(e.appliance_key)] = std::string(aiseg2::to_string(e.status));
          seen += fmt::format(", {} {}", ctx.appliance_id_of(e.appliance_key),
                              aiseg2::to_string(e.status));
          if (!e.error.empty()) seen += " (" + e.error + ")";
        }
        bool ok = (!scene || run.scene == *scene) && (!all_ok || run.all_ok() == *all_ok);
        for (const auto& [a, s] : entries) ok = ok && got[a] == s;
        if (ok) return std::nullopt;
        return seen;
      });
}

const RegisterStep lighting_add{{"lighting_scene_add",
                                 "lighting_scene_add: {unit, appliance, name, scene: 1..253}",
                                 parse_lighting_add}};
const RegisterStep voice_add{
    {"voice_scene_add",
     "voice_scene_add: {unit, name, entries: [{appliance, set: {...}} | {appliance, "
     "lighting_scene}]}",
     parse_voice_add}};
const RegisterStep voice_replace{{"voice_scene_replace",
                                  "voice_scene_replace: {unit, name, new_name, entries: [...]}",
                                  parse_voice_replace}};
const RegisterStep voice_remove{
    {"voice_scene_remove", "voice_scene_remove: {unit, name}", parse_voice_remove}};
const RegisterStep voice_run{{"voice_scene_run",
                              "voice_scene_run: {unit, name} (waits for every appliance)",
                              parse_voice_run}};
const RegisterCheck scenes_check{
    {"scenes", "scenes: {unit, voice: [names], lighting: [names]}", parse_scenes_check}};
const RegisterCheck scene_run_check{{"scene_run",
                                     "scene_run: {unit, scene, all_ok, entries: {appliance: done}}",
                                     parse_scene_run_check}};

}  // namespace
}  // namespace hemsrig::scenario
