#include "rig/cli/common.hpp"

#include <iostream>

namespace hemsrig::cli {

bool load_profiles(const ProfileSources& sources, echonet::ProfileLibrary& lib) {
  // User profiles first: a class in both keeps the user's. Then the bundled
  // ones, then the MRA fills in every class nobody wrote a profile for.
  for (const auto& dir : sources.profile_dirs) {
    if (auto st = lib.load_yaml(dir); !st) {
      std::cerr << st.error().message << "\n";
      return false;
    }
  }
  echonet::ProfileLibrary bundled;
  if (auto st = bundled.load_yaml(echonet::ProfileLibrary::bundled_dir()); !st) {
    std::cerr << st.error().message << "\n";
    return false;
  }
  for (const auto* p : bundled.all()) lib.add(*p, /*replace=*/false);
  if (!sources.mra_dir.empty()) {
    if (auto st = lib.load_mra(sources.mra_dir); !st) {
      std::cerr << st.error().message << "\n";
      return false;
    }
  }
  return true;
}

void print_diagnostics(const std::vector<rig::Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) std::cerr << d.str() << "\n";
}

}  // namespace hemsrig::cli
