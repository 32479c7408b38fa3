#include "rig/scenario/reports.hpp"
#include "sim/core/markup_escape.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace hemsrig::scenario {

namespace {
// "scenarios.firmware" for scenarios/firmware/x.yaml: the folder, dotted.
std::string class_name(const std::string& file) {
  std::string dir = std::filesystem::path(file).parent_path().generic_string();
  while (dir.rfind("./", 0) == 0) dir = dir.substr(2);
  for (auto& c : dir) {
    if (c == '/') c = '.';
  }
  return dir.empty() ? "scenarios" : dir;
}

std::string failure_text(const ScenarioResult& r) {
  std::string s = r.summary() + "\n";
  if (!r.step_text.empty()) s += "step: " + r.step_text + "\n";
  if (!r.trace_path.empty()) s += "trace: " + r.trace_path + "\npcap: " + r.pcap_path + "\n";
  return s;
}
}  // namespace

std::string junit_xml(const std::vector<ScenarioResult>& results) {
  // An interrupted scenario is an error (it neither passed nor failed), one never started
  // is skipped: CI shows a cancelled run as such.
  std::size_t failures = 0, errors = 0, skipped = 0;
  double time = 0;
  for (const auto& r : results) {
    if (r.not_run) {
      ++skipped;
    } else if (r.interrupted) {
      ++errors;
    } else if (!r.passed) {
      ++failures;
    }
    time += r.wall_seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"hemsrig\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "time=\"{:.3f}\">\n",
      results.size(), failures, errors, time);
  out += fmt::format(
      "  <testsuite name=\"hemsrig scenarios\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\" time=\"{:.3f}\">\n",
      results.size(), failures, errors, skipped, time);
  for (const auto& r : results) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.3f}\"",
                       markup_escape(class_name(r.file)), markup_escape(r.name),
                       markup_escape(r.file), r.wall_seconds);
    if (r.passed) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (r.not_run) {
      out += fmt::format("      <skipped message=\"{}\"/>\n    </testcase>\n",
                         markup_escape(r.summary()));
      continue;
    }
    const char* element = r.interrupted ? "error" : "failure";
    out += fmt::format("      <{} message=\"{}\" type=\"{}\">{}</{}>\n", element,
                       markup_escape(r.summary()),
                       markup_escape(r.interrupted         ? "interrupted"
                                     : r.step_kind.empty() ? "world"
                                                           : r.step_kind),
                       markup_escape(failure_text(r)), element);
    std::string tail;
    for (const auto& l : r.trace_tail) tail += l + "\n";
    out += fmt::format("      <system-out>{}</system-out>\n", markup_escape(tail));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string json_report(const std::vector<ScenarioResult>& results) {
  nlohmann::ordered_json doc;
  std::size_t passed = 0;
  auto list = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    passed += r.passed ? 1 : 0;
    nlohmann::ordered_json j{{"name", r.name},
                             {"file", r.file},
                             {"tags", r.tags},
                             {"status", r.passed        ? "passed"
                                        : r.not_run     ? "not_run"
                                        : r.interrupted ? "interrupted"
                                                        : "failed"},
                             {"steps", r.steps_total},
                             {"steps_passed", r.steps_passed},
                             {"wall_seconds", r.wall_seconds},
                             {"sim_seconds", r.sim_seconds}};
    if (!r.passed && !r.not_run) {
      j["failure"] = {{"step", r.failed_step},     {"kind", r.step_kind},    {"at", r.step_where},
                      {"text", r.step_text},       {"expected", r.expected}, {"seen", r.seen},
                      {"trace_tail", r.trace_tail}};
    }
    if (!r.trace_path.empty()) {
      j["trace"] = r.trace_path;
      j["pcap"] = r.pcap_path;
    }
    list.push_back(std::move(j));
  }
  std::size_t interrupted = 0, not_run = 0;
  for (const auto& r : results) {
    interrupted += r.interrupted && !r.not_run ? 1 : 0;
    not_run += r.not_run ? 1 : 0;
  }
  doc["passed"] = passed;
  doc["failed"] = results.size() - passed - interrupted - not_run;
  doc["interrupted"] = interrupted;
  doc["not_run"] = not_run;
  doc["scenarios"] = std::move(list);
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace hemsrig::scenario
