#include "rig/world/world.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>

#include "devices/aiseg2/sqlite_history_store.hpp"
#include "devices/bench/simulated_channels.hpp"
#include "rig/dut/dut.hpp"
#include "rig/dut/dut_channel.hpp"
#include "sim/http/fault_admin.hpp"
#include "sim/http/http_server.hpp"
#include "sim/net/address_plan.hpp"
#include "sim/net/local_fabric.hpp"
#include "sim/net/netns_fabric.hpp"
#include "sim/net/udp_fabric.hpp"
#include "sim/tls/test_ca.hpp"

namespace hemsrig::rig {

World::World(WorldSpec spec, WorldOptions options)
    : spec_(std::move(spec)), options_(std::move(options)) {}

World::~World() {
  stop();
  if (!cloud_ca_temp_dir_.empty()) {
    std::error_code ec;  // best effort: a leftover temporary CA harms nothing
    std::filesystem::remove_all(cloud_ca_temp_dir_, ec);
  }
}

std::string World::cloud_ca_file() const {
  return cloud_ca_file_;
}

Result<std::unique_ptr<World>> World::create(const WorldSpec& spec,
                                             const echonet::ProfileLibrary& profiles,
                                             WorldOptions options) {
  std::unique_ptr<World> w(new World(spec, options));
  sim::EngineOptions eo;
  eo.mode = options.mode;
  eo.seed = options.seed.value_or(spec.seed);
  if (spec.start) eo.epoch = *spec.start;
  eo.speed = options.speed;
  w->engine_ = std::make_unique<sim::Engine>(eo);

  const bool real_sockets =
      spec.fabric.kind == FabricSpec::Kind::Udp ||
      (spec.fabric.kind == FabricSpec::Kind::Auto && options.mode == sim::ClockMode::Realtime);
  if (spec.fabric.kind == FabricSpec::Kind::Netns) {
    auto f = sim::NetnsFabric::create(*w->engine_);  // errors say why (root only)
    if (!f) return f.error();
    w->fabric_ = std::move(*f);
  } else if (real_sockets) {
    sim::UdpFabricOptions fo;
    fo.interface_name = options.interface_name.value_or(spec.fabric.interface_name);
    auto f = sim::UdpFabric::create(*w->engine_, fo);
    if (!f) return f.error();
    w->fabric_ = std::move(*f);
  } else {
    w->fabric_ = std::make_unique<sim::LocalFabric>(*w->engine_);
  }

  // Each frame is recorded once: when a node of ours sends it, or when it
  // arrives from outside (a real controller or DUT), never as the received
  // copy of our own frame.
  for (const ApplianceSpec& a : spec.appliances) {
    if (a.address) w->own_addresses_.insert(a.address->to_uint());
  }
  if (!options.trace_path.empty()) {
    auto t = trace::Trace::open(options.trace_path);
    if (!t) return t.error();
    w->trace_.emplace(std::move(*t));
  }
  if (!options.pcap_path.empty()) {
    auto p = trace::PcapWriter::open(options.pcap_path);
    if (!p) return p.error();
    w->pcap_.emplace(std::move(*p));
  }
  if (w->trace_ || w->pcap_) {
    World* self = w.get();
    w->fabric_->observe([self](sim::Direction d, const sim::Datagram& dg, sim::Time t) {
      if (d == sim::Direction::Received && self->own_addresses_.contains(dg.from.address.to_uint()))
        return;
      if (self->trace_) self->trace_->frame(d, dg, t);
      if (self->pcap_) (void)self->pcap_->write(dg, self->engine_->calendar_now());
    });
  }
  w->household_ = std::make_unique<echonet::Household>(*w->engine_, spec.physics_step);

  // Nodes in order of first appearance; addresses from the file or the plan.
  const sim::Ipv4 base = options.base_address.value_or(spec.fabric.base_address);
  std::uint32_t next_index = 0;
  for (const ApplianceSpec& a : spec.appliances) {
    if (!w->nodes_.contains(a.node)) {
      echonet::NodeOptions no;
      if (a.address) {
        no.address = *a.address;
      } else {
        // Skip addresses that the file gave to other nodes (already in own_addresses_).
        do {
          no.address = sim::loopback_address(next_index++, base.to_uint());
        } while (w->own_addresses_.contains(no.address.to_uint()));
      }
      w->own_addresses_.insert(no.address.to_uint());
      no.name = a.node;
      no.multicast_answer_spread = spec.fabric.multicast_answer_spread;
      if (a.manufacturer) no.manufacturer = *a.manufacturer;
      auto node = std::make_unique<echonet::Node>(*w->engine_, *w->fabric_, profiles, no);
      if (w->trace_) {
        node->on_change([tr = &*w->trace_, engine = w->engine_.get()](
                            const echonet::Node& n, const echonet::PropertyChange& c) {
          tr->property(engine->now(), n.name(), c.eoj, c.epc, c.old_value, c.new_value, c.cause);
        });
        node->on_error([tr = &*w->trace_, engine = w->engine_.get()](
                           const echonet::Node& n, const Error& e, const sim::UdpEndpoint& from) {
          tr->event(engine->now(), "malformed_frame",
                    {{"node", n.name()},
                     {"from", sim::to_string(from)},
                     {"code", e.code},
                     {"message", e.message}});
        });
      }
      w->node_order_.push_back(a.node);
      w->nodes_.emplace(a.node, std::move(node));
    }
    echonet::Node& node = *w->nodes_.at(a.node);
    auto obj = node.add_object(a.class_code, a.instance);
    if (!obj)
      return make_error(obj.error().code,
                        fmt::format("appliance {}: {}", a.id, obj.error().message));
    echonet::EchonetObject* o = *obj;
    for (const auto& [epc, edt] : a.initial) o->write_unchecked(epc, edt, "initial");
    for (const auto& [epc, delay] : a.response_delays) o->set_response_delay(epc, delay);
    if (a.fault) (void)node.raise_fault(o->eoj(), *a.fault);
    auto behaviour = echonet::make_behaviour(a.class_code, a.physics);
    if (!behaviour)
      return make_error(behaviour.error().code,
                        fmt::format("appliance {}: {}", a.id, behaviour.error().message));
    o->set_behaviour(std::move(*behaviour));
    echonet::Node* np = &node;
    w->household_->add(*o, [np] { return np->powered(); });
    w->appliances_.emplace(a.id, std::make_pair(a.node, o->eoj()));
  }

  // The mock cloud listens first: units need its URL.
  if (spec.cloud) {
    cloud::CloudOptions co;
    co.club_id.verification_link_lifetime = spec.cloud->verification_link_lifetime;
    co.app.model_change_code_lifetime = spec.cloud->model_change_code_lifetime;
    co.units.command_timeout = spec.cloud->command_timeout;
    co.state_dir = options.state_dir;
    // Faults per route or client, and the whole cloud offline (DOMAIN R10), each in the trace.
    w->cloud_faults_ = std::make_shared<http::FaultInjector>(*w->engine_);
    co.server.faults = w->cloud_faults_;
    if (w->trace_) {
      w->cloud_faults_->on_fault([tr = &*w->trace_,
                                  engine = w->engine_.get()](const http::FaultEvent& e) {
        tr->event(engine->now(), "cloud.fault",
                  nlohmann::json{
                      {"rule", e.rule_id},
                      {"fault", e.kind},
                      {"method", e.method},
                      {"path", e.path},
                      {"client", e.client},
                      {"delay_ms",
                       std::chrono::duration_cast<std::chrono::milliseconds>(e.delay).count()}});
      });
    }
    if (spec.cloud->tls) {
      // HTTPS with a certificate of the rig's test CA: the one of `--state DIR` (DIR/tls, what
      // `hemsrig ca export --state DIR` prints), else a fresh one in a folder removed with us.
      std::string ca_dir = tls::test_ca_dir(options.state_dir);
      if (ca_dir.empty()) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "hemsrig-ca-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
          return make_error("tls_state", "cloud: cannot make a temporary folder for the test CA");
        ca_dir = w->cloud_ca_temp_dir_ = pattern;
      }
      auto ca = tls::TestCa::load_or_create(ca_dir);
      if (!ca) return make_error(ca.error().code, "cloud: " + ca.error().message);
      std::vector<std::string> names{spec.cloud->address};
      // On the netns fabric, hosts reach the cloud at the bridge's address
      // (NetnsFabric::forward_tcp).
      if (auto* netns = dynamic_cast<sim::NetnsFabric*>(w->fabric_.get()))
        names.push_back(netns->bridge_address().to_string());
      auto identity = ca->issue_server_identity(names);
      if (!identity) return make_error(identity.error().code, "cloud: " + identity.error().message);
      co.server.tls = std::move(*identity);
      w->cloud_ca_file_ = ca->certificate_file();
      w->cloud_ca_pem_ = ca->certificate_pem();
    }
    w->cloud_ = std::make_unique<cloud::MockCloud>(*w->engine_, co);
    http::add_fault_admin_routes(w->cloud_->router(), w->cloud_faults_);
    // DOMAIN R60-R66: the speaker link, account linking and Google fulfilment.
    w->speakers_ = std::make_unique<cloud::SpeakerServices>(*w->cloud_);
    if (auto st = w->speakers_->install(); !st)
      return make_error(st.error().code, "cloud: " + st.error().message);
    if (w->trace_) {
      w->cloud_->on_event(
          [tr = &*w->trace_, engine = w->engine_.get()](const cloud::CloudEvent& e) {
            tr->event(engine->now(), e.kind, e.detail);
          });
    }
    for (const auto& f : spec.cloud->firmware) {
      // The image is made up, but the same for the same version, so checksums repeat.
      aiseg2::Bytes image(f.size);
      std::uint64_t x = std::hash<std::string>{}(f.model + f.version);
      for (auto& b : image)
        b = static_cast<std::uint8_t>((x = x * 6364136223846793005ULL + 1) >> 56);
      w->cloud_->firmware().publish(f.model, f.version, f.release_notes, std::move(image));
    }
    if (auto st = w->cloud_->open_state(); !st)
      return make_error(st.error().code, "cloud: " + st.error().message);
    // Seeded CLUB IDs; with --state an account kept from an earlier run stays as it is.
    for (const auto& a : spec.cloud->accounts) {
      if (w->cloud_->club_ids().find(a.email) != nullptr) continue;
      if (auto st = w->cloud_->club_ids().seed(a.email, a.password, a.verified, a.phone); !st)
        return make_error(st.error().code,
                          fmt::format("cloud account {}: {}", a.email, st.error().message));
    }
    if (auto st = w->cloud_->listen(spec.cloud->address, spec.cloud->port); !st)
      return make_error(st.error().code, "cloud: " + st.error().message);
  }
  // Units get the names the appliances have in the world file, as a person gave them on the unit.
  std::map<std::string, std::string> names;
  for (const ApplianceSpec& a : spec.appliances) {
    const auto& [node_key, eoj] = w->appliances_.at(a.id);
    names[w->nodes_.at(node_key)->address().to_string() + "/" + echonet::to_string(eoj)] = a.name;
  }
  for (const UnitSpec& us : spec.units) {
    aiseg2::UnitOptions uo;
    uo.id = us.id;
    uo.model = us.model;
    uo.device_code = us.device_code;
    uo.access_password = us.access_password;
    uo.firmware = us.firmware;
    if (us.address) {
      uo.address = *us.address;
    } else {
      do {
        uo.address = sim::loopback_address(next_index++, base.to_uint());
      } while (w->own_addresses_.contains(uo.address.to_uint()));
    }
    w->own_addresses_.insert(uo.address.to_uint());
    uo.cloud_url = us.online && w->cloud_ ? w->cloud_->url() : std::string{};
    uo.cloud_ca_pem = w->cloud_ca_pem_;
    uo.web_address = us.web_address;
    uo.web_port = us.web_port;
    if (options.ssdp_port) uo.ssdp_port = *options.ssdp_port;
    uo.firmware_options.install_time = us.install_time;
    uo.firmware_options.reboot_time = us.reboot_time;
    uo.firmware_options.banks = us.single_bank ? aiseg2::BankMode::Single : aiseg2::BankMode::Dual;
    uo.appliance_names = names;
    if (!options.state_dir.empty()) {
      auto store =
          aiseg2::SqliteHistoryStore::open(options.state_dir + "/" + us.id + "-history.sqlite");
      if (!store)
        return make_error(store.error().code,
                          fmt::format("unit {}: {}", us.id, store.error().message));
      uo.history = std::move(*store);
    }
    auto unit = aiseg2::Unit::create(*w->engine_, *w->fabric_, profiles, std::move(uo));
    if (!unit)
      return make_error(unit.error().code, fmt::format("unit {}: {}", us.id, unit.error().message));
    w->units_.emplace(us.id, std::move(*unit));
  }
  // Devices under test (docs/dut.md): a controller's node and the rig's probe address are
  // planned like a unit's, but not added to own_addresses_: the DUT's frames come from
  // outside and are traced as received.
  std::unordered_set<std::uint32_t> dut_addresses;
  auto plan_dut_address = [&] {
    sim::Ipv4 a;
    do {
      a = sim::loopback_address(next_index++, base.to_uint());
    } while (w->own_addresses_.contains(a.to_uint()) || dut_addresses.contains(a.to_uint()));
    dut_addresses.insert(a.to_uint());
    return a;
  };
  for (const dut::DutSpec& ds : spec.duts) {
    if (ds.address) dut_addresses.insert(ds.address->to_uint());
  }
  for (const dut::DutSpec& ds : spec.duts) {
    dut::DutPlace place;
    if (ds.role == dut::DutRole::Controller) {
      place.address = ds.address ? *ds.address : plan_dut_address();
      if (ds.adapter == dut::DutAdapterKind::Process || ds.ready == dut::DutReady::Announce)
        place.probe_from = plan_dut_address();
    }
    if (!options.state_dir.empty()) place.state_dir = options.state_dir + "/dut-" + ds.id;
    // On the netns fabric a controller the rig starts runs in a host of its own (docs/dut.md).
    auto* netns = dynamic_cast<sim::NetnsFabric*>(w->fabric_.get());
    if (netns != nullptr && ds.role == dut::DutRole::Controller &&
        ds.adapter == dut::DutAdapterKind::Process) {
      auto host = netns->add_host(place.address);
      if (!host)
        return make_error(host.error().code,
                          fmt::format("DUT {}: {}", ds.id, host.error().message));
      place.netns = *host;
    }
    World* self = w.get();
    place.values = [self, ds, address = place.address] {
      return self->dut_template_values(ds, address);
    };
    auto d = dut::Dut::create(*w->engine_, *w->fabric_, w->trace_ ? &*w->trace_ : nullptr, ds,
                              std::move(place));
    if (!d) return d.error();
    w->duts_.push_back(std::move(*d));
  }
  if (spec.bench) {
    if (auto st = w->create_bench(*spec.bench); !st) return st.error();
  }
  // On the netns fabric the cloud and the bench are reachable from every host too, at the
  // bridge's address (the units' web pages when a DUT's templates ask for them).
  if (auto* netns = dynamic_cast<sim::NetnsFabric*>(w->fabric_.get())) {
    if (w->cloud_ && w->cloud_->server() != nullptr) {
      if (auto f = netns->forward_tcp(w->cloud_->server()->local_endpoint()); !f)
        return make_error(f.error().code, "cloud on the netns fabric: " + f.error().message);
    }
    if (w->bench_) {
      const std::string ep = w->bench_->endpoint();  // "127.0.0.1:1502"
      boost::system::error_code ec;
      const auto ip = boost::asio::ip::make_address(ep.substr(0, ep.rfind(':')), ec);
      const auto port = std::strtoul(ep.substr(ep.rfind(':') + 1).c_str(), nullptr, 10);
      if (ec || port == 0 || port > 65535)
        return make_error("bench_failed", "bench on the netns fabric: endpoint " + ep);
      if (auto f = netns->forward_tcp(
              boost::asio::ip::tcp::endpoint(ip, static_cast<std::uint16_t>(port)));
          !f)
        return make_error(f.error().code, "bench on the netns fabric: " + f.error().message);
    }
  }
  return w;
}

