// `hemsrig validate FILE...`: checks world files; exit 0, or 2 with one
// `file:line:col: message` line per error.
#include <iostream>

#include "rig/cli/commands.hpp"
#include "rig/world/world_spec.hpp"

namespace hemsrig::cli {

void add_validate_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> files;
    ProfileSources profiles;
  };
  auto args = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("validate", "Check world files; exit 2 with file:line:col for each error");
  cmd->add_option("files", args->files, "World files (YAML)")->required();
  cmd->add_option("--mra", args->profiles.mra_dir, "Also load every class of an ECHONET MRA folder")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--profiles", args->profiles.profile_dirs,
                  "Extra class profile folder or file (YAML); repeatable");
  cmd->callback([args] {
    echonet::ProfileLibrary lib;
    if (!load_profiles(args->profiles, lib)) throw CLI::RuntimeError(kExitBadInput);
    bool bad = false;
    for (const auto& f : args->files) {
      const rig::WorldLoad load = rig::load_world_file(f, lib);
      if (!load.spec) {
        print_diagnostics(load.diagnostics);
        bad = true;
      } else {
        std::cout << f << ": ok (world " << load.spec->name << ", " << load.spec->appliances.size()
                  << " appliances)\n";
      }
    }
    if (bad) throw CLI::RuntimeError(kExitBadInput);
  });
}

}  // namespace hemsrig::cli
