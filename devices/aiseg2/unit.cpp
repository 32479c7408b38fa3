#include "devices/aiseg2/unit.hpp"

#include <fmt/format.h>

#include "devices/aiseg2/http_firmware_source.hpp"
#include "devices/aiseg2/web/ssdp_responder.hpp"
#include "devices/aiseg2/web/unit_web_site.hpp"
#include "sim/http/http_server.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::aiseg2 {

namespace {

std::string hex(const echonet::Bytes& b) {
  std::string s;
  for (auto c : b) s += fmt::format("{:02X}", c);
  return s;
}

// The unit's own type codes on its web pages (AISEG2-FACTS "Appliances").
std::uint8_t web_type_of(std::uint16_t cls) {
  switch (cls) {
    case 0x0290:
    case 0x0291:
    case 0x02A3:
      return web_type::kLighting;
    case 0x0130:
      return web_type::kAirConditioner;
    case 0x027B:
      return web_type::kFloorHeating;
    case 0x026B:
      return web_type::kHeatPumpWaterHeater;
    default:
      return static_cast<std::uint8_t>(cls);
  }
}

// A cloud that is not configured answers every call "offline" (DOMAIN R10).
class NoCloud : public FirmwareSource {
 public:
  explicit NoCloud(sim::Engine& engine) : engine_(engine) {}
  void latest(const std::string&, std::function<void(Result<FirmwareRelease>)> done) override {
    engine_.after(sim::Duration::zero(),
                  [done] { done(make_error("offline", "the unit has no Internet connection")); });
  }
  void download(const FirmwareRelease&, std::function<void(Result<Bytes>)> done) override {
    engine_.after(sim::Duration::zero(),
                  [done] { done(make_error("offline", "the unit has no Internet connection")); });
  }

 private:
  sim::Engine& engine_;
};

}  // namespace

// Voice scenes and the web pages command appliances through the controller.
struct Unit::Parts : public ApplianceCommander, public UnitWebActions {
  explicit Parts(Unit& u) : unit(u) {}

  std::optional<ApplianceKey> key(std::string_view text) const {
    for (const auto* a : unit.registry_.all()) {
      if (to_string(a->key) == text) return a->key;
    }
    return std::nullopt;
  }

  void command(const std::string& key_text, std::vector<std::pair<std::uint8_t, Bytes>> sets,
               std::function<void(CommandOutcome)> done) override {
    const auto k = key(key_text);
    if (!k || sets.empty()) {
      done(CommandOutcome{false, "no such appliance on the unit: " + key_text, {}});
      return;
    }
    struct Gather {
      std::size_t left;
      CommandOutcome outcome{true, {}, {}};
      std::function<void(CommandOutcome)> done;
    };
    auto g = std::make_shared<Gather>(Gather{sets.size(), {true, {}, {}}, std::move(done)});
    for (auto& [epc, edt] : sets) {
      unit.controller_->control(*k, epc, edt, [g](const ControlResult& r) {
        if (r.outcome != ControlOutcome::Accepted) {
          g->outcome.ok = false;
          g->outcome.error += fmt::format("{}0x{:02X} {}", g->outcome.error.empty() ? "" : "; ",
                                          r.epc, to_string(r.outcome));
        }
        for (const auto& [e, v] : r.state_after)
          g->outcome.state[fmt::format("0x{:02X}", e)] = hex(v);
        if (--g->left == 0) g->done(std::move(g->outcome));
      });
    }
  }