// Coil order (docs/bench.md): units in file order, then appliance nodes in order of first
// appearance.
Status World::create_bench(const BenchSpec& bs) {
  bench::BenchOptions bo;
  bo.address = bs.address;
  bo.port = bs.port;
  bo.unit_id = bs.unit_id;
  bench_ = std::make_unique<bench::ModbusBench>(*engine_, bo);
  for (const UnitSpec& us : spec_.units) {
    if (auto c = bench_->add_channel(bench::make_unit_channel(*units_.at(us.id), bs.unit_power_w));
        !c)
      return c.error();
  }
  for (const auto& key : node_order_) {
    if (auto c = bench_->add_channel(bench::make_node_channel(*nodes_.at(key))); !c)
      return c.error();
  }
  for (auto& d : duts_) {  // after the units and the appliance nodes (docs/dut.md)
    if (auto c = bench_->add_channel(dut::make_dut_channel(*d)); !c) return c.error();
  }
  if (trace_) {
    bench_->on_switch([this](const bench::PowerChannel& c, bool on, const Status& st) {
      nlohmann::json f{{"channel", c.name()}, {"power", on ? "on" : "off"}};
      if (!st) f["error"] = st.error().message;
      trace_->event(engine_->now(), "bench_switch", f);
    });
  }
  if (auto st = bench_->listen(); !st)
    return make_error(st.error().code, "modbus bench: " + st.error().message);
  return ok_status();
}

