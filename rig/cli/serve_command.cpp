// `hemsrig serve WORLD.yaml`: runs a world in real time on real sockets until
// SIGINT or SIGTERM (or --for), after printing every endpoint it opened and
// then the line `ready`, so a script or a test can wait for that line. A cloud
// with `tls: true` (or `--cloud-tls`) is printed as https:// with its CA file (`cloud-ca`).
#include <boost/asio/signal_set.hpp>
#include <iostream>

#include "rig/cli/commands.hpp"
#include "rig/world/world.hpp"

namespace hemsrig::cli {

void add_serve_command(CLI::App& app) {
  struct Args {
    std::string world;
    ProfileSources profiles;
    std::string interface_name, base_address, trace, pcap, run_for, state;
    std::uint64_t seed = 0;
    bool cloud_tls = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("serve", "Run a world in real time on real sockets until SIGINT/SIGTERM");
  cmd->add_option("world", args->world, "World file (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--mra", args->profiles.mra_dir, "Also load every class of an ECHONET MRA folder")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--profiles", args->profiles.profile_dirs,
                  "Extra class profile folder or file (YAML); repeatable");
  cmd->add_option("--interface", args->interface_name,
                  "Bind a named network interface instead of loopback (bench LAN)");
  cmd->add_option("--base-address", args->base_address,
                  "First node address (default: the world file's, 127.10.0.1)");
  cmd->add_option("--trace", args->trace, "Write a JSONL trace of every frame and state change");
  cmd->add_option("--pcap", args->pcap, "Write every frame sent to a pcap file");
  cmd->add_option("--seed", args->seed, "Random seed (default: the world file's)");
  cmd->add_option("--state", args->state,
                  "Keep the units' energy history, the cloud's accounts (SQLite) and the test CA "
                  "of the cloud's HTTPS (DIR/tls, see `ca export`) in this folder, across restarts")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--cloud-tls", args->cloud_tls,
                "Serve the world's cloud over HTTPS with the rig's test CA, as `cloud: tls: true` "
                "does (the CA file is printed as the endpoint cloud-ca; see `ca export`)");
  cmd->add_option("--for", args->run_for,
                  "Stop by itself after this long (e.g. 30s); default: until a signal");
  cmd->callback([args] {
    echonet::ProfileLibrary lib;
    if (!load_profiles(args->profiles, lib)) throw CLI::RuntimeError(kExitBadInput);
    rig::WorldLoad load = rig::load_world_file(args->world, lib);
    if (!load.spec) {
      print_diagnostics(load.diagnostics);
      throw CLI::RuntimeError(kExitBadInput);
    }
    if (args->cloud_tls) {
      if (!load.spec->cloud) {
        std::cerr << "--cloud-tls: " << args->world << " has no `cloud:` section\n";
        throw CLI::RuntimeError(kExitBadInput);
      }
      load.spec->cloud->tls = true;
    }
    rig::WorldOptions opts;
    opts.mode = sim::ClockMode::Realtime;
    if (args->seed != 0) opts.seed = args->seed;
    opts.trace_path = args->trace;
    opts.pcap_path = args->pcap;
    opts.state_dir = args->state;
    if (!args->interface_name.empty()) opts.interface_name = args->interface_name;
    if (!args->base_address.empty()) {
      boost::system::error_code ec;
      opts.base_address = boost::asio::ip::make_address_v4(args->base_address, ec);
      if (ec) {
        std::cerr << "--base-address: '" << args->base_address << "' is not an IPv4 address\n";
        throw CLI::RuntimeError(kExitBadInput);
      }
    }
    std::optional<std::int64_t> run_for;
    if (!args->run_for.empty()) {
      run_for = rig::parse_duration_ns(args->run_for);
      if (!run_for) {
        std::cerr << "--for: '" << args->run_for << "' is not a duration (20ms, 30s, 5m)\n";
        throw CLI::RuntimeError(kExitBadInput);
      }
    }
    auto world = rig::World::create(*load.spec, lib, opts);
    if (!world) {
      std::cerr << "hemsrig serve: " << world.error().message << "\n";
      throw CLI::RuntimeError(kExitFailed);
    }
    rig::World& w = **world;
    if (auto st = w.start(); !st) {
      std::cerr << "hemsrig serve: " << st.error().message << "\n";
      throw CLI::RuntimeError(kExitFailed);
    }
    boost::asio::signal_set signals(w.engine().io(), SIGINT, SIGTERM);
    signals.async_wait([&w](const boost::system::error_code& ec, int) {
      if (!ec) w.engine().stop();
    });
    std::cout << "world " << load.spec->name << ": " << load.spec->appliances.size()
              << " appliances on " << w.node_keys().size() << " nodes, real time\n";
    for (const auto& e : w.endpoints()) {
      std::cout << e.kind << " " << e.id << " " << e.address << " " << e.detail << "\n";
    }
    std::cout << "ready" << std::endl;
    if (run_for) {
      w.engine().run_for(sim::Duration{*run_for});
    } else {
      w.engine().run();
    }
    signals.cancel();
    w.stop();
    std::cout << "stopped" << std::endl;
  });
}

}  // namespace hemsrig::cli
