// The subcommands of the hemsrig CLI, one file each.
#pragma once

#include <CLI/CLI.hpp>

#include "rig/cli/common.hpp"

namespace hemsrig::cli {

void add_serve_command(CLI::App& app);
void add_validate_command(CLI::App& app);
void add_discover_command(CLI::App& app);
void add_classes_command(CLI::App& app);
void add_ca_command(CLI::App& app);
void add_run_command(CLI::App& app);

}  // namespace hemsrig::cli