Status World::start() {
  // A node is switched on when any appliance on it is marked powered.
  std::unordered_set<std::string> powered;
  for (const auto& a : spec_.appliances) {
    if (a.powered) powered.insert(a.node);
  }
  for (const auto& key : node_order_) {
    if (!powered.contains(key)) continue;
    if (auto st = nodes_.at(key)->power_on(); !st) {
      return make_error(st.error().code,
                        fmt::format("node {} ({}): {}", key, nodes_.at(key)->address().to_string(),
                                    st.error().message));
    }
  }
  household_->start();
  for (const UnitSpec& us : spec_.units) {
    if (auto st = units_.at(us.id)->power_on(); !st) {
      return make_error(st.error().code, fmt::format("unit {}: {}", us.id, st.error().message));
    }
  }
  for (auto& d : duts_) {
    if (auto st = d->power_on(); !st) return st;
  }
  return ok_status();
}

dut::Dut* World::dut(const std::string& id) {
  for (auto& d : duts_) {
    if (d->id() == id) return d.get();
  }
  return nullptr;
}

// What {name} stands for in a DUT's command and environment (docs/dut.md).
dut::TemplateValues World::dut_template_values(const dut::DutSpec& ds, sim::Ipv4 address) const {
  dut::TemplateValues v;
  auto& m = v.values;
  m["id"] = ds.id;
  m["scenario_dir"] = ds.base_dir;
  m["address"] = ds.role == dut::DutRole::Controller ? address.to_string() : std::string{};
  const auto* udp = dynamic_cast<const sim::UdpFabric*>(fabric_.get());
  m["interface"] = udp != nullptr ? udp->interface_address().to_string() : "127.0.0.1";
  m["multicast"] = fabric_->multicast_group().address.to_string();
  m["echonet_port"] = std::to_string(fabric_->multicast_group().port);
  m["cloud_url"] = cloud_url();
  // A DUT in a host of its own on the netns fabric sees its eth0, and reaches the rig's TCP
  // services at the bridge's address (NetnsFabric::forward_tcp).
  auto* netns = dynamic_cast<sim::NetnsFabric*>(fabric_.get());
  const bool hosted = netns != nullptr && !netns->namespace_of(address).empty() &&
                      ds.role == dut::DutRole::Controller;
  auto from_host = [&](const std::string& url) {
    const auto scheme_end = url.find("://");
    const auto port_at = url.rfind(':');
    if (!hosted || scheme_end == std::string::npos || port_at <= scheme_end) return url;
    const auto path_at = url.find('/', port_at);
    boost::system::error_code ec;
    const auto ip =
        boost::asio::ip::make_address(url.substr(scheme_end + 3, port_at - scheme_end - 3), ec);
    const auto port =
        std::strtoul(url.substr(port_at + 1, path_at - port_at - 1).c_str(), nullptr, 10);
    if (ec || port == 0 || port > 65535) return url;
    auto f =
        netns->forward_tcp(boost::asio::ip::tcp::endpoint(ip, static_cast<std::uint16_t>(port)));
    if (!f) return url;  // the DUT then fails to connect, and says so in its output
    return url.substr(0, scheme_end + 3) + f->address().to_string() + ":" +
           std::to_string(f->port()) + (path_at == std::string::npos ? "" : url.substr(path_at));
  };
  if (hosted) {
    m["interface"] = address.to_string();
    m["cloud_url"] = from_host(m["cloud_url"]);
  }
  m["ca_file"] = cloud_ca_file();
  m["speed"] = fmt::format("{}", engine_->speed());
  m["device_code"] = ds.device_code;
  m["model"] = ds.model;
  m["firmware"] = ds.firmware;
  m["ssdp_port"] = "";
  for (const UnitSpec& us : spec_.units) {
    const aiseg2::Unit& u = *units_.at(us.id);
    if (m["ssdp_port"].empty() && u.ssdp_endpoint().second != 0)
      m["ssdp_port"] = std::to_string(u.ssdp_endpoint().second);
    m["unit_address:" + us.id] = u.node().address().to_string();
    m["unit_web_url:" + us.id] = from_host(u.web_url());
  }
  return v;
}

