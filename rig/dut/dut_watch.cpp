#include "rig/dut/dut_watch.hpp"

#include <fmt/format.h>

#include "sim/echonet/frame.hpp"

namespace hemsrig::dut {

namespace {

constexpr std::uint8_t kInstanceListNotification = 0xD5;
constexpr std::uint8_t kSelfNodeInstanceList = 0xD6;
constexpr echonet::Eoj kController{0x05, 0xFF, 0x01};

// The rig's wait between probes: a second of wall time, whatever the speed.
sim::Duration probe_period(const sim::Engine& e) {
  return std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(e.speed()));
}

// An announcement from a boot can arrive just after the probe's answer: the
// same boot, not a reboot, within two seconds of wall time.
sim::Duration same_boot(const sim::Engine& e) {
  return std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(2.0 * e.speed()));
}

}  // namespace

DutWatch::DutWatch(sim::Engine& engine, sim::Fabric& fabric, trace::Trace* trace,
                   const DutSpec& spec, sim::Ipv4 address, std::optional<sim::Ipv4> probe_from)
    : engine_(engine),
      fabric_(fabric),
      trace_(trace),
      spec_(spec),
      address_(address),
      probe_from_(probe_from) {
  if (spec_.ready == DutReady::Log) ready_log_.emplace(spec_.ready_log);
  if (spec_.ready == DutReady::Announce) {
    // Every datagram from the DUT's address, whoever it went to (the fabric
    // reports a multicast once, however many of our ports hear it).
    fabric_.observe([this, alive = std::weak_ptr<bool>(alive_)](
                        sim::Direction d, const sim::Datagram& dg, sim::Time) {
      if (alive.expired() || d != sim::Direction::Received) return;
      if (dg.from.address != address_) return;
      frame_seen(dg);
    });
  }
}

DutWatch::~DutWatch() {
  stop();
}

void DutWatch::stop() {
  stop_probing();
  if (probe_port_) {
    fabric_.close(*probe_port_);
    probe_port_.reset();
  }
}

void DutWatch::powered_on() {
  waiting_ = true;
  waiting_since_ = engine_.now();
  if (spec_.ready == DutReady::None) {
    come_up("started");
    return;
  }
  if (spec_.ready == DutReady::Announce && probe_from_) {
    if (!probe_port_) {
      auto p = fabric_.open(*probe_from_, [](const sim::Datagram&) {});
      if (p) {
        probe_port_ = *p;
      } else if (trace_ != nullptr) {
        trace_->event(engine_.now(), "dut.probe_failed",
                      {{"dut", spec_.id}, {"error", p.error().message}});
      }
    }
    stop_probing();
    probe_timer_ = engine_.after(probe_period(engine_), [this] { probe(); });
  }
}

void DutWatch::probe() {
  probe_timer_ = 0;
  if (!waiting_ || up_ || !probe_port_) return;
  if (engine_.now() - waiting_since_ > spec_.ready_timeout) {
    // Bounded: no more probes after the ready timeout; a wait_until names the failure.
    if (trace_ != nullptr)
      trace_->event(
          engine_.now(), "dut.not_ready",
          {{"dut", spec_.id}, {"after_s", sim::to_seconds(engine_.now() - waiting_since_)}});
    return;
  }
  echonet::Frame f;
  f.tid = tid_++;
  f.seoj = kController;
  f.deoj = echonet::kNodeProfile;
  f.esv = echonet::Esv::Get;
  f.props.push_back(echonet::Property{kSelfNodeInstanceList, {}});
  const echonet::Bytes bytes = echonet::encode(f);
  fabric_.send(*probe_port_, sim::UdpEndpoint{address_, echonet::kPort}, bytes);
  probe_timer_ = engine_.after(probe_period(engine_), [this] { probe(); });
}

void DutWatch::stop_probing() {
  if (probe_timer_ != 0) engine_.cancel(probe_timer_);
  probe_timer_ = 0;
}

void DutWatch::frame_seen(const sim::Datagram& dg) {
  auto msg = echonet::decode(dg.bytes);
  if (!msg || !std::holds_alternative<echonet::Frame>(*msg)) return;
  const echonet::Frame& f = std::get<echonet::Frame>(*msg);
  bool announce = false, answer = false;
  for (const auto& p : f.props) {
    if (f.seoj == echonet::kNodeProfile && p.epc == kInstanceListNotification &&
        (f.esv == echonet::Esv::INF || f.esv == echonet::Esv::INFC))
      announce = true;
    if (p.epc == kSelfNodeInstanceList && f.esv == echonet::Esv::Get_Res) answer = true;
  }
  if (announce) {
    if (up_ && engine_.now() - up_since_ > same_boot(engine_)) {
      // Up, and a new announcement: it restarted by itself (a firmware reboot).
      went_down("restarted (a new instance-list announcement)");
      waiting_ = true;
      waiting_since_ = engine_.now();
    }
    if (!up_) come_up("announced its instance list (INF 0xD5)");
  } else if (answer && !up_ && waiting_) {
    come_up("answered Get 0xD6");
  }
}

void DutWatch::output_line(const std::string& line) {
  if (!ready_log_ || !std::regex_search(line, *ready_log_)) return;
  if (up_ && engine_.now() - up_since_ > same_boot(engine_)) {
    went_down("restarted (its ready line again)");
    waiting_ = true;
  }
  if (!up_ && waiting_) come_up("wrote its ready line");
}

void DutWatch::come_up(const std::string& how) {
  up_ = true;
  waiting_ = false;
  up_since_ = engine_.now();
  ++boots_;
  stop_probing();
  if (trace_ != nullptr)
    trace_->event(engine_.now(), "dut.up", {{"dut", spec_.id}, {"boots", boots_}, {"how", how}});
}

void DutWatch::went_down(const std::string& why) {
  waiting_ = false;
  stop_probing();
  if (!up_) return;
  up_ = false;
  if (trace_ != nullptr)
    trace_->event(engine_.now(), "dut.down", {{"dut", spec_.id}, {"why", why}});
}

}  // namespace hemsrig::dut
