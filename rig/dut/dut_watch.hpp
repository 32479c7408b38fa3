// DutWatch: tells from the wire whether a DUT is up, and counts its boots.
// A controller is up when it announces its instance list (INF 0xD5 from its
// address) or answers the Get 0xD6 the watch sends to its address every
// second of wall time until it is up (bounded by the ready timeout); an app,
// or a DUT with `ready: {log: REGEX}`, when a line of its output matches.
// Down is a power cut or the process gone; a new announcement while up (the
// firmware restarted itself) is a reboot. Each shows in the trace as
// dut.up / dut.down. Single-threaded: call from the engine's thread.
#pragma once

#include <optional>
#include <regex>
#include <string>

#include "rig/dut/dut_spec.hpp"
#include "sim/core/engine.hpp"
#include "sim/net/fabric.hpp"
#include "sim/trace/trace.hpp"

namespace hemsrig::dut {

class DutWatch {
 public:
  // `probe_from`: the rig's own address the Get 0xD6 probes are sent from.
  DutWatch(sim::Engine& engine, sim::Fabric& fabric, trace::Trace* trace, const DutSpec& spec,
           sim::Ipv4 address, std::optional<sim::Ipv4> probe_from);
  ~DutWatch();
  DutWatch(const DutWatch&) = delete;
  DutWatch& operator=(const DutWatch&) = delete;

  // The DUT got power (its process started, its relay closed): wait for it to come up.
  void powered_on();
  // It lost power or its process ended: down, until it comes up again.
  void went_down(const std::string& why);
  // A line of its output (for `ready: {log: REGEX}`).
  void output_line(const std::string& line);
  // Stops probing and closes the probe port.
  void stop();

  bool up() const { return up_; }
  int boots() const { return boots_; }

 private:
  void frame_seen(const sim::Datagram& dg);
  void come_up(const std::string& how);
  void probe();
  void stop_probing();

  sim::Engine& engine_;
  sim::Fabric& fabric_;
  trace::Trace* trace_;
  const DutSpec& spec_;
  sim::Ipv4 address_;
  std::optional<sim::Ipv4> probe_from_;
  std::optional<sim::PortId> probe_port_;
  std::optional<std::regex> ready_log_;
  bool up_ = false;
  bool waiting_ = false;  // powered, not yet up
  int boots_ = 0;
  sim::Time up_since_{0};
  sim::Time waiting_since_{0};
  sim::TimerId probe_timer_ = 0;
  std::uint16_t tid_ = 0xD600;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hemsrig::dut
