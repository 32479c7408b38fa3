// Steps and checks of a scenario, and the registry that knows every kind.
//
// A step kind (`firmware_check`, `wait`, `power_off`...) is a name, a usage
// line and a parser that turns the step's YAML into a Step; a check kind
// (`firmware`, `screen`, `frame`...) is the same for what `expect:` and
// `wait_until:` assert. Each area registers its kinds from its own file in
// rig/scenario/steps/ with a static RegisterStep / RegisterCheck, so a new
// area (cloud, app, Google, mail, faults) is one new file there.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rig/world/world_spec.hpp"
#include "rig/world/yaml_reader.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::scenario {

class RunContext;

// One action in the world. run() returns Ok, or an Error: the simulated side
// refused (its own code, e.g. confirmation_code_mismatch; a step marked
// `expect_error: CODE` wants exactly that) or an expectation failed
// (RunContext::expectation_failed, code "expectation_failed").
class Step {
 public:
  virtual ~Step() = default;
  virtual Status run(RunContext& ctx) = 0;
};

// One assertion on the world's state or on what was seen.
class Check {
 public:
  virtual ~Check() = default;
  // What is expected, for a person: "unit hems: firmware state update_available".
  virtual std::string expected() const = 0;
  // nullopt when the check holds; else what was seen instead.
  virtual std::optional<std::string> seen_instead(RunContext& ctx) const = 0;
};

using Checks = std::vector<std::unique_ptr<Check>>;

// What a kind's parser works with: the reader (errors as file:line:col) and
// the scenario's world (to check unit and appliance ids at load time).
class StepParser {
 public:
  StepParser(rig::YamlReader& reader, const rig::WorldSpec& world,
             const echonet::ProfileLibrary& profiles)
      : reader_(reader), world_(world), profiles_(profiles) {}

  rig::YamlReader& reader() { return reader_; }
  const rig::WorldSpec& world() const { return world_; }
  const echonet::ProfileLibrary& profiles() const { return profiles_; }

  // The params must be a map with only these keys (null counts as an empty map).
  bool fields(const YAML::Node& params, const std::string& what,
              const std::vector<std::string>& allowed);
  // A unit id: `params` itself when a scalar, else params[key]; absent means
  // the world's only unit. Unknown ids are errors with a did-you-mean.
  std::optional<std::string> unit(const YAML::Node& params, const char* key = "unit");
  // A required appliance id of the world (did-you-mean on a typo).
  std::optional<std::string> appliance(const YAML::Node& params, const char* key = "appliance");
  // A map of check kinds, or a list of such maps (expect:, wait_until:); keys
  // in `skip` are left to the caller. Empty with errors reported on failure.
  Checks checks(const YAML::Node& node, const std::vector<std::string>& skip = {});
  // A required duration field (30s, 31m, 2h, 7d).
  std::optional<sim::Duration> duration(const YAML::Node& params, const char* key);
  std::optional<sim::Duration> duration_value(const YAML::Node& value);
  // A map of properties of a world appliance to values: keys are EPCs (0x80)
  // or the class profile's names (operationStatus); values hex (0x30, "1A
  // 00"), numbers, or the profile's value names (on). Checked against the
  // profile; nullopt with errors reported.
  std::optional<std::vector<std::pair<std::uint8_t, echonet::Bytes>>> properties(
      const YAML::Node& map, const std::string& appliance_id);

 private:
  rig::YamlReader& reader_;
  const rig::WorldSpec& world_;
  const echonet::ProfileLibrary& profiles_;
};

using StepFactory = std::function<std::unique_ptr<Step>(StepParser&, const YAML::Node& params)>;
using CheckFactory = std::function<std::unique_ptr<Check>(StepParser&, const YAML::Node& params)>;

struct StepKind {
  std::string name;
  std::string usage;  // one line, for errors and docs: "firmware_check: {unit: hems}"
  StepFactory parse;  // reports errors and returns nullptr on bad params
};

struct CheckKind {
  std::string name;
  std::string usage;
  CheckFactory parse;
};

class StepRegistry {
 public:
  static StepRegistry& instance();
  void add(StepKind kind);
  void add(CheckKind kind);
  const StepKind* step(std::string_view name) const;
  const CheckKind* check(std::string_view name) const;
  std::vector<std::string> step_names() const;
  std::vector<std::string> check_names() const;
  const std::vector<StepKind>& steps() const { return steps_; }
  const std::vector<CheckKind>& checks() const { return checks_; }

 private:
  std::vector<StepKind> steps_;
  std::vector<CheckKind> checks_;
};

// Static registration from a step file: `const RegisterStep reg{{"wait", "...", parse}};`
struct RegisterStep {
  explicit RegisterStep(StepKind kind) { StepRegistry::instance().add(std::move(kind)); }
};
struct RegisterCheck {
  explicit RegisterCheck(CheckKind kind) { StepRegistry::instance().add(std::move(kind)); }
};

// A step made of a function, for kinds that need no state of their own.
class FunctionStep : public Step {
 public:
  explicit FunctionStep(std::function<Status(RunContext&)> fn) : fn_(std::move(fn)) {}
  Status run(RunContext& ctx) override { return fn_(ctx); }

 private:
  std::function<Status(RunContext&)> fn_;
};

// A check made of two functions.
class FunctionCheck : public Check {
 public:
  FunctionCheck(std::string expected, std::function<std::optional<std::string>(RunContext&)> fn)
      : expected_(std::move(expected)), fn_(std::move(fn)) {}
  std::string expected() const override { return expected_; }
  std::optional<std::string> seen_instead(RunContext& ctx) const override { return fn_(ctx); }

 private:
  std::string expected_;
  std::function<std::optional<std::string>(RunContext&)> fn_;
};

// A scalar as text ("" when not a scalar).
std::string scalar(const YAML::Node& n);
// "0x30", "1A 00", a number sized to `size`, or a choice name of `spec` ("on").
std::optional<echonet::Bytes> parse_value(const std::string& text,
                                          const echonet::PropertySpec* spec);
std::string hex(const echonet::Bytes& b);  // "0x30", "0x1A00"

}  // namespace hemsrig::scenario
