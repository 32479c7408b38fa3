// The YAML profile reader, shared by profile_yaml.cpp (files, classes,
// properties) and profile_yaml_data.cpp (the `data:` kinds). Internal: it
// throws ProfileYamlError, which load_yaml() turns into "file:line:col: ..."
// so that no exception leaves the profile layer.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "devices/echonet/profile.hpp"

namespace hemsrig::echonet::detail {

struct ProfileYamlError {
  YAML::Mark mark;
  std::string message;
};

class ProfileYamlReader {
 public:
  ClassProfile read_class(const YAML::Node& root);
  ValueSpec read_data(const YAML::Node& node);

  [[noreturn]] void fail(const YAML::Node& at, std::string message) const;
  // `map` is a map whose keys are all in `allowed`, each once.
  void expect_keys(const YAML::Node& map, std::span<const std::string_view> allowed,
                   const char* what) const;
  void expect_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                   const char* what) const {
    expect_keys(map, std::span(allowed.begin(), allowed.size()), what);
  }
  YAML::Node require(const YAML::Node& map, const char* key) const;
  std::string text(const YAML::Node& node, const char* what) const;
  std::int64_t integer(const YAML::Node& node, const char* what) const;
  Bytes hex_bytes(const YAML::Node& node, const char* what, std::size_t size = 0) const;

 private:
  PropertySpec read_property(const YAML::Node& node);
  AccessRule read_access(const YAML::Node& node) const;
};

}  // namespace hemsrig::echonet::detail
