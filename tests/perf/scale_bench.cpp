// A world of many nodes in one process, in real time on real sockets: how long building and
// powering them takes, how long until every node has answered one multicast Get, and how much
// resident memory each node costs.
//
// Each node holds one device object (general lighting 0x029001 by default) at
// loopback_address(i, BASE). The engine runs on the main thread; an external client (a plain
// socket on its own thread, bound to CLIENT:3610 with a large receive buffer) sends one Get of
// the node profile's 0xD6 to 224.0.23.0:3610 out of 127.0.0.1 (TTL 0) and counts distinct nodes
// answering. Worlds are built once per multicast_answer_spread value and round (the spread is a
// node option), the Gets alternate between them. Bounded: --timeout-s per Get, --settle-max-s
// for the boot announcements, then everything is closed.
//
//   hemsrig_scale_bench [--nodes 10000] [--base 127.20.0.0] [--client 127.21.0.200]
//                       [--spreads 0,20] [--rounds 2] [--gets 2] [--timeout-s 10]
//                       [--class 0x0290] [--settle-max-s 120] [--client-rcvbuf 16777216]
#include <malloc.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "devices/echonet/node.hpp"
#include "devices/echonet/profile.hpp"
#include "perf_support.hpp"
#include "sim/core/engine.hpp"
#include "sim/net/address_plan.hpp"
#include "sim/net/udp_fabric.hpp"

namespace {

using namespace hemsrig;
using perf::Clock;

constexpr std::uint32_t kMulticastGroup = 0xE0001700;  // 224.0.23.0
constexpr std::uint16_t kPort = 3610;

sim::EngineOptions realtime() {
  sim::EngineOptions o;
  o.mode = sim::ClockMode::Realtime;
  return o;
}

std::int64_t heap_in_use() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct BuildFigures {
  double build_s = 0;              // construct + add_object + power_on, all nodes
  double settle_s = 0;             // engine busy with the boot INF storm until quiet
  std::uint64_t inf_sent = 0;      // boot announcements sent
  std::uint64_t inf_received = 0;  // ... read back by the shared multicast socket
  std::int64_t rss_before = 0, rss_built = 0, rss_settled = 0;
  std::int64_t heap_before = 0, heap_built = 0;
};

struct GetFigures {
  std::uint32_t answered = 0;  // distinct nodes
  double first_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, all_ms = -1;
  std::uint64_t fabric_send_dropped = 0;  // node sends refused (EAGAIN/ENOBUFS)
  std::int64_t rcvbuf_errors = 0;         // kernel drops for a full receive buffer (namespace)
  int receive_buffer = 0;
};

// One world: Engine, UdpFabric and N nodes.
class World {
 public:
  World(const echonet::ProfileLibrary& lib, std::uint32_t nodes, std::uint32_t base,
        std::uint16_t class_code, std::chrono::milliseconds spread)
      : lib_(lib), count_(nodes), base_(base), class_code_(class_code), spread_(spread) {}

  ~World() {
    nodes_.clear();  // closes every socket before the fabric and the engine go
    fabric_.reset();
  }

  BuildFigures build(std::chrono::seconds settle_max) {
    BuildFigures f;
    auto fabric = sim::UdpFabric::create(engine_);
    if (!fabric) throw std::runtime_error(fabric.error().message);
    fabric_ = std::move(*fabric);
    nodes_.reserve(count_);
    f.rss_before = perf::resident_bytes();
    f.heap_before = heap_in_use();
    const auto t0 = Clock::now();
    for (std::uint32_t i = 0; i < count_; ++i) {
      echonet::NodeOptions o;
      o.address = sim::loopback_address(i, base_);
      o.multicast_answer_spread = spread_;
      auto node = std::make_unique<echonet::Node>(engine_, *fabric_, lib_, std::move(o));
      if (auto obj = node->add_object(class_code_); !obj)
        throw std::runtime_error(obj.error().message);
      if (auto s = node->power_on(); !s) {
        throw std::runtime_error(fmt::format("node {}: {}", i, s.error().message));
      }
      nodes_.push_back(std::move(node));
    }
    f.build_s = seconds_since(t0);
    f.rss_built = perf::resident_bytes();
    f.heap_built = heap_in_use();
    f.inf_sent = fabric_->counters().sent;
    // Every node announced its instance list at power-on; let the engine hand those to every
    // other node until nothing more arrives for 300 ms.
    const auto t1 = Clock::now();
    std::uint64_t last = ~0ull;
    int quiet = 0;
    while (quiet < 3 && Clock::now() - t1 < settle_max) {
      engine_.run_for(std::chrono::milliseconds(100));
      const std::uint64_t now = fabric_->counters().received;
      quiet = now == last ? quiet + 1 : 0;
      last = now;
    }
    f.settle_s = seconds_since(t1) - 0.3;
    f.inf_received = fabric_->counters().received;
    f.rss_settled = perf::resident_bytes();
    return f;
  }

