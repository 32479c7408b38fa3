// `hemsrig discover`: a small ECHONET Lite controller. It sends a multicast
// Get of 0xD6 (self-node instance list), then reads each object's Get
// property map (0x9F) and every property in it, and prints what it found.
// It speaks only the wire protocol, so it checks a simulated world and a
// real appliance alike.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "devices/echonet/node.hpp"
#include "rig/cli/commands.hpp"
#include "sim/echonet/property_map.hpp"
#include "sim/net/udp_fabric.hpp"

namespace hemsrig::cli {

namespace {

using echonet::Bytes;
using echonet::Eoj;
using echonet::Esv;
using echonet::Frame;

std::string hex(const Bytes& b) {
  std::string s;
  for (auto c : b) s += fmt::format("{:02X}", c);
  return s;
}

struct Found {
  std::vector<Eoj> objects;
  std::map<std::uint32_t, std::map<std::uint8_t, Bytes>> values;  // eoj value -> epc -> edt
  std::map<std::uint32_t, std::string> errors;
};

class Discoverer {
 public:
  Discoverer(sim::Engine& engine, echonet::Node& me, std::chrono::milliseconds timeout)
      : engine_(engine), me_(me), timeout_(timeout) {
    me_.on_frame([this](const Frame& f, const sim::UdpEndpoint& from) { on_frame(f, from); });
  }

  void discover_nodes(std::chrono::milliseconds wait) {
    Frame get{me_.next_tid(),        echonet::Eoj{0x05, 0xFF, 0x01},
              echonet::kNodeProfile, Esv::Get,
              {{0xD6, {}}},          {}};
    discovery_tid_ = get.tid;
    me_.send(sim::UdpEndpoint{sim::Ipv4({224, 0, 23, 0}), echonet::kPort}, get);
    engine_.run_for(wait);
  }

  // One Get, with retries; returns the answer's properties (empty on timeout).
  std::optional<Frame> request(const sim::Ipv4& addr, const Eoj& eoj,
                               std::vector<std::uint8_t> epcs) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      Frame get{me_.next_tid(), Eoj{0x05, 0xFF, 0x01}, eoj, Esv::Get, {}, {}};
      for (auto e : epcs) get.props.push_back({e, {}});
      answer_.reset();
      awaited_tid_ = get.tid;
      me_.send(sim::UdpEndpoint{addr, echonet::kPort}, get);
      if (engine_.run_until([this] { return answer_.has_value(); }, timeout_)) return answer_;
    }
    return std::nullopt;
  }

  std::map<std::uint32_t, Found>& nodes() { return nodes_; }

 private:
  void on_frame(const Frame& f, const sim::UdpEndpoint& from) {
    if ((f.esv == Esv::Get_Res || f.esv == Esv::Get_SNA) && f.tid == discovery_tid_ &&
        f.seoj.group == 0x0E) {
      for (const auto& p : f.props) {
        if (p.epc != 0xD6 || p.edt.empty()) continue;
        Found& n = nodes_[from.address.to_uint()];
        n.objects.clear();
        for (std::size_t i = 1; i + 3 <= p.edt.size(); i += 3) {
          n.objects.push_back(Eoj{p.edt[i], p.edt[i + 1], p.edt[i + 2]});
        }
      }
      return;
    }
    if (awaited_tid_ && f.tid == *awaited_tid_) {
      answer_ = f;
      awaited_tid_.reset();
    }
  }

  sim::Engine& engine_;
  echonet::Node& me_;
  std::chrono::milliseconds timeout_;
  std::uint16_t discovery_tid_ = 0;
  std::optional<std::uint16_t> awaited_tid_;
  std::optional<Frame> answer_;
  std::map<std::uint32_t, Found> nodes_;
};

}  // namespace

