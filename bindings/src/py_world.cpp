#include "py_world.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <unordered_set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "errors.hpp"
#include "rig/dut/dut.hpp"
#include "rig/scenario/scenario.hpp"

namespace hemsrig::py {

namespace pyb = pybind11;

namespace {

// The bundled class profiles, as the CLI loads them (rig/cli/common.cpp).
std::unique_ptr<echonet::ProfileLibrary> bundled_profiles() {
  auto lib = std::make_unique<echonet::ProfileLibrary>();
  if (auto st = lib->load_yaml(echonet::ProfileLibrary::bundled_dir()); !st)
    raise_error(st.error());
  return lib;
}

// A scenario file has steps; a world file has none.
bool is_scenario_file(const std::string& path) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    return root.IsMap() && root["steps"].IsDefined();
  } catch (const YAML::Exception&) {
    return false;  // the world loader reports the syntax error with its position
  }
}

std::string make_temp_dir() {
  static std::atomic<int> counter{0};
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hemsrig-py-" + std::to_string(::getpid()) +
                                                    "-" + std::to_string(counter.fetch_add(1)));
  fs::create_directories(dir);
  return dir.string();
}

}  // namespace

rig::WorldLoad PyWorld::read(const std::string& path, LoadOptions& options,
                             const echonet::ProfileLibrary& profiles) {
  try {
    if (!is_scenario_file(path)) return rig::load_world_file(path, profiles);
    auto s = scenario::load_scenario_file(path, profiles);
    if (!s.scenario) raise_world_file(s.diagnostics);
    if (s.scenario->seed && !options.seed) options.seed = s.scenario->seed;
    if (!options.speed && !s.scenario->world.duts.empty()) options.speed = s.scenario->speed;
    rig::WorldLoad load;
    load.spec = s.scenario->world;
    return load;
  } catch (const YAML::Exception& e) {
    raise_world_file({rig::Diagnostic{path, e.mark.line + 1, e.mark.column + 1, e.msg}});
  }
}

std::shared_ptr<PyWorld> PyWorld::load(const std::string& path, const LoadOptions& options) {
  if (!std::filesystem::exists(path))
    raise_world_file({rig::Diagnostic{path, 0, 0, "no such file"}});
  auto profiles = bundled_profiles();
  LoadOptions o = options;
  rig::WorldLoad load = read(path, o, *profiles);
  return build(std::move(load), o, std::move(profiles));
}

std::shared_ptr<PyWorld> PyWorld::from_yaml(const std::string& text, const LoadOptions& options) {
  auto profiles = bundled_profiles();
  rig::WorldLoad load;
  try {
    load = rig::load_world_text(text, "<yaml>", *profiles);
  } catch (const YAML::Exception& e) {
    raise_world_file({rig::Diagnostic{"<yaml>", e.mark.line + 1, e.mark.column + 1, e.msg}});
  }
  return build(std::move(load), options, std::move(profiles));
}

std::shared_ptr<PyWorld> PyWorld::build(rig::WorldLoad load, const LoadOptions& options,
                                        std::unique_ptr<echonet::ProfileLibrary> profiles) {
  if (!load.spec) raise_world_file(load.diagnostics);
  std::shared_ptr<PyWorld> w(new PyWorld());
  w->profiles_ = std::move(profiles);
  w->name_ = load.spec->name;
  rig::WorldOptions wo;
  // A device under test lives on the wall clock, as in `hemsrig run` (docs/dut.md).
  const bool with_dut = !load.spec->duts.empty();
  const bool realtime = options.realtime.value_or(with_dut);
  if (with_dut && !realtime) {
    raise_error(make_error("dut_needs_realtime",
                           "world " + load.spec->name + " has a DUT ('" + load.spec->duts[0].id +
                               "'), which runs on the wall clock: leave realtime unset or True"));
  }
  const double speed = options.speed.value_or(1.0);
  if (!(speed > 0 && speed <= 10000)) {
    raise_error(
        make_error("invalid_speed",
                   fmt::format("speed must be more than 0 and at most 10000, found {}", speed)));
  }
  if (!realtime && speed != 1.0) {
    raise_error(make_error("invalid_speed",
                           "speed is for real time (realtime=True, or a world with a DUT); "
                           "virtual time runs as fast as it can anyway"));
  }
  wo.mode = realtime ? sim::ClockMode::Realtime : sim::ClockMode::Virtual;
  wo.speed = speed;
  wo.seed = options.seed;
  wo.ssdp_port = 0;  // worlds side by side (pytest -n) must not answer each other's apps
  if (options.base_address) {
    boost::system::error_code ec;
    wo.base_address = boost::asio::ip::make_address_v4(*options.base_address, ec);
    if (ec) {
      raise_error(make_error("invalid_address", "base_address '" + *options.base_address +
                                                    "' is not an IPv4 address"));
    }
  }
  if (options.trace_path.empty() || options.pcap_path.empty()) w->temp_dir_ = make_temp_dir();
  w->trace_path_ = options.trace_path.empty() ? w->temp_dir_ + "/trace.jsonl" : options.trace_path;
  w->pcap_path_ = options.pcap_path.empty() ? w->temp_dir_ + "/frames.pcap" : options.pcap_path;
  wo.trace_path = w->trace_path_;
  wo.pcap_path = w->pcap_path_;
  auto world = rig::World::create(*load.spec, *w->profiles_, wo);
  if (!world) raise_error(world.error());
  w->world_ = std::move(*world);
  w->listen_to_units();
  w->listen_to_frames();
  return w;
}

