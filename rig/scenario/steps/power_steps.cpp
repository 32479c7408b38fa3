// Power steps: a unit, an appliance's node or a DUT switched off, on, or off
// and on again (`power_off: hems`, `power_on: {appliance: living_ac}`,
// `power_cycle: {dut: fw, off_for: 5s}`). A unit cut while installing
// firmware follows its bank mode (DOMAIN R12, the rig's power-cut rule); a
// DUT's process is killed at once (SIGKILL) and started again on power on.
// `bench_coil: {channel: fw, on: false}` does the same through the world's
// Modbus bench over real Modbus TCP, as a relay board would be switched.
#include <fmt/format.h>

#include <atomic>
#include <thread>

#include <boost/asio/post.hpp>

#include "devices/bench/coil_driver.hpp"
#include "rig/dut/dut.hpp"

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

struct Target {
  std::string unit;       // set for a unit
  std::string appliance;  // set for an appliance (its whole node)
  std::string dut;        // set for a device under test
};

bool is_dut(StepParser& p, const std::string& id) {
  for (const auto& d : p.world().duts) {
    if (d.id == id) return true;
  }
  return false;
}

std::optional<Target> parse_target(StepParser& p, const YAML::Node& params, const char* step,
                                   std::vector<std::string> extra) {
  Target t;
  if (params && params.IsScalar()) {
    const std::string id = params.Scalar();
    for (const auto& a : p.world().appliances) {
      if (a.id == id) t.appliance = id;
    }
    if (!t.appliance.empty()) return t;
    if (is_dut(p, id)) {
      t.dut = id;
      return t;
    }
    auto u = p.unit(params);  // reports an unknown id, naming the units
    if (!u) return std::nullopt;
    t.unit = *u;
    return t;
  }
  extra.push_back("unit");
  extra.push_back("appliance");
  extra.push_back("dut");
  if (!p.fields(params, fmt::format("'{}'", step), extra)) return std::nullopt;
  if (params && params.IsMap() && params["dut"]) {
    const std::string id = scalar(params["dut"]);
    if (!is_dut(p, id)) {
      std::vector<std::string> ids;
      for (const auto& d : p.world().duts) ids.push_back(d.id);
      const std::string hint = rig::did_you_mean(id, ids);
      p.reader().error(params["dut"],
                       fmt::format("unknown DUT '{}'{}", id,
                                   hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      return std::nullopt;
    }
    t.dut = id;
    return t;
  }
  if (params && params.IsMap() && params["appliance"]) {
    auto a = p.appliance(params);
    if (!a) return std::nullopt;
    t.appliance = *a;
    return t;
  }
  auto u = p.unit(params);
  if (!u) return std::nullopt;
  t.unit = *u;
  return t;
}

void switch_power(RunContext& ctx, const Target& t, bool on, Status& st) {
  if (!t.dut.empty()) {
    dut::Dut& d = *ctx.world().dut(t.dut);
    st = on ? d.power_on() : d.power_off();
    ctx.record(t.dut, on ? "power_on" : "power_off", st ? "" : st.error().message);
    return;
  }
  if (!t.unit.empty()) {
    aiseg2::Unit& u = ctx.unit(t.unit);
    if (on) {
      st = u.power_on();
    } else {
      u.power_off();
    }
    ctx.record(t.unit, on ? "power_on" : "power_off", "");
    return;
  }
  echonet::Node& n = ctx.node_of(t.appliance);
  if (on) {
    st = n.power_on();
  } else {
    n.power_off();
  }
}

std::unique_ptr<Step> make_power(StepParser& p, const YAML::Node& params, const char* step,
                                 bool on) {
  auto t = parse_target(p, params, step, {});
  if (!t) return nullptr;
  return std::make_unique<FunctionStep>([t = *t, on](RunContext& ctx) -> Status {
    Status st = ok_status();
    switch_power(ctx, t, on, st);
    return st;
  });
}

std::unique_ptr<Step> parse_power_cycle(StepParser& p, const YAML::Node& params) {
  auto t = parse_target(p, params, "power_cycle", {"off_for"});
  if (!t) return nullptr;
  sim::Duration off_for = sim::seconds(10);
  if (params && params.IsMap() && params["off_for"]) {
    auto d = p.duration(params, "off_for");
    if (!d) return nullptr;
    off_for = *d;
  }
  return std::make_unique<FunctionStep>([t = *t, off_for](RunContext& ctx) -> Status {
    Status st = ok_status();
    switch_power(ctx, t, false, st);
    ctx.run_for(off_for);
    switch_power(ctx, t, true, st);
    return st;
  });
}

// `bench_coil: {channel: fw, on: false}`: writes the channel's coil with a
// Modbus TCP client (the bench's own coil driver) on a thread of its own while
// the world runs, so the bench answers from the engine as it would a relay tool.
std::unique_ptr<Step> parse_bench_coil(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'bench_coil'", {"channel", "on"})) return nullptr;
  if (!p.world().bench) {
    p.reader().error(params, "'bench_coil' needs a world with a 'bench:'");
    return nullptr;
  }
  std::vector<std::string> names;
  for (const auto& u : p.world().units) names.push_back(u.id);
  for (const auto& a : p.world().appliances) {
    if (std::find(names.begin(), names.end(), a.node) == names.end()) names.push_back(a.node);
  }
  for (const auto& d : p.world().duts) names.push_back(d.id);
  auto channel = p.reader().string(params, "channel", true);
  const YAML::Node on_node = params && params.IsMap() ? params["on"] : YAML::Node();
  if (!on_node) p.reader().error(params, "missing 'on' (true: power on, false: a power cut)");
  auto on = p.reader().boolean(params, "on");
  if (!channel || !on) return nullptr;
  if (std::find(names.begin(), names.end(), *channel) == names.end()) {
    const std::string hint = rig::did_you_mean(*channel, names);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    p.reader().error(
        params["channel"],
        fmt::format("unknown bench channel '{}'{}; the channels: {}", *channel,
                    hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint), list));
    return nullptr;
  }
  return std::make_unique<FunctionStep>([channel = *channel, on = *on](RunContext& ctx) -> Status {
    bench::ModbusBench* b = ctx.world().bench();
    if (b == nullptr) return make_error("no_bench", "the world has no bench");
    const int coil = b->coil_of(channel);
    if (coil < 0) return make_error("unknown_channel", "the bench has no channel " + channel);
    bench::CoilResource res;
    const std::string ep = b->endpoint();
    res.host = ep.substr(0, ep.rfind(':'));
    res.port = b->port();
    res.unit_id = b->unit_id();
    res.coil = static_cast<std::uint16_t>(coil);
    res.timeout = std::chrono::milliseconds(2000);
    std::atomic<bool> done{false};
    // Real I/O under way: virtual time must not jump past it.
    sim::Engine::InFlight in_flight = ctx.engine().begin_io();
    Status st = ok_status();
    sim::Engine& engine = ctx.engine();
    std::thread client([&] {
      bench::ModbusCoilDriver driver(res);
      st = driver.set(on);
      done = true;
      boost::asio::post(engine.io(), [] {});  // wakes the engine to see `done`
    });
    // The bench answers from the engine: run it (bounded by the driver's own timeout).
    engine.run_until([&] { return done.load(); }, std::chrono::hours(1));
    client.join();
    ctx.record(channel, on ? "bench_on" : "bench_off", st ? "" : st.error().message);
    return st;
  });
}

const RegisterStep bench_coil_step{
    {"bench_coil", "bench_coil: {channel: ID, on: false} (Modbus TCP write to the bench's coil)",
     parse_bench_coil}};

const RegisterStep power_off_step{
    {"power_off", "power_off: UNIT | DUT | {unit: ID} | {appliance: ID} | {dut: ID}",
     [](StepParser& p, const YAML::Node& n) { return make_power(p, n, "power_off", false); }}};
const RegisterStep power_on_step{
    {"power_on", "power_on: UNIT | DUT | {unit: ID} | {appliance: ID} | {dut: ID}",
     [](StepParser& p, const YAML::Node& n) { return make_power(p, n, "power_on", true); }}};
const RegisterStep power_cycle_step{
    {"power_cycle", "power_cycle: {unit: ID | appliance: ID | dut: ID, off_for: 10s}",
     parse_power_cycle}};

}  // namespace
}  // namespace hemsrig::scenario