void add_discover_command(CLI::App& app) {
  struct Args {
    std::string bind = "127.0.0.1";
    std::string interface_name;
    std::string wait = "1s";
    bool json = false;
    bool maps_only = false;
    ProfileSources profiles;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "discover", "Find ECHONET Lite nodes (multicast Get 0xD6) and read every property");
  cmd->add_option("--bind", args->bind,
                  "Address this controller binds on port 3610 (default 127.0.0.1)");
  cmd->add_option("--interface", args->interface_name,
                  "Network interface for multicast (default: loopback)");
  cmd->add_option("--wait", args->wait, "How long to collect discovery answers (default 1s)");
  cmd->add_flag("--json", args->json, "Print JSON instead of text");
  cmd->add_flag("--maps-only", args->maps_only, "Read only the property maps, not every property");
  cmd->callback([args] {
    echonet::ProfileLibrary lib;
    if (!load_profiles(args->profiles, lib)) throw CLI::RuntimeError(kExitBadInput);
    boost::system::error_code ec;
    const auto bind = boost::asio::ip::make_address_v4(args->bind, ec);
    const auto wait = rig::parse_duration_ns(args->wait);
    if (ec || !wait) {
      std::cerr << "hemsrig discover: bad --bind or --wait\n";
      throw CLI::RuntimeError(kExitBadInput);
    }
    sim::Engine engine(sim::EngineOptions{.mode = sim::ClockMode::Realtime});
    sim::UdpFabricOptions fo;
    fo.interface_name = args->interface_name;
    auto fabric = sim::UdpFabric::create(engine, fo);
    if (!fabric) {
      std::cerr << "hemsrig discover: " << fabric.error().message << "\n";
      throw CLI::RuntimeError(kExitFailed);
    }
    echonet::Node me(engine, **fabric, lib,
                     echonet::NodeOptions{.address = bind, .name = "discover"});
    if (auto r = me.add_object(0x05FF, 1); !r) {
      std::cerr << "hemsrig discover: " << r.error().message << "\n";
      throw CLI::RuntimeError(kExitFailed);
    }
    if (auto st = me.power_on(); !st) {
      std::cerr << "hemsrig discover: " << st.error().message << "\n";
      throw CLI::RuntimeError(kExitFailed);
    }
    Discoverer d(engine, me, std::chrono::milliseconds(500));
    d.discover_nodes(std::chrono::duration_cast<std::chrono::milliseconds>(sim::Duration{*wait}));

    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (auto& [addr_value, found] : d.nodes()) {
      const sim::Ipv4 addr(addr_value);
      nlohmann::ordered_json jn{{"address", addr.to_string()},
                                {"objects", nlohmann::ordered_json::array()}};
      std::vector<Eoj> all = found.objects;
      all.insert(all.begin(), echonet::kNodeProfile);
      for (const Eoj& eoj : all) {
        nlohmann::ordered_json jo{{"eoj", echonet::to_string(eoj)}};
        auto maps = d.request(addr, eoj, {0x9D, 0x9E, 0x9F});
        if (!maps || maps->props.size() != 3) {
          jo["error"] = "no answer to Get 0x9D/0x9E/0x9F";
          jn["objects"].push_back(jo);
          continue;
        }
        auto get_map = echonet::decode_property_map(maps->props[2].edt);
        if (!get_map) {
          jo["error"] = "bad Get property map: " + get_map.error().message;
          jn["objects"].push_back(jo);
          continue;
        }
        jo["get_map"] = hex(maps->props[2].edt);
        jo["set_map"] = hex(maps->props[1].edt);
        jo["announce_map"] = hex(maps->props[0].edt);
        if (!args->maps_only) {
          nlohmann::ordered_json props = nlohmann::ordered_json::object();
          std::vector<std::uint8_t> epcs(get_map->begin(), get_map->end());
          // A few EPCs per Get keeps each answer small.
          for (std::size_t i = 0; i < epcs.size(); i += 8) {
            std::vector<std::uint8_t> chunk(
                epcs.begin() + static_cast<std::ptrdiff_t>(i),
                epcs.begin() + static_cast<std::ptrdiff_t>(std::min(epcs.size(), i + 8)));
            auto r = d.request(addr, eoj, chunk);
            if (!r) continue;
            for (const auto& p : r->props)
              props[fmt::format("0x{:02X}", p.epc)] = p.edt.empty() ? "(unreadable)" : hex(p.edt);
          }
          jo["properties"] = props;
        }
        jn["objects"].push_back(jo);
      }
      out.push_back(jn);
    }
    if (args->json) {
      std::cout << out.dump(2) << "\n";
    } else {
      std::cout << out.size() << " node(s) found\n";
      for (const auto& n : out) {
        std::cout << n["address"].get<std::string>() << "\n";
        for (const auto& o : n["objects"]) {
          std::cout << "  " << o["eoj"].get<std::string>();
          const std::uint16_t cls = static_cast<std::uint16_t>(
              std::stoul(o["eoj"].get<std::string>().substr(2, 4), nullptr, 16));
          if (const auto* p = lib.find(cls)) std::cout << " " << p->name;
          if (o.contains("error")) std::cout << "  ERROR " << o["error"].get<std::string>();
          if (o.contains("properties"))
            std::cout << "  " << o["properties"].size() << " properties read";
          std::cout << "\n";
        }
      }
    }
    me.power_off();
    if (out.empty()) throw CLI::RuntimeError(kExitFailed);
  });
}

}  // namespace hemsrig::cli
