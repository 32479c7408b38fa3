// Round trip of an ECHONET Lite Get (EPC 0x80) from an external UDP client, compared in the
// same run with a raw UDP echo server, so the ratio cancels what the machine adds.
//
// One process, three threads: a realtime Engine + UdpFabric + one air conditioner node
// (0x013001) on its own thread, a blocking-socket echo server on another, and the client on the
// main thread (a plain BSD socket bound to CLIENT:3610, where ECHONET Lite answers go). More
// ECHONET targets in other processes (`hemsrig serve`, the npm echonet-lite emulator) are added
// with --target LABEL=ADDRESS, and an echo server in another process (this program with
// --serve-echo) with --echo-target LABEL=ADDRESS: a target in another process is compared with
// that echo, since waking another process costs more than waking a thread of this one. Targets
// are measured in alternating blocks; every request waits at most --timeout-ms and the whole run
// at most --max-seconds, then everything stops.
//
//   hemsrig_rtt_bench [--count 20000] [--block 500] [--warmup 200] [--timeout-ms 500]
//                     [--node 127.72.0.1] [--echo 127.72.0.2] [--client 127.72.0.200]
//                     [--no-node] [--target LABEL=ADDRESS ...] [--echo-target LABEL=ADDRESS ...]
//                     [--max-seconds 300]
//   hemsrig_rtt_bench --serve-echo ADDRESS [--max-seconds 900]   (prints `ready`, stops on
//                     SIGINT/SIGTERM or after --max-seconds)
#include <csignal>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "devices/echonet/node.hpp"
#include "devices/echonet/profile.hpp"
#include "perf_support.hpp"
#include "sim/core/engine.hpp"
#include "sim/net/udp_fabric.hpp"

namespace {

using namespace hemsrig;
using perf::Clock;

constexpr std::uint16_t kPort = 3610;

sim::EngineOptions realtime() {
  sim::EngineOptions o;
  o.mode = sim::ClockMode::Realtime;
  return o;
}

echonet::NodeOptions node_options(sim::Ipv4 address) {
  echonet::NodeOptions o;
  o.address = address;
  return o;
}

// The raw baseline: reads a datagram, sends the same bytes back to where it came from.
class EchoServer {
 public:
  explicit EchoServer(std::uint32_t address) : socket_(address, kPort) {
    thread_ = std::thread([this] { serve(); });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
  }
  std::uint64_t echoed() const { return echoed_; }

 private:
  void serve() {
    std::uint8_t buf[2048];
    while (!stop_) {
      pollfd p{socket_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;  // wakes up to look at stop_
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      const ssize_t n =
          ::recvfrom(socket_.fd(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      ::sendto(socket_.fd(), buf, static_cast<std::size_t>(n), 0,
               reinterpret_cast<sockaddr*>(&from), len);
      ++echoed_;
    }
  }

  perf::UdpSocket socket_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> echoed_{0};
  std::thread thread_;
};

// A hemsrig world of one node, run by its own thread in real time on real sockets.
class NodeThread {
 public:
  explicit NodeThread(std::uint32_t address) {
    thread_ = std::thread([this, address] { run(address); });
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return state_ != State::Starting; });
    if (state_ == State::Failed) {
      thread_.join();
      throw std::runtime_error("node thread: " + error_);
    }
  }
  ~NodeThread() {
    engine_->stop();  // the one Engine call that is safe from another thread
    thread_.join();
  }

 private:
  enum class State { Starting, Running, Failed };

  void run(std::uint32_t address) {
    sim::Engine engine(realtime());
    echonet::ProfileLibrary lib;
    auto fail = [&](const std::string& why) {
      std::lock_guard lock(mutex_);
      error_ = why;
      state_ = State::Failed;
      cv_.notify_all();
    };
    if (auto s = lib.load_yaml(echonet::ProfileLibrary::bundled_dir()); !s)
      return fail(s.error().message);
    auto fabric = sim::UdpFabric::create(engine);
    if (!fabric) return fail(fabric.error().message);
    echonet::Node node(engine, **fabric, lib, node_options(sim::Ipv4{address}));
    if (auto o = node.add_object(0x0130); !o) return fail(o.error().message);
    if (auto s = node.power_on(); !s) return fail(s.error().message);
    engine_ = &engine;
    // Tell the client once the loop runs, so that stop() cannot come before run() starts.
    engine.after(sim::Duration::zero(), [this] {
      std::lock_guard lock(mutex_);
      state_ = State::Running;
      cv_.notify_all();
    });
    engine.run();
    node.power_off();
  }

  sim::Engine* engine_ = nullptr;
  std::mutex mutex_;
  std::condition_variable cv_;
  State state_ = State::Starting;
  std::string error_;
  std::thread thread_;
};

struct Target {
  std::string label;
  std::uint32_t address = 0;
  bool echo = false;       // raw echo server: the answer is the request itself
  bool in_process = true;  // a thread of this process (else another process)
  perf::Stats stats;
  std::uint64_t stale = 0;  // answers to an earlier, timed-out request
};

class Client {
 public:
  Client(std::uint32_t address, std::chrono::milliseconds timeout)
      : socket_(address, kPort), timeout_(timeout) {}

