// hemsrig: the command line. Each subcommand lives in its own file.
#include <iostream>

#include "rig/cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hemsrig: hardware-in-the-loop simulator and test rig for the AiSEG2 ecosystem"};
  app.require_subcommand(1);
  hemsrig::cli::add_serve_command(app);
  hemsrig::cli::add_validate_command(app);
  hemsrig::cli::add_discover_command(app);
  hemsrig::cli::add_classes_command(app);
  hemsrig::cli::add_ca_command(app);
  hemsrig::cli::add_run_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // Usage errors are bad input (2); --help is not an error.
    return code == 0 ? 0 : hemsrig::cli::kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "hemsrig: " << e.what() << "\n";
    return hemsrig::cli::kExitFailed;
  }
  return 0;
}