  Result<std::string> start_control(const ControlRequest& request) override {
    const auto& list = site->state().appliances;
    const UnitWebState::Appliance* target = nullptr;
    for (const auto& a : list) {
      if (a.node_id == request.node_id && a.eoj == request.eoj) target = &a;
    }
    if (target == nullptr || target->node_id == 0 || target->node_id > web_keys.size()) {
      return make_error("unknown_appliance", fmt::format("no appliance nodeId {} eoj 0x{:06X}",
                                                         request.node_id, request.eoj));
    }
    const ApplianceKey k = web_keys[target->node_id - 1];
    std::vector<std::pair<std::uint8_t, Bytes>> sets;
    for (const auto& [name, value] : request.changes) {
      if (value == "-" || value.size() != 4 || value.rfind("0x", 0) != 0) continue;
      const auto v = static_cast<std::uint8_t>(std::stoul(value.substr(2), nullptr, 16));
      if (name == "onoff") sets.emplace_back(0x80, Bytes{v});
      if (name == "modulate") sets.emplace_back(0xB0, Bytes{v});
    }
    if (sets.empty()) return make_error("nothing_to_do", "the request changes nothing");
    const std::string id = std::to_string(next_accept_id++);
    statuses[id] = ControlStatus::Running;
    command(to_string(k), std::move(sets), [this, id](CommandOutcome o) {
      statuses[id] = o.ok ? ControlStatus::Done : ControlStatus::Failed;
    });
    return id;
  }

  ControlStatus control_status(const std::string& accept_id) override {
    auto it = statuses.find(accept_id);
    return it == statuses.end() ? ControlStatus::Failed : it->second;
  }

  Unit& unit;
  std::unique_ptr<UnitWebSite> site;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<SsdpResponder> ssdp;
  std::uint16_t ssdp_port = 0;         // kept across reboots
  std::uint16_t web_port = 0;          // kept across reboots
  std::vector<ApplianceKey> web_keys;  // nodeId - 1 -> appliance
  std::map<std::string, ControlStatus> statuses;
  std::uint64_t next_accept_id = 108946;
  const echonet::ProfileLibrary* profiles = nullptr;
};

Unit::Unit(sim::Engine& engine, UnitOptions options, const ModelInfo& model, DeviceCode code)
    : engine_(engine),
      options_(std::move(options)),
      model_(&model),
      code_(code),
      password_(AccessPassword::factory(code_)) {}

Unit::~Unit() {
  stop_network();
  if (parts_) parts_->server.reset();
}

