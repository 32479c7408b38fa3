// hemsrig: the command line. Subcommands are added as the rig grows.
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"hemsrig: hardware-in-the-loop simulator and test rig for the AiSEG2 ecosystem"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
