// Reads scenario files: variables first (every ${name} in scalars), then the
// world (inline, or an included world file with top-level overrides), then
// the steps (and step lists included from fragment files), each parsed by
// its kind's parser from the step registry.
#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "rig/scenario/scenario.hpp"

namespace hemsrig::scenario {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopKeys{"name",      "description", "tags",    "world",
                                        "variables", "seed",        "timeout", "speed",
                                        "dut",       "duts",        "steps"};
const std::vector<std::string> kFragmentKeys{"description", "variables", "steps"};
const std::vector<std::string> kIncludeKeys{"file", "variables"};
const std::vector<std::string> kStepCommonKeys{"expect_error"};
constexpr int kMaxIncludeDepth = 8;

using Variables = std::map<std::string, std::string>;

std::string flow_text(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

class Loader {
 public:
  Loader(const echonet::ProfileLibrary& profiles) : profiles_(profiles) {}

  // Replaces ${name} in every scalar under `n` (keys too), in place.
  void substitute(rig::YamlReader& r, YAML::Node n, const Variables& vars) {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s.find("${") == std::string::npos) return;
      std::string out;
      std::size_t i = 0;
      while (i < s.size()) {
        const auto start = s.find("${", i);
        if (start == std::string::npos) {
          out += s.substr(i);
          break;
        }
        const auto end = s.find('}', start);
        if (end == std::string::npos) {
          r.error(n, fmt::format("'{}': '${{' without a closing '}}'; write ${{name}}", s));
          return;
        }
        out += s.substr(i, start - i);
        const std::string name = s.substr(start + 2, end - start - 2);
        auto it = vars.find(name);
        if (it == vars.end()) {
          std::vector<std::string> names;
          for (const auto& [k, v] : vars) names.push_back(k);
          const std::string hint = rig::did_you_mean(name, names);
          std::string defined;
          for (const auto& k : names) defined += (defined.empty() ? "" : ", ") + k;
          r.error(n, fmt::format("unknown variable '{}'{}; defined: {}", name,
                                 hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                                 defined.empty() ? "none (add a 'variables:' map)" : defined));
          return;
        }
        out += it->second;
        i = end + 1;
      }
      n = out;  // keeps the node's mark
    } else if (n.IsSequence()) {
      for (std::size_t k = 0; k < n.size(); ++k) substitute(r, n[k], vars);
    } else if (n.IsMap()) {
      for (auto kv : n) substitute(r, kv.second, vars);
    }
  }

  void read_variables(rig::YamlReader& r, const YAML::Node& n, Variables& vars) {
    if (!n) return;
    if (!n.IsMap()) {
      r.error(n, "'variables' must map names to values, e.g. {unit: hems}");
      return;
    }
    for (const auto& kv : n) {
      if (!kv.second.IsScalar()) {
        r.error(kv.second, fmt::format("variable '{}' must be a single value (text or number)",
                                       scalar(kv.first)));
        continue;
      }
      vars[scalar(kv.first)] = kv.second.Scalar();
    }
  }

  std::optional<rig::WorldSpec> world(rig::YamlReader& r, YAML::Node n, const std::string& name,
                                      const fs::path& base_dir) {
    if (!n) {
      r.error(YAML::Mark(), "missing 'world': inline, or {include: worlds/FILE.yaml}");
      return std::nullopt;
    }
    if (!n.IsMap()) {
      r.error(n, "'world' must be a map: a world as in world files, or {include: FILE, ...}");
      return std::nullopt;
    }
    YAML::Node root = n;
    if (n["include"]) {
      const std::string inc = scalar(n["include"]);
      const fs::path path = base_dir / inc;
      if (inc.empty() || !fs::is_regular_file(path)) {
        r.error(n["include"], fmt::format("world file '{}' not found (looked at {}); expected a "
                                          "world file path relative to this file",
                                          inc, path.string()));
        return std::nullopt;
      }
      // The included world must be valid on its own: its errors name its own file.
      rig::WorldLoad alone = rig::load_world_file(path.string(), profiles_);
      if (!alone.spec) {
        extra_.insert(extra_.end(), alone.diagnostics.begin(), alone.diagnostics.end());
        return std::nullopt;
      }
      root.reset(YAML::LoadFile(path.string()));
      for (const auto& kv : n) {
        const std::string key = scalar(kv.first);
        if (key != "include") root[key] = kv.second;  // an override replaces the whole key
      }
    } else if (!n["world"]) {
      root["world"] = name;
    }
    return rig::parse_world_node(r, root, profiles_);
  }