void PyWorld::listen_to_frames() {
  // As the scenario's `frame` checks see them: sent by a node of ours, or from outside.
  std::unordered_set<std::uint32_t> own;
  for (const std::string& key : world_->node_keys())
    own.insert(world_->node(key)->address().to_uint());
  for (const rig::UnitSpec& us : world_->spec().units) {
    if (aiseg2::Unit* u = world_->unit(us.id)) own.insert(u->node().address().to_uint());
  }
  world_->fabric().observe([this, own](sim::Direction d, const sim::Datagram& dg, sim::Time t) {
    if (d == sim::Direction::Received && own.contains(dg.from.address.to_uint())) return;
    auto msg = echonet::decode(dg.bytes);
    if (!msg || !std::holds_alternative<echonet::Frame>(*msg)) return;
    frames_.push_back(FrameSeen{sim::to_seconds(t), sim::to_string(dg.from), sim::to_string(dg.to),
                                std::get<echonet::Frame>(std::move(*msg))});
    if (frames_.size() > kMaxFrames) frames_.pop_front();
  });
}

PyWorld::~PyWorld() {
  subscriptions_.clear();  // no Python callback runs while the world goes down
  if (world_) world_->stop();
  // The scripted clients hold the engine: they go before the world.
  googles_.clear();
  apps_.clear();
  world_.reset();
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

void PyWorld::start() {
  if (started_) return;
  if (auto st = world_->start(); !st) raise_error(st.error());
  started_ = true;
  raise_kept();
}

void PyWorld::stop() {
  if (!world_) return;
  {
    // DUT processes get their stop_timeout to end after SIGTERM: other Python threads go on.
    pyb::gil_scoped_release release;
    world_->stop();
  }
  started_ = false;
}

double PyWorld::now() const {
  return sim::to_seconds(world_->engine().now());
}

void PyWorld::advance(sim::Duration d) {
  if (d.count() < 0)
    raise_error(make_error("invalid_duration", "cannot advance by a negative time"));
  poll_signals(true);
  {
    pyb::gil_scoped_release release;
    engine().run_for(d);
  }
  poll_signals(false);
  raise_kept();
}

void PyWorld::poll_signals(bool on) {
  if (engine().mode() != sim::ClockMode::Realtime) return;  // virtual runs are not slowed down
  if (signal_timer_ != 0) engine().cancel(signal_timer_);
  signal_timer_ = 0;
  if (!on) return;
  const auto every = std::chrono::duration_cast<sim::Duration>(
      std::chrono::duration<double>(0.1 * engine().speed()));
  signal_timer_ = engine().after(every, [this] {
    signal_timer_ = 0;
    {
      pyb::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) {
        keep_exception(pyb::error_already_set());  // stops the engine
        return;
      }
    }
    poll_signals(true);
  });
}

bool PyWorld::run_until(const pyb::function& pred, sim::Duration timeout) {
  auto check = [this, &pred]() -> bool {
    pyb::gil_scoped_acquire acquire;
    if (kept_) return true;
    try {
      const int truth = PyObject_IsTrue(pred().ptr());
      if (truth < 0) throw pyb::error_already_set();
      return truth == 1;
    } catch (pyb::error_already_set& e) {
      keep_exception(std::move(e));
      return true;
    }
  };
  bool done = false;
  poll_signals(true);
  {
    pyb::gil_scoped_release release;
    done = engine().run_until(check, timeout);
  }
  poll_signals(false);
  raise_kept();
  return done;
}

bool PyWorld::run_until_native(const std::function<bool()>& pred, sim::Duration timeout) {
  bool done = false;
  poll_signals(true);
  {
    pyb::gil_scoped_release release;
    done = engine().run_until([&] { return pred() || kept_.has_value(); }, timeout);
  }
  poll_signals(false);
  raise_kept();
  return done;
}

void PyWorld::keep_exception(pyb::error_already_set&& e) {
  if (!kept_) kept_.emplace(std::move(e));
  engine().stop();
}

void PyWorld::raise_kept() {
  if (!kept_) return;
  pyb::error_already_set e = std::move(*kept_);
  kept_.reset();
  throw e;
}

int PyWorld::subscribe(pyb::function callback, std::string unit, std::string source) {
  const int id = next_subscription_++;
  subscriptions_.push_back(
      Subscription{id, std::move(callback), std::move(unit), std::move(source)});
  return id;
}