Result<std::unique_ptr<Unit>> Unit::create(sim::Engine& engine, sim::Fabric& fabric,
                                           const echonet::ProfileLibrary& profiles,
                                           UnitOptions options) {
  auto model = require_model(options.model);  // DOMAIN R2
  if (!model) return model.error();
  auto code = DeviceCode::parse(options.device_code);  // DOMAIN R32
  if (!code) return code.error();
  std::unique_ptr<Unit> u(new Unit(engine, options, **model, *code));
  if (!options.access_password.empty()) {
    if (auto st = u->password_.change(options.access_password); !st) return st.error();
  }
  u->parts_ = std::make_unique<Parts>(*u);
  u->parts_->profiles = &profiles;
  u->parts_->web_port = options.web_port;
  u->parts_->ssdp_port = options.ssdp_port;

  echonet::NodeOptions no;
  no.address = options.address;
  no.name = options.id;
  u->node_ = std::make_unique<echonet::Node>(engine, fabric, profiles, no);
  if (auto obj = u->node_->add_object(0x05FF, 1); !obj) return obj.error();
  u->controller_ = std::make_unique<ApplianceController>(*u->node_, options.controller);
  Unit* self = u.get();
  u->controller_->add_listener([self](const ControllerEvent& e) { self->on_controller_event(e); });

  if (options.cloud_url.empty()) {
    u->firmware_source_ = std::make_unique<NoCloud>(engine);
  } else {
    http::HttpClientOptions fo;
    fo.ca_pem = options.cloud_ca_pem;
    u->firmware_source_ = std::make_unique<HttpFirmwareSource>(engine, options.cloud_url, fo);
  }
  u->firmware_ = std::make_unique<Firmware>(engine, *u->firmware_source_, options.model,
                                            options.firmware, options.firmware_options);
  u->firmware_->on_event([self](const FirmwareEvent& e) {
    // DOMAIN R12: the unit reboots after an install; a reboot really restarts it.
    if (e.kind == FirmwareEvent::Kind::ShuttingDown) self->stop_network();
    if (e.kind == FirmwareEvent::Kind::Booted && self->powered_) self->start_network();
  });
  u->server_service_ = std::make_unique<ServerService>(engine, *code, options.server_service);
  u->history_ = options.history ? options.history : std::make_shared<MemoryHistoryStore>();
  u->energy_ = std::make_unique<EnergyAccounting>(engine, u->registry_, *u->history_);
  // DOMAIN R50: re-registering the server service overwrites the accumulated data.
  u->server_service_->set_on_history_wiped([self] {
    self->history_->wipe();
    ++self->history_epoch_;
  });
  u->server_service_->set_on_changed([self] { self->cloud_state_changed(); });
  if (!options.cloud_url.empty()) {
    auto so = options.cloud_session;
    so.cloud_url = options.cloud_url;
    if (so.http.ca_pem.empty()) so.http.ca_pem = options.cloud_ca_pem;
    u->cloud_session_ = std::make_unique<CloudSession>(
        engine, std::move(so), [self] { return self->cloud_hello(); },
        [self] { return self->cloud_state(); },
        [self](const nlohmann::json& c, std::function<void(nlohmann::json)> done) {
          self->cloud_execute(c, std::move(done));
        });
  }
  u->voice_scenes_ = std::make_unique<VoiceSceneBook>(
      engine, u->lighting_scenes_, [self](std::string_view key) -> std::optional<std::uint16_t> {
        for (const auto* a : self->registry_.all()) {
          if (to_string(a->key) == key) return a->class_code;
        }
        return std::nullopt;
      });

  if (!options.web_address.empty()) {
    UnitWebState state;
    state.model = options.model;
    state.firmware = options.firmware;
    UnitWebSiteOptions wo;
    wo.password = [self] { return self->password_.text(); };
    wo.clock = [&engine] { return engine.now(); };
    u->parts_->site =
        std::make_unique<UnitWebSite>(std::move(state), std::move(wo), u->parts_.get());
    u->parts_->router = std::make_unique<http::Router>();
    u->parts_->site->install(*u->parts_->router);
    u->parts_->server = std::make_unique<http::HttpServer>(engine, u->parts_->router->handler());
  }
  return u;
}

Status Unit::power_on() {
  if (powered_) return ok_status();
  powered_ = true;
  if (firmware_->state() == FirmwareState::PoweredOff) {
    firmware_->power_restore();  // boots later (Booted starts the network), or stays unbootable
    return ok_status();
  }
  start_network();
  return up_ ? ok_status()
             : make_error("start_failed",
                          fmt::format("unit {} could not start its network", options_.id));
}

void Unit::power_off() {
  if (!powered_) return;
  powered_ = false;
  stop_network();
  firmware_->power_cut();
}

void Unit::start_network() {
  if (up_) return;
  if (auto st = node_->power_on(); !st) return;  // announces 0xD5
  if (parts_->server) {
    auto ep = parts_->server->listen(options_.web_address, parts_->web_port);
    if (ep) parts_->web_port = ep->port();  // the same port after every reboot
  }
  controller_->start();  // rediscovers the appliances
  energy_->start();
  up_ = true;
  if (cloud_session_) cloud_session_->start();  // hello again after every boot
  if (parts_->server && parts_->server->listening()) {
    // DOMAIN R30: the app's LAN search (SSDP) finds the unit and its description.
    SsdpOptions so;
    so.bind_address = "239.255.255.250";
    so.port = parts_->ssdp_port;
    so.interface_address = options_.ssdp_interface;
    so.location = web_url() + "/description.xml";
    so.answering = options_.on_lan;
    if (auto r = SsdpResponder::create(engine_, so)) {
      parts_->ssdp = std::move(*r);
      parts_->ssdp_port = parts_->ssdp->local_endpoint().port();
    }
  }
  refresh_web();
}

