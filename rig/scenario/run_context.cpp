#include "rig/scenario/run_context.hpp"

#include <fmt/format.h>

#include <unordered_set>

#include "rig/dut/dut.hpp"

namespace hemsrig::scenario {

RunContext::RunContext(rig::World& world, sim::Time deadline) : world_(world), deadline_(deadline) {
  // Every frame once: when a node of the world sends it, or when it arrives
  // from a device under test (docs/dut.md), which is outside the world.
  std::unordered_set<std::uint32_t> dut_addresses;
  for (const auto& d : world_.duts()) {
    if (d->spec().role == dut::DutRole::Controller) dut_addresses.insert(d->address().to_uint());
  }
  world_.fabric().observe([this, dut_addresses](sim::Direction d, const sim::Datagram& dg,
                                                sim::Time t) {
    if (d != sim::Direction::Sent && !dut_addresses.contains(dg.from.address.to_uint())) return;
    auto msg = echonet::decode(dg.bytes);
    if (!msg || !std::holds_alternative<echonet::Frame>(*msg)) return;
    frames_.push_back(FrameRecord{t, dg.from, dg.to, std::get<echonet::Frame>(std::move(*msg))});
    if (frames_.size() > kFrameWindow) {
      frames_.pop_front();
      ++frames_dropped_;
    }
  });
  for (const rig::UnitSpec& us : world_.spec().units) {
    aiseg2::Unit* u = world_.unit(us.id);
    if (u == nullptr) continue;
    const std::string id = us.id;
    u->firmware().on_event([this, id](const aiseg2::FirmwareEvent& e) {
      std::string detail = e.version;
      if (!e.detail.empty()) detail += (detail.empty() ? "" : ": ") + e.detail;
      record(id, aiseg2::to_string(e.kind), detail);
    });
    u->controller().add_listener([this, id](const aiseg2::ControllerEvent& e) {
      using K = aiseg2::EventKind;
      if (e.kind != K::Discovered && e.kind != K::Offline && e.kind != K::Online &&
          e.kind != K::Removed)
        return;
      record(id, aiseg2::to_string(e.kind), appliance_id_of(aiseg2::to_string(e.key)));
    });
  }
}

aiseg2::Unit& RunContext::unit(const std::string& id) {
  return *world_.unit(id);
}

echonet::EchonetObject& RunContext::appliance(const std::string& id) {
  return *world_.appliance(id);
}

echonet::Node& RunContext::node_of(const std::string& appliance_id) {
  return *world_.node_of(appliance_id);
}

std::string RunContext::unit_key(const std::string& appliance_id) {
  echonet::Node* n = world_.node_of(appliance_id);
  echonet::EchonetObject* o = world_.appliance(appliance_id);
  if (n == nullptr || o == nullptr) return appliance_id;
  return n->address().to_string() + "/" + echonet::to_string(o->eoj());
}

std::string RunContext::appliance_id_of(const std::string& key) {
  for (const auto& a : world_.spec().appliances) {
    if (unit_key(a.id) == key) return a.id;
  }
  return key;
}

bool RunContext::run_until(const std::function<bool()>& pred, sim::Duration timeout) {
  const sim::Time now = engine().now();
  if (now >= deadline_) return pred();
  return engine().run_until(pred, std::min<sim::Duration>(timeout, deadline_ - now));
}

bool RunContext::run_for(sim::Duration d) {
  const sim::Time now = engine().now();
  const bool cut = now + d > deadline_;
  engine().run_for(cut ? std::max<sim::Duration>(deadline_ - now, sim::Duration::zero()) : d);
  return !cut;
}

void RunContext::record(std::string source, std::string kind, std::string detail) {
  if (auto* tr = world_.trace()) {
    tr->event(engine().now(), "rig_event",
              {{"source", source}, {"event", kind}, {"detail", detail}});
  }
  events_.push_back(
      EventRecord{engine().now(), std::move(source), std::move(kind), std::move(detail)});
}

Error RunContext::expectation_failed(std::string expected, std::string seen) {
  failed_expected_ = std::move(expected);
  failed_seen_ = std::move(seen);
  return make_error("expectation_failed",
                    fmt::format("expected {}; saw {}", failed_expected_, failed_seen_));
}

}  // namespace hemsrig::scenario