  void steps(rig::YamlReader& r, const YAML::Node& list, StepParser& parser,
             const rig::WorldSpec& w, const Variables& vars, const fs::path& base_dir,
             std::vector<StepEntry>& out, int depth) {
    if (!r.expect_sequence(list, "'steps'")) return;
    const auto& reg = StepRegistry::instance();
    for (const auto& item : list) {
      if (!item.IsMap() || item.size() == 0) {
        r.error(item, fmt::format("a step must be a map with one step kind, e.g. {{wait: 31m}}; "
                                  "found '{}'",
                                  flow_text(item)));
        continue;
      }
      std::string kind;
      YAML::Node params, kind_key;
      std::optional<std::string> expect_error;
      bool bad = false;
      for (const auto& kv : item) {
        const std::string key = scalar(kv.first);
        if (key == "expect_error") {
          if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
            r.error(kv.second, "'expect_error' must be the error code the step is refused with");
            bad = true;
          } else {
            expect_error = kv.second.Scalar();
          }
          continue;
        }
        if (key == "include") {
          include(r, item, w, vars, base_dir, out, depth);
          bad = true;  // handled
          break;
        }
        if (!kind.empty()) {
          r.error(kv.first, fmt::format("a step has one kind; found '{}' and '{}' (start a new "
                                        "list item with '- ')",
                                        kind, key));
          bad = true;
          continue;
        }
        kind = key;
        kind_key.reset(kv.first);
        params.reset(kv.second);
      }
      if (bad) continue;
      if (kind.empty()) {
        r.error(item, "a step needs a kind besides 'expect_error', e.g. {firmware_install: hems}");
        continue;
      }
      const StepKind* sk = reg.step(kind);
      if (sk == nullptr) {
        std::vector<std::string> names = reg.step_names();
        names.push_back("include");
        const std::string hint = rig::did_you_mean(kind, names);
        std::string all;
        for (const auto& s : names) all += (all.empty() ? "" : ", ") + s;
        r.error(kind_key,
                fmt::format("unknown step '{}'{}; expected one of: {}", kind,
                            hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint), all));
        continue;
      }
      StepEntry e;
      e.kind = kind;
      e.file = r.file();
      e.line = kind_key.Mark().line + 1;
      e.column = kind_key.Mark().column + 1;
      e.text = flow_text(item);
      e.expect_error = expect_error;
      e.step = sk->parse(parser, params);
      if (e.step) out.push_back(std::move(e));
    }
  }

  void include(rig::YamlReader& r, const YAML::Node& item, const rig::WorldSpec& w,
               const Variables& vars, const fs::path& base_dir, std::vector<StepEntry>& out,
               int depth) {
    if (item.size() != 1) {
      r.error(item, "an include step stands alone: {include: fragments/FILE.yaml}");
      return;
    }
    const YAML::Node spec = item["include"];
    std::string file;
    Variables local = vars;
    if (spec.IsScalar()) {
      file = spec.Scalar();
    } else if (r.expect_map(spec, "'include'", kIncludeKeys)) {
      file = scalar(spec["file"]);
      if (file.empty()) r.error(spec, "missing 'file' in 'include'");
      read_variables(r, spec["variables"], local);
    }
    if (file.empty()) return;
    const fs::path path = base_dir / file;
    if (!fs::is_regular_file(path)) {
      r.error(spec, fmt::format("step file '{}' not found (looked at {})", file, path.string()));
      return;
    }
    if (depth >= kMaxIncludeDepth) {
      r.error(spec,
              fmt::format("includes nest deeper than {} (an include cycle?)", kMaxIncludeDepth));
      return;
    }
    rig::YamlReader fr(path.string());
    YAML::Node root = fr.load();
    if (!fr.failed() && fr.expect_map(root, "a step file", kFragmentKeys)) {
      // The fragment's own variables are defaults; the includer's win.
      Variables merged;
      read_variables(fr, root["variables"], merged);
      for (const auto& [k, v] : local) merged[k] = v;
      YAML::Node list = root["steps"];
      if (!list) {
        fr.error(root, "missing 'steps' (the list of steps this file holds)");
      } else {
        substitute(fr, list, merged);
        if (!fr.failed()) {
          StepParser fp(fr, w, profiles_);
          steps(fr, list, fp, w, merged, path.parent_path(), out, depth + 1);
        }
      }
    }
    extra_.insert(extra_.end(), fr.diagnostics().begin(), fr.diagnostics().end());
  }

  ScenarioLoad load(rig::YamlReader& r, YAML::Node root, const fs::path& base_dir) {
    ScenarioLoad result;
    Scenario sc;
    sc.file = r.file();
    if (!r.failed() && r.expect_map(root, "a scenario file", kTopKeys)) {
      Variables vars;
      read_variables(r, root["variables"], vars);
      for (const auto& kv : root) {
        if (scalar(kv.first) != "variables") substitute(r, kv.second, vars);
      }
      try {
        if (!r.failed()) parse(r, root, vars, base_dir, sc);
      } catch (const YAML::Exception& e) {
        // A structure a parser did not expect (a scalar where a map belongs, ...).
        r.error(e.mark, "unexpected structure here (" + e.msg + "); see docs/scenarios.md");
      }
    }
    result.diagnostics = extra_;
    result.diagnostics.insert(result.diagnostics.end(), r.diagnostics().begin(),
                              r.diagnostics().end());
    if (result.diagnostics.empty()) result.scenario = std::move(sc);
    return result;
  }

 private:
  void parse(rig::YamlReader& r, const YAML::Node& root, const Variables& vars,
             const fs::path& base_dir, Scenario& sc) {
    if (auto s = r.string(root, "name", true)) sc.name = *s;
    if (auto s = r.string(root, "description")) sc.description = *s;
    if (const YAML::Node tags = root["tags"]) {
      if (!tags.IsSequence()) {
        r.error(tags, "'tags' must be a list, e.g. [firmware, R12]");
      } else {
        for (const auto& t : tags) sc.tags.push_back(scalar(t));
      }
    }
    if (auto v = r.integer(root, "seed", 0, INT64_MAX)) sc.seed = static_cast<std::uint64_t>(*v);
    if (auto d = r.duration_ns(root, "timeout")) sc.timeout = sim::Duration{*d};
    auto w = world(r, root["world"], sc.name, base_dir);
    if (!w) {
      if (!r.failed() && extra_.empty()) r.error(root["world"], "the world is not valid");
      return;
    }
    sc.world = std::move(*w);
    duts(r, root, base_dir, sc);
    const YAML::Node list = root["steps"];
    if (!list) {
      r.error(root, "missing 'steps' (what the scenario does, in order)");
      return;
    }
    StepParser parser(r, sc.world, profiles_);
    steps(r, list, parser, sc.world, vars, base_dir, sc.steps, 0);
  }

  // `dut:` / `duts:` (docs/dut.md) join the world's own; `speed:` needs one of them.
  void duts(rig::YamlReader& r, const YAML::Node& root, const fs::path& base_dir, Scenario& sc) {
    std::vector<std::string> unit_ids, taken;
    for (const auto& u : sc.world.units) unit_ids.push_back(u.id);
    taken = unit_ids;
    for (const auto& a : sc.world.appliances) taken.push_back(a.id);
    for (const auto& d : sc.world.duts) taken.push_back(d.id);
    const std::string dir = base_dir.string();
    if (const YAML::Node d = root["dut"])
      dut::parse_dut_block(r, d, false, dir, unit_ids, taken, sc.world.duts);
    if (const YAML::Node d = root["duts"])
      dut::parse_dut_block(r, d, true, dir, unit_ids, taken, sc.world.duts);
    if (auto v = r.number(root, "speed")) {
      if (!(*v > 0) || *v > 10000) {
        r.error(root["speed"],
                fmt::format("'speed' must be more than 0 and at most 10000, found {}", *v));
      } else if (sc.world.duts.empty()) {
        r.error(root["speed"],
                "'speed' is for scenarios with a DUT (they run in real time); without one the "
                "scenario runs in virtual time, faster than any speed");
      } else {
        sc.speed = *v;
      }
    }
  }

  const echonet::ProfileLibrary& profiles_;
  std::vector<rig::Diagnostic> extra_;  // from included files, under their own names
};

}  // namespace

std::string StepEntry::where() const {
  return fmt::format("{}:{}", file, line);
}

ScenarioLoad load_scenario_file(const std::string& path, const echonet::ProfileLibrary& profiles) {
  rig::YamlReader r(path);
  YAML::Node root = r.load();
  Loader l(profiles);
  return l.load(r, root, fs::path(path).parent_path());
}

ScenarioLoad load_scenario_text(const std::string& text, const std::string& name,
                                const echonet::ProfileLibrary& profiles,
                                const std::string& base_dir) {
  rig::YamlReader r(name);
  YAML::Node root = r.load_string(text);
  Loader l(profiles);
  return l.load(r, root, fs::path(base_dir));
}

Result<std::vector<std::string>> collect_scenario_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
      continue;
    }
    if (!fs::is_directory(p, ec)) {
      return make_error("not_found", fmt::format("{}: no such file or folder", p));
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(p, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const std::string leaf = it->path().filename().string();
      if (it->is_directory() && (leaf == "worlds" || leaf == "fragments")) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && it->path().extension() == ".yaml")
        found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace hemsrig::scenario
