// Scenario files as a firmware engineer writes them: every mistake is named
// as file:line:col with what was expected (bad YAML, unknown keys and steps
// with a did-you-mean, wrong types, unknown unit ids, unknown variables),
// and variables and includes of worlds and step lists resolve.
#include "rig/scenario/scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace hemsrig;
using scenario::load_scenario_text;

namespace {

namespace fs = std::filesystem;

constexpr const char* kWorld = R"(world:
  appliances:
    - {id: living_ac, name: リビングエアコン, class: home_air_conditioner}
  units:
    - {id: hems}
)";

class ScenarioFile : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    dir_ = fs::temp_directory_path() /
           ("hemsrig-scenario-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  scenario::ScenarioLoad load(const std::string& text) {
    return load_scenario_text(text, "s.yaml", lib_, dir_.string());
  }
  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }
  // Every diagnostic, one per line.
  static std::string errors(const scenario::ScenarioLoad& l) {
    std::string s;
    for (const auto& d : l.diagnostics) s += d.str() + "\n";
    return s;
  }

  echonet::ProfileLibrary lib_;
  fs::path dir_;
};

TEST_F(ScenarioFile, AValidScenarioLoadsWithItsSteps) {
  auto l = load(std::string("name: ok\ntags: [firmware]\n") + kWorld +
                "steps:\n  - wait: 31m\n  - firmware_check: hems\n    expect_error: offline\n");
  ASSERT_TRUE(l.scenario) << errors(l);
  EXPECT_EQ(l.scenario->name, "ok");
  ASSERT_EQ(l.scenario->steps.size(), 2u);
  EXPECT_EQ(l.scenario->steps[1].kind, "firmware_check");
  EXPECT_EQ(l.scenario->steps[1].line, 10);
  EXPECT_EQ(l.scenario->steps[1].expect_error, "offline");
  EXPECT_EQ(l.scenario->world.units.at(0).id, "hems");
}

TEST_F(ScenarioFile, BadYamlNamesLineAndColumn) {
  auto l = load("name: broken\nsteps: [wait: 1m\n");
  ASSERT_FALSE(l.scenario);
  ASSERT_FALSE(l.diagnostics.empty());
  EXPECT_EQ(l.diagnostics[0].file, "s.yaml");
  EXPECT_GT(l.diagnostics[0].line, 0);
  EXPECT_NE(l.diagnostics[0].message.find("YAML syntax"), std::string::npos);
}

TEST_F(ScenarioFile, UnknownTopLevelKeyGetsDidYouMean) {
  auto l = load(std::string("name: x\n") + kWorld + "step:\n  - wait: 1m\n");
  ASSERT_FALSE(l.scenario);
  EXPECT_NE(errors(l).find("s.yaml:7:1: unknown key 'step' in a scenario file (did you mean "
                           "'steps'?)"),
            std::string::npos)
      << errors(l);
}

TEST_F(ScenarioFile, UnknownStepGetsDidYouMeanAtItsPlace) {
  auto l =
      load(std::string("name: x\n") + kWorld + "steps:\n  - wait: 1m\n  - firmware_chek: hems\n");
  ASSERT_FALSE(l.scenario);
  EXPECT_NE(errors(l).find("s.yaml:9:5: unknown step 'firmware_chek' (did you mean "
                           "'firmware_check'?)"),
            std::string::npos)
      << errors(l);
}

TEST_F(ScenarioFile, WrongTypeSaysWhatWasExpected) {
  auto l = load(std::string("name: x\n") + kWorld + "steps:\n  - wait: soon\n");
  ASSERT_FALSE(l.scenario);
  EXPECT_NE(errors(l).find("s.yaml:8:11: expected a duration such as 30s, 31m, 2h or 7d, found "
                           "'soon'"),
            std::string::npos)
      << errors(l);
  auto l2 = load(std::string("name: x\n") + kWorld +
                 "steps:\n  - service_household: {unit: hems, household_size: many}\n");
  ASSERT_FALSE(l2.scenario);
  EXPECT_NE(errors(l2).find("s.yaml:8:53: 'household_size' must be a whole number"),
            std::string::npos)
      << errors(l2);
}

TEST_F(ScenarioFile, UnknownUnitAndApplianceIdsAreErrorsWithDidYouMean) {
  auto l = load(std::string("name: x\n") + kWorld +
                "steps:\n  - firmware_check: hemz\n  - remote: {appliance: living_ak, set: {0x80: "
                "0x30}}\n");
  ASSERT_FALSE(l.scenario);
  const std::string e = errors(l);
  EXPECT_NE(e.find("s.yaml:8:21: unknown unit 'hemz' (did you mean 'hems'?)"), std::string::npos)
      << e;
  EXPECT_NE(e.find("s.yaml:9:25: unknown appliance 'living_ak' (did you mean 'living_ac'?)"),
            std::string::npos)
      << e;
}

