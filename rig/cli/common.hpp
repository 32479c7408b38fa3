// Pieces every subcommand shares: loading the class profiles (bundled, extra
// folders, an MRA folder) and printing diagnostics the same way.
#pragma once

#include <string>
#include <vector>

#include "devices/echonet/profile.hpp"
#include "rig/world/yaml_reader.hpp"

namespace hemsrig::cli {

struct ProfileSources {
  std::vector<std::string> profile_dirs;  // user YAML profiles, loaded before the bundled ones
  std::string mra_dir;                    // empty: none
};

// Exit codes: 0 fine, 1 a run failed, 2 the input was wrong.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;

// Loads the library or prints why not (to stderr) and returns false.
bool load_profiles(const ProfileSources& sources, echonet::ProfileLibrary& lib);
void print_diagnostics(const std::vector<rig::Diagnostic>& diagnostics);

}  // namespace hemsrig::cli
