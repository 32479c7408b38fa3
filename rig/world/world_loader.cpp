#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "rig/world/world_spec.hpp"

#include "devices/aiseg2/device_code.hpp"
#include "devices/aiseg2/model.hpp"
#include "devices/cloud/club_id.hpp"

namespace hemsrig::rig {

namespace {

using echonet::Bytes;

const std::vector<std::string> kTopKeys{"world",  "seed",       "start", "physics_step",
                                        "fabric", "appliances", "units", "cloud",
                                        "bench",  "duts",       "dut"};
const std::vector<std::string> kUnitKeys{"id",          "model",   "device_code", "access_password",
                                         "firmware",    "address", "web",         "install_time",
                                         "reboot_time", "banks",   "online"};
const std::vector<std::string> kWebKeys{"address", "port"};
const std::vector<std::string> kCloudKeys{"address",
                                          "port",
                                          "tls",
                                          "firmware",
                                          "accounts",
                                          "verification_link_lifetime",
                                          "model_change_code_lifetime",
                                          "command_timeout"};
const std::vector<std::string> kCloudAccountKeys{"email", "password", "verified", "phone"};
const std::vector<std::string> kCloudFirmwareKeys{"latest", "release_notes", "size"};
const std::vector<std::string> kBenchKeys{"address", "port", "unit_id", "unit_power_w"};
const std::vector<std::string> kFabricKeys{"kind", "interface", "base_address",
                                           "multicast_answer_spread"};
const std::vector<std::string> kApplianceKeys{"id",      "name",           "class",        "node",
                                              "address", "instance",       "manufacturer", "set",
                                              "physics", "response_delay", "powered",      "fault"};

std::optional<sim::Ipv4> parse_ipv4(const std::string& s) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address_v4(s, ec);
  if (ec) return std::nullopt;
  return a;
}

// "0x1A", "0x0000001A", "1A 00 FF", or a decimal number sized to `size` bytes.
std::optional<Bytes> parse_edt(const std::string& text, std::size_t size) {
  std::string hex;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    hex = text.substr(2);
  } else if (text.find(' ') != std::string::npos) {
    for (char c : text) {
      if (c != ' ') hex += c;
    }
  } else {
    auto v = parse_integer(text);
    if (!v || size == 0 || size > 8) return std::nullopt;
    return echonet::write_uint(static_cast<std::uint64_t>(*v), size);
  }
  if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
  Bytes out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto v = parse_integer("0x" + hex.substr(i, 2));
    if (!v) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(*v));
  }
  return out;
}

