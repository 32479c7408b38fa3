// Reports of a run for machines: JUnit XML (testsuites/testsuite/testcase,
// a <failure> with the failed step and what was seen, the trace's last lines
// in <system-out>), read by Jenkins, GitLab, GitHub Actions reporters; and a
// JSON document with the same facts. A cancelled run's scenario that was cut
// short is an <error type="interrupted">, one never started is <skipped>
// (JSON status "interrupted" / "not_run").
#pragma once

#include <string>
#include <vector>

#include "rig/scenario/runner.hpp"

namespace hemsrig::scenario {

std::string junit_xml(const std::vector<ScenarioResult>& results);
std::string json_report(const std::vector<ScenarioResult>& results);

}  // namespace hemsrig::scenario