  // One Get of 0x80 from 0x05FF01 to 0x013001; returns the round trip, or nullopt on time-out.
  std::optional<std::int64_t> round_trip(Target& t) {
    const std::uint16_t tid = tid_++;
    const std::uint8_t get[] = {0x10,
                                0x81,
                                static_cast<std::uint8_t>(tid >> 8),
                                static_cast<std::uint8_t>(tid),
                                0x05,
                                0xFF,
                                0x01,
                                0x01,
                                0x30,
                                0x01,
                                0x62,
                                0x01,
                                0x80,
                                0x00};
    const auto start = Clock::now();
    if (!socket_.send_to(t.address, kPort, get, sizeof(get))) return std::nullopt;
    const auto deadline = start + timeout_;
    std::uint8_t buf[2048];
    while (auto d = socket_.receive_until(deadline, buf, sizeof(buf))) {
      const auto end = Clock::now();
      const bool frame = d->size >= 12 && buf[0] == 0x10 && buf[1] == 0x81;
      const bool same_tid = frame && buf[2] == get[2] && buf[3] == get[3];
      const bool answer = t.echo ? d->size == sizeof(get) : buf[10] == 0x72;  // Get_Res
      if (same_tid && answer)
        return std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
      ++t.stale;  // a late answer, or an INF that reached this address
    }
    return std::nullopt;
  }

