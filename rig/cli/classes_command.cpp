// `hemsrig classes`: lists every appliance class the rig can simulate, from
// the bundled profiles, --profiles folders and an --mra folder.
#include <fmt/format.h>

#include <iostream>

#include "devices/echonet/behaviours/behaviours.hpp"
#include "rig/cli/commands.hpp"

namespace hemsrig::cli {

void add_classes_command(CLI::App& app) {
  auto sources = std::make_shared<ProfileSources>();
  auto* cmd = app.add_subcommand("classes", "List the appliance classes the rig can simulate");
  cmd->add_option("--mra", sources->mra_dir, "Also load every class of an ECHONET MRA folder")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--profiles", sources->profile_dirs,
                  "Extra class profile folder or file (YAML); repeatable");
  cmd->callback([sources] {
    echonet::ProfileLibrary lib;
    if (!load_profiles(*sources, lib)) throw CLI::RuntimeError(kExitBadInput);
    for (const auto* p : lib.all()) {
      const bool physics = !echonet::behaviour_params(p->class_code).empty();
      std::cout << fmt::format("0x{:04X}  {:<40} {:>3} properties{}  {}\n", p->class_code, p->name,
                               p->properties.size(), physics ? ", physics" : "", p->source);
    }
  });
}

}  // namespace hemsrig::cli
