// YamlReader: reads a YAML document into typed values and collects every
// error as "file:line:col: what is wrong, what was expected", instead of
// stopping at the first. Unknown keys are errors with a did-you-mean. World
// files use it now; scenario files will too.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/core/result.hpp"

namespace hemsrig::rig {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string message;
  std::string str() const;  // "file:line:col: message"
};

// The closest of `candidates` to `word` when close enough to be a typo, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  // Parses the file; a syntax error becomes a diagnostic. Returns a null node then.
  YAML::Node load();
  YAML::Node load_string(const std::string& text);

  void error(const YAML::Node& at, const std::string& message);
  void error(const YAML::Mark& at, const std::string& message);
  bool failed() const { return !diagnostics_.empty(); }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  const std::string& file() const { return file_; }

  // Checks `node` is a map whose keys are all in `allowed`; reports the rest.
  bool expect_map(const YAML::Node& node, const std::string& what,
                  const std::vector<std::string>& allowed);
  bool expect_sequence(const YAML::Node& node, const std::string& what);
  // Field readers: report and return nullopt when present but of the wrong
  // type; return nullopt silently when absent (and `required` is false).
  std::optional<std::string> string(const YAML::Node& map, const char* key, bool required = false);
  std::optional<std::int64_t> integer(const YAML::Node& map, const char* key, std::int64_t min,
                                      std::int64_t max, bool required = false);
  std::optional<double> number(const YAML::Node& map, const char* key, bool required = false);
  std::optional<bool> boolean(const YAML::Node& map, const char* key);
  // Durations such as "20ms", "60s", "30m", "1h", "1w".
  std::optional<std::int64_t> duration_ns(const YAML::Node& map, const char* key);

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

// Integers written as 123, -5 or 0x7B.
std::optional<std::int64_t> parse_integer(const std::string& text);
std::optional<std::int64_t> parse_duration_ns(const std::string& text);

}  // namespace hemsrig::rig
