// Scenario: a world plus the steps that drive it, as read from a scenario
// file (docs/scenarios.md): name, description, tags, world (inline or an
// included world file with overrides), variables (${name}), step includes,
// seed, timeout (scenario time) and steps. Loading checks everything a run
// needs (unit and appliance ids, step parameters) and reports each mistake as
// "file:line:col: what is wrong, what was expected".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rig/scenario/step.hpp"
#include "rig/world/world_spec.hpp"

namespace hemsrig::scenario {

struct StepEntry {
  std::string kind;  // "firmware_check"
  std::string file;  // where it was written (a fragment's file for included steps)
  int line = 0;
  int column = 0;
  std::string text;                         // the step as one line of YAML, for reports
  std::optional<std::string> expect_error;  // the refusal code the step must end with
  std::unique_ptr<Step> step;
  std::string where() const;  // "file:line"
};

struct Scenario {
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  std::string file;
  rig::WorldSpec world;
  std::optional<std::uint64_t> seed;               // overrides the world's
  sim::Duration timeout = std::chrono::hours(24);  // scenario time for the whole run
  // With a DUT the run is in real time; scenario time runs `speed` times faster
  // than the wall clock (`speed:` at the top of the file, docs/dut.md).
  double speed = 1.0;
  std::vector<StepEntry> steps;
};

struct ScenarioLoad {
  std::optional<Scenario> scenario;  // set when there were no errors
  std::vector<rig::Diagnostic> diagnostics;
};

// Reads, checks and resolves one scenario file.
ScenarioLoad load_scenario_file(const std::string& path, const echonet::ProfileLibrary& profiles);
// The same for text (`name` stands for the file in messages; includes are
// resolved against `base_dir`).
ScenarioLoad load_scenario_text(const std::string& text, const std::string& name,
                                const echonet::ProfileLibrary& profiles,
                                const std::string& base_dir = ".");

// The scenario files under `paths` (files as given; folders recursively,
// every *.yaml except in folders named `worlds` or `fragments`), sorted.
// Errors name a path that does not exist.
Result<std::vector<std::string>> collect_scenario_files(const std::vector<std::string>& paths);

}  // namespace hemsrig::scenario