std::optional<sim::CalendarTime> parse_start(const std::string& s) {
  // YYYY-MM-DDThh:mm[:ss][+09:00|Z]; without a zone the house's JST applies.
  int y, mo, d, h = 0, mi = 0, sec = 0;
  char tail[16] = {0};
  const int n = std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d%15s", &y, &mo, &d, &h, &mi, &sec, tail);
  if (n < 3) return std::nullopt;
  if (n == 5) {
    // No seconds: the zone (if any) followed the minutes.
    const auto pos = s.find_first_of("Z+-", 16);
    if (pos != std::string::npos) std::snprintf(tail, sizeof tail, "%s", s.substr(pos).c_str());
  }
  std::chrono::minutes offset{9 * 60};
  const std::string zone = tail;
  if (zone == "Z") {
    offset = std::chrono::minutes{0};
  } else if (!zone.empty()) {
    int zh = 0, zm = 0;
    if (std::sscanf(zone.c_str() + 1, "%d:%d", &zh, &zm) < 1) return std::nullopt;
    offset = std::chrono::minutes{(zone[0] == '-' ? -1 : 1) * (zh * 60 + zm)};
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  return sim::CalendarTime{std::chrono::sys_days{ymd}} + std::chrono::hours{h} +
         std::chrono::minutes{mi} + std::chrono::seconds{sec} - offset;
}

class WorldParser {
 public:
  WorldParser(YamlReader& r, const echonet::ProfileLibrary& profiles)
      : r_(r), profiles_(profiles) {}

  WorldSpec parse(const YAML::Node& root) {
    WorldSpec w;
    w.file = r_.file();
    if (!r_.expect_map(root, "the world file", kTopKeys)) {
      if (!root.IsMap()) return w;
    }
    if (auto s = r_.string(root, "world", true)) w.name = *s;
    if (auto v = r_.integer(root, "seed", 0, INT64_MAX)) w.seed = static_cast<std::uint64_t>(*v);
    if (auto s = r_.string(root, "start")) {
      if (auto t = parse_start(*s)) {
        w.start = *t;
      } else {
        r_.error(
            root["start"],
            fmt::format(
                "'start' must be a date and time such as 2026-06-01T09:00:00+09:00, found '{}'",
                *s));
      }
    }
    if (auto d = r_.duration_ns(root, "physics_step")) {
      if (*d < 1'000'000'000) {
        r_.error(root["physics_step"], "'physics_step' must be at least 1s");
      } else {
        w.physics_step = sim::Duration{*d};
      }
    }
    if (root["fabric"]) w.fabric = parse_fabric(root["fabric"]);
    const YAML::Node apps = root["appliances"];
    if (!apps) {
      r_.error(root, "missing 'appliances' (a list of the home's ECHONET Lite appliances)");
    } else if (r_.expect_sequence(apps, "'appliances'")) {
      for (const auto& a : apps) parse_appliance(a, w);
    }
    if (const YAML::Node units = root["units"]; units && r_.expect_sequence(units, "'units'")) {
      for (const auto& u : units) parse_unit(u, w);
    }
    if (const YAML::Node cloud = root["cloud"]) parse_cloud(cloud, w);
    if (const YAML::Node bench = root["bench"]) parse_bench(bench, w);
    parse_duts(root, w);
    return w;
  }

 private:
  void parse_unit(const YAML::Node& n, WorldSpec& w) {
    if (!r_.expect_map(n, "a unit", kUnitKeys) && !n.IsMap()) return;
    UnitSpec u;
    if (auto s = r_.string(n, "id", true)) {
      u.id = *s;
      if (!ids_.insert(u.id).second)
        r_.error(n["id"], fmt::format("id '{}' is used twice; ids must be unique", u.id));
    }
    if (auto s = r_.string(n, "model")) {
      if (aiseg2::find_model(*s) == nullptr) {  // DOMAIN R2
        r_.error(n["model"], fmt::format("'{}' is not an AiSEG2 model the services support: "
                                         "MKN704, MKN705 or MKN713 (DOMAIN R2)",
                                         *s));
      }
      u.model = *s;
    }
    if (auto s = r_.string(n, "device_code")) {
      if (auto c = aiseg2::DeviceCode::parse(*s); !c) r_.error(n["device_code"], c.error().message);
      u.device_code = *s;
    }
    if (auto s = r_.string(n, "access_password")) {
      if (auto p = aiseg2::AccessPassword::make(*s); !p)
        r_.error(n["access_password"], p.error().message);
      u.access_password = *s;
    }
    if (auto s = r_.string(n, "firmware")) u.firmware = *s;
    if (auto s = r_.string(n, "address")) {
      auto a = parse_ipv4(*s);
      if (!a)
        r_.error(n["address"], fmt::format("'address' must be an IPv4 address, found '{}'", *s));
      else
        u.address = *a;
    }
    if (const YAML::Node web = n["web"];
        web && (r_.expect_map(web, "'web' of a unit", kWebKeys) || web.IsMap())) {
      if (auto s = r_.string(web, "address")) u.web_address = *s;
      if (auto p = r_.integer(web, "port", 0, 65535)) u.web_port = static_cast<std::uint16_t>(*p);
    }
    if (auto d = r_.duration_ns(n, "install_time")) u.install_time = sim::Duration{*d};
    if (auto d = r_.duration_ns(n, "reboot_time")) u.reboot_time = sim::Duration{*d};
    if (auto s = r_.string(n, "banks")) {
      if (*s == "single")
        u.single_bank = true;
      else if (*s != "dual")
        r_.error(n["banks"], fmt::format("'banks' must be dual or single, found '{}'", *s));
    }
    if (auto b = r_.boolean(n, "online")) u.online = *b;
    w.units.push_back(std::move(u));
  }

  // Devices under test (rig/dut, docs/dut.md): `dut:` (one) or `duts:` (a list).
  void parse_duts(const YAML::Node& root, WorldSpec& w) {
    std::vector<std::string> unit_ids, taken(ids_.begin(), ids_.end());
    for (const auto& u : w.units) unit_ids.push_back(u.id);
    const std::string dir = std::filesystem::path(r_.file()).parent_path().string();
    if (const YAML::Node d = root["dut"])
      dut::parse_dut_block(r_, d, false, dir, unit_ids, taken, w.duts);
    if (const YAML::Node d = root["duts"])
      dut::parse_dut_block(r_, d, true, dir, unit_ids, taken, w.duts);
  }

  void parse_cloud(const YAML::Node& n, WorldSpec& w) {
    if (!r_.expect_map(n, "'cloud'", kCloudKeys) && !n.IsMap()) return;
    CloudSpec c;
    if (auto s = r_.string(n, "address")) c.address = *s;
    if (auto p = r_.integer(n, "port", 0, 65535)) c.port = static_cast<std::uint16_t>(*p);
    if (auto t = r_.boolean(n, "tls")) c.tls = *t;
    if (const YAML::Node fw = n["firmware"]) {
      if (!fw.IsMap()) {
        r_.error(fw,
                 "'firmware' of the cloud maps models to their latest firmware, e.g. {MKN704: "
                 "{latest: Ver.2.98A-03}}");
      } else {
        for (const auto& kv : fw) {
          const std::string model = kv.first.Scalar();
          if (aiseg2::find_model(model) == nullptr) {
            r_.error(
                kv.first,
                fmt::format("'{}' is not an AiSEG2 model: MKN704, MKN705 or MKN713 (DOMAIN R2)",
                            model));
            continue;
          }
          if (!r_.expect_map(kv.second, fmt::format("firmware of {}", model), kCloudFirmwareKeys) &&
              !kv.second.IsMap())
            continue;
          CloudSpec::Firmware f;
          f.model = model;
          if (auto v = r_.string(kv.second, "latest", true)) f.version = *v;
          if (auto v = r_.string(kv.second, "release_notes")) f.release_notes = *v;
          if (auto v = r_.integer(kv.second, "size", 1, 64 * 1024 * 1024))
            f.size = static_cast<std::size_t>(*v);
          c.firmware.push_back(std::move(f));
        }
      }
    }
    parse_cloud_accounts(n, c);
    for (auto [key, out] : {std::pair{"verification_link_lifetime", &c.verification_link_lifetime},
                            std::pair{"model_change_code_lifetime", &c.model_change_code_lifetime},
                            std::pair{"command_timeout", &c.command_timeout}}) {
      if (auto d = r_.duration_ns(n, key)) {
        if (*d <= 0)
          r_.error(n[key], fmt::format("'{}' must be longer than 0", key));
        else
          *out = sim::Duration(*d);
      }
    }
    w.cloud = std::move(c);
  }

  // The cloud's seeded CLUB IDs; passwords follow DOMAIN R20 like a sign-up.
  void parse_cloud_accounts(const YAML::Node& n, CloudSpec& c) {
    const YAML::Node accounts = n["accounts"];
    if (!accounts || !r_.expect_sequence(accounts, "'accounts' of the cloud")) return;
    for (const auto& a : accounts) {
      if (!r_.expect_map(a, "a CLUB ID account", kCloudAccountKeys) && !a.IsMap()) continue;
      CloudSpec::Account acc;
      if (auto e = r_.string(a, "email", true)) acc.email = *e;
      if (auto p = r_.string(a, "password", true)) {
        acc.password = *p;
        if (auto st = cloud::check_password_rule(*p); !st)
          r_.error(a["password"], st.error().message);
      }
      if (auto v = r_.boolean(a, "verified")) acc.verified = *v;
      if (auto ph = r_.string(a, "phone")) acc.phone = *ph;
      if (!acc.email.empty() && acc.email.find('@') == std::string::npos)
        r_.error(a["email"],
                 fmt::format("'{}' is not an e-mail address (a CLUB ID, DOMAIN R20)", acc.email));
      for (const auto& other : c.accounts)
        if (!acc.email.empty() && other.email == acc.email)
          r_.error(a["email"], fmt::format("CLUB ID {} is listed twice", acc.email));
      c.accounts.push_back(std::move(acc));
    }
  }

  void parse_bench(const YAML::Node& n, WorldSpec& w) {
    BenchSpec b;
    if (n.IsNull()) {  // `bench:` alone: every default
      w.bench = b;
      return;
    }
    if (!r_.expect_map(n, "'bench'", kBenchKeys) && !n.IsMap()) return;
    if (auto s = r_.string(n, "address")) {
      if (!parse_ipv4(*s))
        r_.error(n["address"], fmt::format("'address' must be an IPv4 address, found '{}'", *s));
      b.address = *s;
    }
    if (auto p = r_.integer(n, "port", 0, 65535)) b.port = static_cast<std::uint16_t>(*p);
    if (auto u = r_.integer(n, "unit_id", 0, 255)) b.unit_id = static_cast<std::uint8_t>(*u);
    if (auto v = r_.number(n, "unit_power_w")) {
      if (*v < 0)
        r_.error(n["unit_power_w"], "'unit_power_w' must be 0 or more (W)");
      else
        b.unit_power_w = *v;
    }
    w.bench = b;
  }

  FabricSpec parse_fabric(const YAML::Node& n) {
    FabricSpec f;
    if (!r_.expect_map(n, "'fabric'", kFabricKeys) && !n.IsMap()) return f;
    if (auto k = r_.string(n, "kind")) {
      if (*k == "auto")
        f.kind = FabricSpec::Kind::Auto;
      else if (*k == "udp")
        f.kind = FabricSpec::Kind::Udp;
      else if (*k == "local")
        f.kind = FabricSpec::Kind::Local;
      else if (*k == "netns")
        f.kind = FabricSpec::Kind::Netns;
      else
        r_.error(n["kind"],
                 fmt::format("fabric 'kind' must be auto, udp, local or netns, found '{}'", *k));
    }
    if (auto s = r_.string(n, "interface")) {
      if (*s != "loopback" && *s != "lo") f.interface_name = *s;
    }
    if (auto s = r_.string(n, "base_address")) {
      auto a = parse_ipv4(*s);
      if (!a)
        r_.error(n["base_address"],
                 fmt::format("'base_address' must be an IPv4 address, found '{}'", *s));
      else
        f.base_address = *a;
    }
    // netns: node hosts on a private 192.168.0.0/16 bridge (127/8 stays inside each namespace).
    if (f.kind == FabricSpec::Kind::Netns) {
      if (!n["base_address"])
        f.base_address = sim::Ipv4(0xC0A80000);  // 192.168.0.0
      else if ((f.base_address.to_uint() >> 16) != 0xC0A8)
        r_.error(n["base_address"], "with kind netns, 'base_address' must be in 192.168.0.0/16");
    }
    if (auto d = r_.duration_ns(n, "multicast_answer_spread")) {
      f.multicast_answer_spread =
          std::chrono::duration_cast<std::chrono::milliseconds>(sim::Duration{*d});
    }
    return f;
  }

  void parse_appliance(const YAML::Node& n, WorldSpec& w) {
    if (!r_.expect_map(n, "an appliance", kApplianceKeys) && !n.IsMap()) return;
    ApplianceSpec a;
    if (auto s = r_.string(n, "id", true)) {
      a.id = *s;
      if (!ids_.insert(a.id).second)
        r_.error(n["id"], fmt::format("appliance id '{}' is used twice; ids must be unique", a.id));
    }
    a.name = r_.string(n, "name").value_or(a.id);
    a.node = r_.string(n, "node").value_or(a.id);
    const echonet::ClassProfile* cls = nullptr;
    if (auto s = r_.string(n, "class", true)) {
      auto code = parse_integer(*s);
      cls = code ? profiles_.find(static_cast<std::uint16_t>(*code)) : profiles_.find(*s);
      if (cls == nullptr) {
        std::vector<std::string> names;
        for (const auto* p : profiles_.all()) names.push_back(p->name);
        const std::string hint = did_you_mean(*s, names);
        r_.error(
            n["class"],
            fmt::format("unknown appliance class '{}'{}; `hemsrig classes` lists the known ones",
                        *s, hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      } else {
        a.class_code = cls->class_code;
      }
    }
    if (auto s = r_.string(n, "address")) {
      auto addr = parse_ipv4(*s);
      if (!addr)
        r_.error(n["address"], fmt::format("'address' must be an IPv4 address, found '{}'", *s));
      else
        a.address = *addr;
    }
    if (auto v = r_.integer(n, "instance", 1, 0x7F)) a.instance = static_cast<std::uint8_t>(*v);
    if (auto v = r_.integer(n, "manufacturer", 0, 0xFFFFFF))
      a.manufacturer = static_cast<std::uint32_t>(*v);
    if (auto v = r_.boolean(n, "powered")) a.powered = *v;
    if (auto v = r_.integer(n, "fault", 0, 0xFFFF)) a.fault = static_cast<std::uint16_t>(*v);
    if (const YAML::Node set = n["set"]) parse_initial(set, cls, a);
    if (const YAML::Node phys = n["physics"]; phys && cls != nullptr) parse_physics(phys, a);
    if (const YAML::Node delays = n["response_delay"]) parse_delays(delays, a);
    w.appliances.push_back(std::move(a));
  }

  void parse_initial(const YAML::Node& set, const echonet::ClassProfile* cls, ApplianceSpec& a) {
    if (!set.IsMap()) {
      r_.error(set, "'set' must map EPCs to initial values, e.g. {0x80: 0x30}");
      return;
    }
    for (const auto& kv : set) {
      auto epc = parse_integer(kv.first.Scalar());
      if (!epc || *epc < 0x80 || *epc > 0xFF) {
        r_.error(kv.first, fmt::format("'{}' is not an EPC (0x80..0xFF)", kv.first.Scalar()));
        continue;
      }
      if (cls == nullptr) continue;
      const echonet::PropertySpec* p = cls->find(static_cast<std::uint8_t>(*epc));
      if (p == nullptr)
        p = profiles_.super_class() ? profiles_.super_class()->find(static_cast<std::uint8_t>(*epc))
                                    : nullptr;
      if (p == nullptr) {
        r_.error(kv.first, fmt::format("class {} ({}) has no property 0x{:02X}", cls->name,
                                       fmt::format("0x{:04X}", cls->class_code), *epc));
        continue;
      }
      if (!kv.second.IsScalar()) {
        r_.error(kv.second, "an initial value must be hex (0x1A, \"1A 00\") or a number");
        continue;
      }
      auto edt = parse_edt(kv.second.Scalar(),
                           p->default_edt.empty() ? p->value.smallest() : p->default_edt.size());
      if (!edt) {
        r_.error(kv.second,
                 fmt::format("'{}' is not a value: write hex (0x1A, \"1A 00\") or a number",
                             kv.second.Scalar()));
        continue;
      }
      if (auto st = p->value.check(*edt); !st) {
        r_.error(kv.second, fmt::format("0x{:02X} ({}): {}", *epc, p->name, st.error().message));
        continue;
      }
      a.initial.emplace_back(static_cast<std::uint8_t>(*epc), std::move(*edt));
    }
  }

  void parse_physics(const YAML::Node& phys, ApplianceSpec& a) {
    const auto known = echonet::behaviour_params(a.class_code);
    if (!r_.expect_map(phys, fmt::format("'physics' of {}", a.id), known) && !phys.IsMap()) return;
    for (const auto& kv : phys) {
      const std::string key = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) continue;
      if (auto v = r_.number(phys, key.c_str())) a.physics[key] = *v;
    }
  }

  void parse_delays(const YAML::Node& delays, ApplianceSpec& a) {
    if (!delays.IsMap()) {
      r_.error(delays, "'response_delay' must map EPCs to durations, e.g. {0x80: 200ms}");
      return;
    }
    for (const auto& kv : delays) {
      auto epc = parse_integer(kv.first.Scalar());
      auto d = kv.second.IsScalar() ? parse_duration_ns(kv.second.Scalar()) : std::nullopt;
      if (!epc || *epc < 0x80 || *epc > 0xFF) {
        r_.error(kv.first, fmt::format("'{}' is not an EPC (0x80..0xFF)", kv.first.Scalar()));
      } else if (!d) {
        r_.error(kv.second, "a response delay must be a duration such as 200ms");
      } else {
        a.response_delays[static_cast<std::uint8_t>(*epc)] =
            std::chrono::duration_cast<std::chrono::milliseconds>(sim::Duration{*d});
      }
    }
  }

  YamlReader& r_;
  const echonet::ProfileLibrary& profiles_;
  std::set<std::string> ids_;
};

WorldLoad finish(YamlReader& r, const YAML::Node& root, const echonet::ProfileLibrary& profiles) {
  WorldLoad out;
  if (!r.failed()) {
    WorldParser p(r, profiles);
    WorldSpec spec = p.parse(root);
    if (!r.failed()) out.spec = std::move(spec);
  }
  out.diagnostics = r.diagnostics();
  return out;
}

}  // namespace

WorldLoad load_world_file(const std::string& path, const echonet::ProfileLibrary& profiles) {
  YamlReader r(path);
  const YAML::Node root = r.load();
  return finish(r, root, profiles);
}

std::optional<WorldSpec> parse_world_node(YamlReader& reader, const YAML::Node& root,
                                          const echonet::ProfileLibrary& profiles) {
  WorldParser p(reader, profiles);
  WorldSpec spec = p.parse(root);
  if (reader.failed()) return std::nullopt;
  return spec;
}

WorldLoad load_world_text(const std::string& text, const std::string& name,
                          const echonet::ProfileLibrary& profiles) {
  YamlReader r(name);
  const YAML::Node root = r.load_string(text);
  return finish(r, root, profiles);
}

}  // namespace hemsrig::rig