  GetFigures multicast_get(std::uint32_t client_address, std::uint16_t tid, int receive_buffer,
                           std::chrono::seconds timeout) {
    GetFigures g;
    perf::UdpSocket client(client_address, kPort);
    g.receive_buffer =
        receive_buffer > 0 ? client.set_receive_buffer(receive_buffer) : client.receive_buffer();
    client.multicast_on_loopback();
    const std::uint64_t dropped_before = fabric_->counters().dropped;
    const std::int64_t rcvbuf_before = perf::udp_snmp_counter("RcvbufErrors");

    std::atomic<bool> go{false};
    std::vector<double> at_ms;  // arrival of each distinct node's answer
    std::thread external([&] {
      go.wait(false);
      const std::uint8_t get[] = {0x10,
                                  0x81,
                                  static_cast<std::uint8_t>(tid >> 8),
                                  static_cast<std::uint8_t>(tid),
                                  0x05,
                                  0xFF,
                                  0x01,
                                  0x0E,
                                  0xF0,
                                  0x01,
                                  0x62,
                                  0x01,
                                  0xD6,
                                  0x00};
      std::vector<bool> seen(count_, false);
      at_ms.reserve(count_);
      std::uint8_t buf[2048];
      const auto start = Clock::now();
      client.send_to(kMulticastGroup, kPort, get, sizeof(get));
      const auto deadline = start + timeout;
      while (at_ms.size() < count_) {
        auto d = client.receive_until(deadline, buf, sizeof(buf));
        if (!d) break;
        if (d->size < 14 || buf[2] != get[2] || buf[3] != get[3] || buf[10] != 0x72) continue;
        const std::int64_t index = index_of(d->from);
        if (index < 0 || seen[static_cast<std::size_t>(index)]) continue;
        seen[static_cast<std::size_t>(index)] = true;
        at_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
      engine_.stop();  // safe from another thread
    });
    engine_.after(sim::Duration::zero(), [&] {
      go = true;
      go.notify_one();
    });
    engine_.run_for(timeout + std::chrono::seconds(2));
    external.join();

    g.answered = static_cast<std::uint32_t>(at_ms.size());
    auto pick = [&](double q) {
      const double want = q * count_;
      const auto k = static_cast<std::size_t>(want > 0 ? want - 1 : 0);
      return k < at_ms.size() ? at_ms[k] : -1.0;
    };
    if (!at_ms.empty()) g.first_ms = at_ms.front();
    g.p50_ms = pick(0.5);
    g.p90_ms = pick(0.9);
    g.p99_ms = pick(0.99);
    if (g.answered == count_) g.all_ms = at_ms.back();
    g.fabric_send_dropped = fabric_->counters().dropped - dropped_before;
    g.rcvbuf_errors = perf::udp_snmp_counter("RcvbufErrors") - rcvbuf_before;
    // Let stragglers (a timed-out round) pass before the next Get.
    engine_.run_for(std::chrono::milliseconds(200));
    return g;
  }

  std::chrono::milliseconds spread() const { return spread_; }

 private:
  // The node index of an address of the plan, or -1.
  std::int64_t index_of(std::uint32_t address) const {
    const std::uint32_t first_block = base_ & 0xFFFFFF00u;
    if (address < first_block) return -1;
    const std::uint32_t block = (address - first_block) / 256, host = address & 0xFF;
    if (host == 0 || host == 255) return -1;
    const std::int64_t i = static_cast<std::int64_t>(block) * 254 + host - 1;
    return i < count_ ? i : -1;
  }

  const echonet::ProfileLibrary& lib_;
  std::uint32_t count_;
  std::uint32_t base_;
  std::uint16_t class_code_;
  std::chrono::milliseconds spread_;
  sim::Engine engine_{realtime()};
  std::unique_ptr<sim::UdpFabric> fabric_;
  std::vector<std::unique_ptr<echonet::Node>> nodes_;
};

std::vector<long> parse_list(const std::string& s) {
  std::vector<long> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stol(item));
  return out;
}

int run(const perf::Args& args) {
  const auto nodes =
      static_cast<std::uint32_t>(std::clamp(args.number("--nodes", 10000), 1L, 19000L));
  const std::uint32_t base = perf::parse_ipv4(args.get("--base", "127.20.0.0"));
  const std::uint32_t client = perf::parse_ipv4(args.get("--client", "127.21.0.200"));
  const auto spreads = parse_list(args.get("--spreads", "0,20"));
  const long rounds = std::clamp(args.number("--rounds", 2), 1L, 10L);
  const long gets = std::clamp(args.number("--gets", 2), 1L, 20L);
  const auto timeout = std::chrono::seconds(std::clamp(args.number("--timeout-s", 10), 1L, 60L));
  const auto settle_max =
      std::chrono::seconds(std::clamp(args.number("--settle-max-s", 120), 1L, 600L));
  const auto class_code = static_cast<std::uint16_t>(args.number("--class", 0x0290));
  // 0: leave the kernel's default (net.core.rmem_default).
  const auto receive_buffer =
      static_cast<int>(std::clamp(args.number("--client-rcvbuf", 16L << 20), 0L, 256L << 20));
  if (!perf::is_loopback(base) || !perf::is_loopback(client))
    throw std::runtime_error("loopback addresses only");
  if (sim::loopback_address(nodes - 1, base).is_unspecified())
    throw std::runtime_error("base too high");

  const std::int64_t rss_start = perf::resident_bytes();
  echonet::ProfileLibrary lib;
  if (auto s = lib.load_yaml(echonet::ProfileLibrary::bundled_dir()); !s)
    throw std::runtime_error(s.error().message);
  std::cout << fmt::format(
      "scale_bench: {} nodes of class 0x{:04X} from {}, client {}; RSS at start {:.1f} MiB\n",
      nodes, class_code, sim::loopback_address(0, base).to_string(), perf::ipv4_string(client),
      static_cast<double>(rss_start) / (1 << 20));

  std::uint16_t tid = 0x4000;
  bool first = true;
  for (long round = 0; round < rounds; ++round) {
    for (long spread : spreads) {
      World world(lib, nodes, base, class_code, std::chrono::milliseconds(spread));
      const BuildFigures b = world.build(settle_max);
      std::cout << fmt::format(
          "RESULT build nodes={} spread_ms={} round={} build_s={:.3f} settle_s={:.3f} "
          "boot_inf_sent={} "
          "boot_inf_read={}\n",
          nodes, spread, round, b.build_s, b.settle_s, b.inf_sent, b.inf_received);
      if (first) {  // a fresh heap: the only world whose growth is all its own
        first = false;
        std::cout << fmt::format(
            "RESULT memory nodes={} rss_per_node_b={:.0f} rss_per_node_settled_b={:.0f} "
            "heap_per_node_b={:.0f} "
            "rss_before_mib={:.1f} rss_built_mib={:.1f} rss_settled_mib={:.1f}\n",
            nodes, static_cast<double>(b.rss_built - b.rss_before) / nodes,
            static_cast<double>(b.rss_settled - b.rss_before) / nodes,
            static_cast<double>(b.heap_built - b.heap_before) / nodes,
            static_cast<double>(b.rss_before) / (1 << 20),
            static_cast<double>(b.rss_built) / (1 << 20),
            static_cast<double>(b.rss_settled) / (1 << 20));
      }
      for (long i = 0; i < gets; ++i) {
        const GetFigures g = world.multicast_get(client, tid++, receive_buffer, timeout);
        std::cout << fmt::format(
            "RESULT mget nodes={} spread_ms={} round={} answered={} first_ms={:.1f} p50_ms={:.1f} "
            "p90_ms={:.1f} "
            "p99_ms={:.1f} all_ms={:.1f} node_send_dropped={} rcvbuf_errors={} client_rcvbuf={}\n",
            nodes, spread, round, g.answered, g.first_ms, g.p50_ms, g.p90_ms, g.p99_ms, g.all_ms,
            g.fabric_send_dropped, g.rcvbuf_errors, g.receive_buffer);
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(perf::Args(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "scale_bench: " << e.what() << "\n";
    return 1;
  }
}
