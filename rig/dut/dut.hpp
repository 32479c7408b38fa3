// Dut: one device under test in a running world (docs/dut.md): its adapter
// (a process the rig starts, or an external device powered through a relay
// coil), its watch (up, boots) and what it wrote. Power on starts it, power
// off cuts it at once, stop() ends it at the end of the run (SIGTERM, then
// SIGKILL); its {state_dir} lives as long as the Dut. Single-threaded.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "rig/dut/dut_spec.hpp"
#include "rig/dut/dut_watch.hpp"
#include "sim/core/engine.hpp"
#include "sim/trace/trace.hpp"

namespace hemsrig::bench {
class PowerDriver;
}

namespace hemsrig::dut {

class ProcessDut;

// What the world gives a DUT.
struct DutPlace {
  sim::Ipv4 address;                    // its ECHONET Lite node (controller)
  std::optional<sim::Ipv4> probe_from;  // the rig's address for Get 0xD6 probes
  std::string state_dir;                // empty: a temporary folder removed with the Dut
  std::string netns;  // its host on a NetnsFabric (the process runs there); empty: the rig's
  // The template values at power-on (cloud URL, CA file, units' addresses...).
  std::function<TemplateValues()> values;
};

class Dut {
 public:
  // Kept for `output:` checks: the most recent lines.
  static constexpr std::size_t kOutputWindow = 100000;

  static Result<std::unique_ptr<Dut>> create(sim::Engine& engine, sim::Fabric& fabric,
                                             trace::Trace* trace, const DutSpec& spec,
                                             DutPlace place);
  ~Dut();
  Dut(const Dut&) = delete;
  Dut& operator=(const Dut&) = delete;

  const DutSpec& spec() const { return spec_; }
  const std::string& id() const { return spec_.id; }
  sim::Ipv4 address() const { return place_.address; }
  const std::string& state_dir() const { return state_dir_; }

  // Power on: starts the process (the same {state_dir} every time) or closes
  // the relay. Errors: "command_not_found", "spawn_failed", "no_power_control",
  // the relay's Modbus errors.
  Status power_on();
  // Power cut: SIGKILL to the process group, or the relay opened.
  Status power_off();
  bool powered() const { return powered_; }
  // The end of the run: SIGTERM, SIGKILL after stop_timeout; nothing for an external DUT.
  void stop();

  bool up() const { return watch_->up(); }
  int boots() const { return watch_->boots(); }
  bool running() const;  // its process is alive (process adapter)
  int pid() const;       // 0 when not running
  const std::deque<std::string>& output() const { return output_; }
  // Lines written since it was created (output() keeps the last kOutputWindow).
  std::uint64_t output_total() const { return output_total_; }
  // The command line as started last, for messages.
  const std::string& command_line() const { return command_line_; }

 private:
  Dut(sim::Engine& engine, trace::Trace* trace, const DutSpec& spec, DutPlace place);
  void line(std::string_view stream, const std::string& text);

  sim::Engine& engine_;
  trace::Trace* trace_;
  DutSpec spec_;
  DutPlace place_;
  std::string state_dir_;
  bool temp_state_ = false;
  bool powered_ = false;
  std::string command_line_;
  std::deque<std::string> output_;
  std::uint64_t output_total_ = 0;
  std::unique_ptr<DutWatch> watch_;
  std::unique_ptr<ProcessDut> process_;        // process adapter
  std::unique_ptr<bench::PowerDriver> relay_;  // external adapter with `power:`
};

}  // namespace hemsrig::dut