bool PyWorld::unsubscribe(int id) {
  return std::erase_if(subscriptions_, [id](const Subscription& s) { return s.id == id; }) > 0;
}

void PyWorld::record(Event e) {
  if (events_.size() >= kMaxEvents) events_.pop_front();
  events_.push_back(e);
  if (subscriptions_.empty()) return;
  pyb::gil_scoped_acquire acquire;
  if (kept_) return;  // the run is ending with an exception already
  std::vector<pyb::function> targets;
  for (const auto& s : subscriptions_) {
    if (!s.unit.empty() && s.unit != e.unit) continue;
    if (!s.source.empty() && s.source != e.source) continue;
    targets.push_back(s.callback);
  }
  if (targets.empty()) return;
  pyb::object event = pyb::cast(std::move(e));
  for (const auto& cb : targets) {
    try {
      cb(event);
    } catch (pyb::error_already_set& ex) {
      keep_exception(std::move(ex));
      return;
    }
  }
}

void PyWorld::listen_to_units() {
  if (cloud::MockCloud* c = world_->cloud()) {
    c->on_event([this](const cloud::CloudEvent& ce) {
      Event e;
      e.t = now();
      e.source = "cloud";
      e.kind = ce.kind;
      e.detail = ce.detail.dump();
      record(std::move(e));
    });
  }
  for (const auto& us : world_->spec().units) {
    aiseg2::Unit* u = world_->unit(us.id);
    if (u == nullptr) continue;
    const std::string id = us.id;
    u->controller().add_listener([this, u, id](const aiseg2::ControllerEvent& ce) {
      if (ce.kind == aiseg2::EventKind::ControlResult || ce.kind == aiseg2::EventKind::GetResult) {
        return;  // answers to requests: their callers see them
      }
      Event e;
      e.t = sim::to_seconds(ce.at);
      e.source = "controller";
      e.unit = id;
      e.kind = aiseg2::to_string(ce.kind);
      e.appliance = aiseg2::to_string(ce.key);
      if (const auto* r = u->registry().find(ce.key)) e.name = r->name;
      if (ce.kind == aiseg2::EventKind::StateChanged) {
        e.epc = ce.epc;
        e.old_value = ce.old_value;
        e.new_value = ce.new_value;
      }
      record(std::move(e));
    });
    u->firmware().on_event([this, id](const aiseg2::FirmwareEvent& fe) {
      Event e;
      e.t = now();
      e.source = "firmware";
      e.unit = id;
      e.kind = aiseg2::to_string(fe.kind);
      e.version = fe.version;
      e.detail = fe.detail;
      record(std::move(e));
    });
  }
}

aiseg2::Unit& PyWorld::unit(const std::string& id) {
  aiseg2::Unit* u = world_->unit(id);
  if (u == nullptr) {
    std::string known;
    for (const auto& us : world_->spec().units) known += (known.empty() ? "" : ", ") + us.id;
    raise_not_found("no unit '" + id + "' in world " + name_ +
                    " (units: " + (known.empty() ? "none" : known) + ")");
  }
  return *u;
}

echonet::EchonetObject& PyWorld::appliance(const std::string& id) {
  echonet::EchonetObject* o = world_->appliance(id);
  if (o == nullptr) {
    std::vector<std::string> ids;
    for (const auto& a : world_->spec().appliances) ids.push_back(a.id);
    const std::string near = rig::did_you_mean(id, ids);
    raise_not_found("no appliance '" + id + "' in world " + name_ +
                    (near.empty() ? "" : " (did you mean '" + near + "'?)"));
  }
  return *o;
}

dut::Dut& PyWorld::dut(const std::string& id) {
  dut::Dut* d = world_->dut(id);
  if (d == nullptr) {
    std::vector<std::string> ids;
    for (const auto& ds : world_->spec().duts) ids.push_back(ds.id);
    std::string known;
    for (const auto& i : ids) known += (known.empty() ? "" : ", ") + i;
    const std::string near = rig::did_you_mean(id, ids);
    raise_not_found("no DUT '" + id + "' in world " + name_ +
                    (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                    " (DUTs: " + (known.empty() ? "none: add a 'dut:' block" : known) + ")");
  }
  return *d;
}

std::string PyWorld::appliance_key(aiseg2::Unit& unit, const std::string& ref) {
  // A world id: its node's address and its object.
  if (echonet::EchonetObject* o = world_->appliance(ref)) {
    echonet::Node* node = world_->node_of(ref);
    return node->address().to_string() + "/" + echonet::to_string(o->eoj());
  }
  for (const auto* a : unit.registry().all()) {
    if (aiseg2::to_string(a->key) == ref) return ref;
  }
  if (auto key = unit.key_of(ref)) return *key;
  raise_not_found("no appliance '" + ref + "' on unit " + unit.options().id +
                  " (give a world id, a key such as 127.10.0.1/0x013001, or its name on the unit)");
}

}  // namespace hemsrig::py