TEST_F(ScenarioFile, UnknownCheckAndUnknownPropertyName) {
  auto l = load(std::string("name: x\n") + kWorld +
                "steps:\n  - expect: {firmwear: {state: idle}}\n"
                "  - remote: {appliance: living_ac, set: {operationStatos: on}}\n");
  ASSERT_FALSE(l.scenario);
  const std::string e = errors(l);
  EXPECT_NE(e.find("s.yaml:8:14: unknown check 'firmwear' (did you mean 'firmware'?)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("has no property 'operationStatos' (did you mean 'operationStatus'?)"),
            std::string::npos)
      << e;
}

TEST_F(ScenarioFile, VariablesAreSubstitutedAndUnknownOnesAreErrors) {
  auto l = load(std::string("name: x-${who}\nvariables: {who: hems, long: 2h}\n") + kWorld +
                "steps:\n  - wait: ${long}\n  - firmware_check: ${who}\n");
  ASSERT_TRUE(l.scenario) << errors(l);
  EXPECT_EQ(l.scenario->name, "x-hems");
  auto bad = load(std::string("name: x\nvariables: {who: hems}\n") + kWorld +
                  "steps:\n  - firmware_check: ${whom}\n");
  ASSERT_FALSE(bad.scenario);
  EXPECT_NE(errors(bad).find("s.yaml:9:21: unknown variable 'whom' (did you mean 'who'?)"),
            std::string::npos)
      << errors(bad);
}

TEST_F(ScenarioFile, IncludedWorldWithOverridesAndIncludedSteps) {
  write("worlds/house.yaml",
        "world: house\nappliances:\n  - {id: living_ac, class: home_air_conditioner}\n"
        "units:\n  - {id: hems}\n");
  write("fragments/ready.yaml",
        "variables: {unit: hems}\nsteps:\n  - wait: 1m\n  - firmware_check: ${unit}\n");
  auto l = load(
      "name: inc\nworld:\n  include: worlds/house.yaml\n  units: [{id: other}]\nsteps:\n"
      "  - include: {file: fragments/ready.yaml, variables: {unit: other}}\n  - wait: 2m\n");
  ASSERT_TRUE(l.scenario) << errors(l);
  EXPECT_EQ(l.scenario->world.name, "house");
  ASSERT_EQ(l.scenario->world.units.size(), 1u);
  EXPECT_EQ(l.scenario->world.units[0].id, "other");  // the override replaced the units
  ASSERT_EQ(l.scenario->steps.size(), 3u);
  EXPECT_NE(l.scenario->steps[1].file.find("ready.yaml"), std::string::npos);
  EXPECT_EQ(l.scenario->steps[1].line, 4);
}

TEST_F(ScenarioFile, ErrorsInAnIncludedStepFileNameThatFile) {
  write("fragments/bad.yaml", "steps:\n  - waitt: 1m\n");
  auto l = load(std::string("name: x\n") + kWorld + "steps:\n  - include: fragments/bad.yaml\n");
  ASSERT_FALSE(l.scenario);
  EXPECT_NE(errors(l).find("bad.yaml:2:5: unknown step 'waitt' (did you mean 'wait'?)"),
            std::string::npos)
      << errors(l);
  auto missing = load(std::string("name: x\n") + kWorld + "steps:\n  - include: nope.yaml\n");
  ASSERT_FALSE(missing.scenario);
  EXPECT_NE(errors(missing).find("s.yaml:8:14: step file 'nope.yaml' not found"), std::string::npos)
      << errors(missing);
}

TEST_F(ScenarioFile, ErrorsOfAnIncludedWorldNameThatWorldFile) {
  write("worlds/bad.yaml", "world: bad\nappliances:\n  - {id: a, class: air_conditionr}\n");
  auto l = load("name: x\nworld: {include: worlds/bad.yaml}\nsteps: [{wait: 1m}]\n");
  ASSERT_FALSE(l.scenario);
  EXPECT_NE(errors(l).find("bad.yaml:3:20: unknown appliance class 'air_conditionr'"),
            std::string::npos)
      << errors(l);
}

TEST_F(ScenarioFile, AStepWithTwoKindsIsAnError) {
  auto l = load(std::string("name: x\n") + kWorld + "steps:\n  - wait: 1m\n    power_off: hems\n");
  ASSERT_FALSE(l.scenario);
  EXPECT_NE(errors(l).find("s.yaml:9:5: a step has one kind; found 'wait' and 'power_off'"),
            std::string::npos)
      << errors(l);
}

TEST_F(ScenarioFile, FoldersSkipWorldsAndFragments) {
  write("a/one.yaml", "x");
  write("b/two.yaml", "x");
  write("worlds/w.yaml", "x");
  write("a/fragments/f.yaml", "x");
  write("a/notes.txt", "x");
  auto files = scenario::collect_scenario_files({dir_.string()});
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_NE((*files)[0].find("a/one.yaml"), std::string::npos);
  EXPECT_NE((*files)[1].find("b/two.yaml"), std::string::npos);
  EXPECT_FALSE(scenario::collect_scenario_files({(dir_ / "nope").string()}).ok());
}

TEST(ScenarioSchema, NamesEveryRegisteredStepAndCheck) {
  // Editors validate with scenarios/scenario.schema.json: it must know every kind the runner knows.
  std::ifstream f(std::string(HEMSRIG_SOURCE_DIR) + "/scenarios/scenario.schema.json");
  ASSERT_TRUE(f);
  const auto schema = nlohmann::json::parse(f);
  std::vector<std::string> steps, checks;
  for (const auto& n : schema["$defs"]["step"]["propertyNames"]["enum"]) {
    if (n != "include" && n != "expect_error") steps.push_back(n);
  }
  for (const auto& n : schema["$defs"]["checks"]["propertyNames"]["enum"]) {
    if (n != "timeout") checks.push_back(n);
  }
  std::sort(steps.begin(), steps.end());
  std::sort(checks.begin(), checks.end());
  EXPECT_EQ(steps, scenario::StepRegistry::instance().step_names());
  EXPECT_EQ(checks, scenario::StepRegistry::instance().check_names());
}

}  // namespace