void World::stop() {
  for (auto& d : duts_) d->stop();  // SIGTERM, then SIGKILL after its stop_timeout
  if (bench_) bench_->stop();
  for (auto& [id, unit] : units_) unit->power_off();
  if (cloud_) cloud_->stop();
  if (household_) household_->stop();
  for (auto& [key, node] : nodes_) node->power_off();
  if (trace_) trace_->flush();
  if (pcap_) (void)pcap_->flush();
}

echonet::Node* World::node(const std::string& key) {
  auto it = nodes_.find(key);
  return it == nodes_.end() ? nullptr : it->second.get();
}

echonet::Node* World::node_of(const std::string& appliance_id) {
  auto it = appliances_.find(appliance_id);
  return it == appliances_.end() ? nullptr : node(it->second.first);
}

echonet::EchonetObject* World::appliance(const std::string& id) {
  auto it = appliances_.find(id);
  if (it == appliances_.end()) return nullptr;
  return node(it->second.first)->object(it->second.second);
}

std::vector<std::string> World::node_keys() const {
  return node_order_;
}

std::vector<Endpoint> World::endpoints() const {
  std::vector<Endpoint> out;
  out.push_back(Endpoint{"echonet-multicast", "group", sim::to_string(fabric_->multicast_group()),
                         fabric_->describe()});
  // "0x013001 living_ac (リビングエアコン), ..." per node, in one pass over the appliances.
  std::map<std::string, std::string> details;
  for (const auto& a : spec_.appliances) {
    std::string& detail = details[a.node];
    detail += fmt::format("{}{} {}", detail.empty() ? "" : ", ",
                          echonet::to_string(appliances_.at(a.id).second), a.id);
    if (a.name != a.id) detail += fmt::format(" ({})", a.name);
  }
  for (const auto& key : node_order_) {
    const echonet::Node& n = *nodes_.at(key);
    const std::string& detail = details[key];
    out.push_back(Endpoint{"echonet-node", key,
                           sim::to_string(sim::UdpEndpoint{n.address(), echonet::kPort}),
                           n.powered() ? detail : detail + " [off]"});
  }
  if (cloud_)
    out.push_back(Endpoint{"cloud", "cloud", cloud_->url(),
                           "mock cloud: CLUB ID, app, server service, unit channel, firmware; "
                           "API /openapi.json"});
  if (!cloud_ca_file_.empty())
    out.push_back(Endpoint{"cloud-ca", "cloud", cloud_ca_file_,
                           "test CA of the cloud's HTTPS (PEM): tell a real app or firmware to "
                           "trust it"});
  for (const UnitSpec& us : spec_.units) {
    const aiseg2::Unit& unit = *units_.at(us.id);
    out.push_back(Endpoint{"aiseg2-unit", us.id,
                           sim::to_string(sim::UdpEndpoint{unit.node().address(), echonet::kPort}),
                           fmt::format("{} {} device code {} controller 0x05FF01", us.model,
                                       unit.firmware().running_version(), us.device_code)});
    if (!unit.web_url().empty()) {
      out.push_back(Endpoint{"aiseg2-web", us.id, unit.web_url(), "digest auth user aiseg"});
    }
  }
  if (bench_) {
    out.push_back(
        Endpoint{"modbus-bench", "bench", bench_->endpoint(),
                 fmt::format("modbus tcp unit {}, {} channels (coils 0-{})", bench_->unit_id(),
                             bench_->channel_count(), bench_->channel_count() - 1)});
    for (std::size_t i = 0; i < bench_->channel_count(); ++i) {
      bench::PowerChannel& c = bench_->channel(i);
      out.push_back(
          Endpoint{"modbus-channel", c.name(), bench_->endpoint(),
                   fmt::format("coil {} input registers {}-{} {}", i, i * 6, i * 6 + 5, c.kind())});
    }
  }
  for (const auto& d : duts_) {
    const bool controller = d->spec().role == dut::DutRole::Controller;
    out.push_back(Endpoint{
        "dut", d->id(),
        controller ? sim::to_string(sim::UdpEndpoint{d->address(), echonet::kPort}) : "",
        fmt::format("{} {}{}", dut::to_string(d->spec().role),
                    d->spec().adapter == dut::DutAdapterKind::Process ? "process" : "external",
                    d->running() ? fmt::format(" pid {}", d->pid()) : "")});
  }
  return out;
}

}  // namespace hemsrig::rig
