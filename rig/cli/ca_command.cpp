// `hemsrig ca export [--state DIR] [--out FILE]`: prints (or writes) the rig's test CA
// certificate as PEM, so a real app, a phone or firmware can be told to trust the mock cloud's
// HTTPS. With --state the CA is the one a `serve --state DIR` uses (DIR/tls, created on first
// use and kept); without it a fresh in-memory CA is made, which no other run shares.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "rig/cli/commands.hpp"
#include "sim/tls/test_ca.hpp"

namespace hemsrig::cli {

namespace {

struct CaExportArgs {
  std::string state_dir;
  std::string out;
};

void export_ca(const CaExportArgs& args) {
  auto ca = tls::TestCa::load_or_create(tls::test_ca_dir(args.state_dir));
  if (!ca) {
    std::cerr << "hemsrig ca export: " << ca.error().message << "\n";
    throw CLI::RuntimeError(kExitFailed);
  }
  if (args.state_dir.empty()) {
    std::cerr << "hemsrig ca export: no --state given: this CA exists only in this run; pass the "
                 "--state DIR that serve uses to export the CA it serves with\n";
  }
  if (args.out.empty() || args.out == "-") {
    std::cout << ca->certificate_pem();
    return;
  }
  std::ofstream file(args.out, std::ios::binary | std::ios::trunc);
  if (!file || !(file << ca->certificate_pem()) || !file.flush()) {
    std::cerr << "hemsrig ca export: cannot write " << args.out << "\n";
    throw CLI::RuntimeError(kExitFailed);
  }
  std::cerr << "wrote the test CA certificate to " << args.out
            << (ca->dir().empty() ? "" : " (CA kept in " + ca->dir() + ")") << "\n";
}

}  // namespace

void add_ca_command(CLI::App& app) {
  auto* ca = app.add_subcommand("ca", "The rig's test certificate authority (HTTPS of the cloud)");
  ca->require_subcommand(1);
  auto args = std::make_shared<CaExportArgs>();
  auto* exp = ca->add_subcommand("export", "Print or write the test CA certificate (PEM)");
  exp->add_option("--state", args->state_dir,
                  "The state folder of `serve --state`; the CA lives in DIR/tls (created if new)");
  exp->add_option("--out", args->out, "Write the PEM to this file instead of standard output");
  exp->callback([args] { export_ca(*args); });
}

}  // namespace hemsrig::cli