void Unit::stop_network() {
  if (!up_) return;
  up_ = false;
  if (cloud_session_) cloud_session_->stop();
  if (controller_) controller_->stop();
  if (energy_) energy_->stop();
  if (parts_) parts_->ssdp.reset();
  if (parts_ && parts_->server) parts_->server->stop();
  if (node_) node_->power_off();
}

void Unit::on_controller_event(const ControllerEvent& e) {
  if (e.kind == EventKind::Discovered && registry_.find(e.key) == nullptr) {
    const std::uint16_t cls = e.key.eoj.class_code();
    // The name a person gave it, else the class's title or short name, else its code:
    // the first that the registry takes (a title may be longer than a name may be).
    std::vector<std::string> names;
    if (auto it = options_.appliance_names.find(to_string(e.key));
        it != options_.appliance_names.end()) {
      names.push_back(it->second);
    }
    if (const auto* p = parts_->profiles->find(cls)) {
      names.push_back(p->title);
      names.push_back(p->name);
    }
    names.push_back(fmt::format("0x{:04X}", cls));
    for (auto& name : names) {
      if (!name.empty() && registry_.add(e.key, std::move(name), cls).ok()) break;
    }
  }
  registry_.apply(e);
  if (e.kind == EventKind::Discovered || e.kind == EventKind::Ready ||
      e.kind == EventKind::StateChanged || e.kind == EventKind::Removed) {
    refresh_web();
  }
  if (e.kind != EventKind::ControlResult && e.kind != EventKind::GetResult) cloud_state_changed();
}

void Unit::refresh_web() {
  if (!parts_ || !parts_->site) return;
  UnitWebState& s = parts_->site->state();
  s.firmware = firmware_->running_version();
  s.appliances.clear();
  parts_->web_keys.clear();
  for (const auto* a : registry_.all()) {
    parts_->web_keys.push_back(a->key);
    UnitWebState::Appliance w;
    w.node_id = static_cast<std::uint32_t>(parts_->web_keys.size());
    w.eoj = a->key.eoj.value();
    w.type = web_type_of(a->class_code);
    w.name = a->name;
    auto on = a->state.find(0x80);
    w.on = on != a->state.end() && on->second == Bytes{0x30};
    s.appliances.push_back(std::move(w));
  }
}

Status Unit::run_voice_scene(std::string_view name, std::function<void(SceneRun)> on_done) {
  if (!up_) return make_error("unit_down", fmt::format("unit {} is not running", options_.id));
  return voice_scenes_->run(name, *parts_, std::move(on_done));
}

ApplianceCommander& Unit::commander() {
  return *parts_;
}

void Unit::cloud_state_changed() {
  if (cloud_session_) cloud_session_->state_changed();
}

Status Unit::change_access_password(std::string_view text) {
  if (auto st = password_.change(text); !st) return st;
  cloud_state_changed();
  return ok_status();
}

std::optional<std::string> Unit::key_of(const std::string& name) const {
  auto found = registry_.find_by_name(name);
  if (found.size() != 1) return std::nullopt;
  return to_string(found[0]->key);
}

std::pair<std::string, std::uint16_t> Unit::ssdp_endpoint() const {
  if (!parts_->ssdp) return {"", 0};
  return {"239.255.255.250", parts_->ssdp->local_endpoint().port()};
}

void Unit::set_on_lan(bool on) {
  options_.on_lan = on;
  if (parts_->ssdp) parts_->ssdp->set_answering(on);
}

std::string Unit::web_url() const {
  if (!up_ || !parts_->server || !parts_->server->listening()) return {};
  return fmt::format("http://{}:{}", options_.web_address, parts_->web_port);
}

}  // namespace hemsrig::aiseg2