 private:
  perf::UdpSocket socket_;
  std::chrono::milliseconds timeout_;
  std::uint16_t tid_ = 1;
};

// The echo a target is compared with: the first echo in the same kind of place (a thread of
// this process, or another process), else the first echo.
const Target* baseline_of(const std::vector<Target>& targets, const Target& t) {
  const Target* any = nullptr;
  for (const auto& e : targets) {
    if (!e.echo) continue;
    if (!any) any = &e;
    if (e.in_process == t.in_process) return &e;
  }
  return any;
}

void print_results(const std::vector<Target>& targets, double seconds) {
  std::cout << fmt::format("\n{:<16} {:>7} {:>5} {:>9} {:>9} {:>9} {:>10}  {:<14} {:>8} {:>8}\n",
                           "target", "n", "lost", "p50 us", "p90 us", "p99 us", "max us",
                           "baseline", "p50/base", "p99/base");
  auto ratio = [](std::int64_t a, std::int64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  for (const auto& t : targets) {
    const Target* base = baseline_of(targets, t);
    std::cout << fmt::format(
        "{:<16} {:>7} {:>5} {:>9.1f} {:>9.1f} {:>9.1f} {:>10.1f}  {:<14} {:>8.2f} {:>8.2f}\n",
        t.label, t.stats.ns.size(), t.stats.lost, perf::us(t.stats.percentile(50)),
        perf::us(t.stats.percentile(90)), perf::us(t.stats.percentile(99)), perf::us(t.stats.max()),
        base ? base->label : "-",
        ratio(t.stats.percentile(50), base ? base->stats.percentile(50) : 0),
        ratio(t.stats.percentile(99), base ? base->stats.percentile(99) : 0));
  }
  // Machine-readable lines for run.sh.
  for (const auto& t : targets) {
    const Target* base = baseline_of(targets, t);
    std::cout << fmt::format(
        "RESULT rtt {} n={} lost={} stale={} p50_us={:.1f} p90_us={:.1f} p99_us={:.1f} "
        "max_us={:.1f} baseline={} "
        "p50_ratio={:.2f} p99_ratio={:.2f}\n",
        t.label, t.stats.ns.size(), t.stats.lost, t.stale, perf::us(t.stats.percentile(50)),
        perf::us(t.stats.percentile(90)), perf::us(t.stats.percentile(99)), perf::us(t.stats.max()),
        base ? base->label : "-",
        ratio(t.stats.percentile(50), base ? base->stats.percentile(50) : 0),
        ratio(t.stats.percentile(99), base ? base->stats.percentile(99) : 0));
  }
  std::cout << fmt::format("elapsed {:.1f} s\n", seconds);
}

// --serve-echo: only an echo server, for targets in another process to be compared with.
int serve_echo(const perf::Args& args) {
  const std::uint32_t address = perf::parse_ipv4(args.get("--serve-echo", ""));
  const auto max_run =
      std::chrono::seconds(std::clamp(args.number("--max-seconds", 900), 1L, 3600L));
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals,
                  nullptr);  // before the echo thread starts: it inherits the mask
  EchoServer echo(address);
  std::cout << "ready echo " << perf::ipv4_string(address) << ":" << kPort << std::endl;
  const timespec limit{static_cast<time_t>(max_run.count()), 0};
  (void)sigtimedwait(&signals, nullptr, &limit);
  std::cout << "stopped after " << echo.echoed() << " echoes" << std::endl;
  return 0;
}

int run(const perf::Args& args) {
  if (!args.get("--serve-echo", "").empty()) return serve_echo(args);
  const long count = std::clamp(args.number("--count", 20000), 1L, 1000000L);
  const long block = std::clamp(args.number("--block", 500), 1L, count);
  const long warmup = std::clamp(args.number("--warmup", 200), 0L, 100000L);
  const auto timeout =
      std::chrono::milliseconds(std::clamp(args.number("--timeout-ms", 500), 1L, 10000L));
  const auto max_run =
      std::chrono::seconds(std::clamp(args.number("--max-seconds", 300), 1L, 3600L));

  std::vector<Target> targets;
  const std::uint32_t echo_address = perf::parse_ipv4(args.get("--echo", "127.72.0.2"));
  targets.push_back(Target{"udp-echo", echo_address, true, true, {}, 0});
  std::unique_ptr<NodeThread> node;
  if (!args.flag("--no-node")) {
    const std::uint32_t node_address = perf::parse_ipv4(args.get("--node", "127.72.0.1"));
    node = std::make_unique<NodeThread>(node_address);
    targets.push_back(Target{"hemsrig-thread", node_address, false, true, {}, 0});
  }
  for (const char* option : {"--echo-target", "--target"}) {
    for (const auto& spec : args.all(option)) {
      const auto eq = spec.find('=');
      if (eq == std::string::npos)
        throw std::runtime_error(std::string(option) + " wants LABEL=ADDRESS, got " + spec);
      const std::uint32_t address = perf::parse_ipv4(spec.substr(eq + 1));
      if (!perf::is_loopback(address))
        throw std::runtime_error("targets must be loopback addresses");
      targets.push_back(Target{
          spec.substr(0, eq), address, option == std::string("--echo-target"), false, {}, 0});
    }
  }
  EchoServer echo(echo_address);
  Client client(perf::parse_ipv4(args.get("--client", "127.72.0.200")), timeout);

  const auto started = Clock::now();
  const auto give_up = started + max_run;
  // Every target must answer before anything is measured (a process may still be starting).
  for (auto& t : targets) {
    bool answered = false;
    for (int i = 0; i < 50 && !answered && Clock::now() < give_up; ++i)
      answered = client.round_trip(t).has_value();
    if (!answered) {
      std::cerr << "rtt_bench: " << t.label << " at " << perf::ipv4_string(t.address)
                << " does not answer\n";
      return 2;
    }
    for (long i = 0; i < warmup; ++i) (void)client.round_trip(t);
    t.stale = 0;
  }
  std::cout << fmt::format(
      "rtt_bench: {} round trips per target in blocks of {}, alternating; timeout {} ms\n", count,
      block, timeout.count());
  for (long done = 0; done < count && Clock::now() < give_up; done += block) {
    const long n = std::min(block, count - done);
    for (auto& t : targets) {
      for (long i = 0; i < n; ++i) {
        if (auto rtt = client.round_trip(t)) {
          t.stats.ns.push_back(*rtt);
        } else {
          ++t.stats.lost;
        }
      }
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  print_results(targets, seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(perf::Args(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "rtt_bench: " << e.what() << "\n";
    return 1;
  }
}
