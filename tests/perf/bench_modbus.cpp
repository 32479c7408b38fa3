// Requests per second of Modbus TCP servers, with one client for all: the rig's bench
// (`hemsrig serve` with a `bench:`) beside pymodbus's TCP server, in the same run.
// Each connection is a thread with a libmodbus client that sends one request, waits for the
// answer, and sends the next (what a test script or a PLC does). Every loop is bounded by
// --requests. Prints one RESULT line per target, then the ratio of each to the first.
//
//   hemsrig_modbus_bench --target bench=127.0.0.1:1502 --target pymodbus=127.0.0.1:1503
//                        [--connections 4] [--requests 20000] [--address 6] [--count 6]
#include <modbus/modbus.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Target {
  std::string name, host;
  int port = 0;
};

struct Outcome {
  double seconds = 0;
  long ok = 0, failed = 0;
  std::vector<double> latencies_us;
};

Outcome run(const Target& t, int connections, long requests, int address, int count) {
  Outcome out;
  std::vector<std::vector<double>> lat(connections);
  std::vector<long> ok(connections, 0), failed(connections, 0);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      modbus_t* ctx = modbus_new_tcp(t.host.c_str(), t.port);
      modbus_set_slave(ctx, 1);
      modbus_set_response_timeout(ctx, 2, 0);
      const bool connected = modbus_connect(ctx) == 0;
      ++ready;
      while (!go) std::this_thread::yield();
      std::vector<std::uint16_t> regs(count);
      lat[c].reserve(requests);
      for (long i = 0; connected && i < requests; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const int rc = modbus_read_input_registers(ctx, address, count, regs.data());
        const auto t1 = std::chrono::steady_clock::now();
        if (rc == count) {
          ++ok[c];
          lat[c].push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        } else {
          ++failed[c];
          if (failed[c] > 100) break;  // a dead server: stop early
        }
      }
      if (!connected) failed[c] = requests;
      modbus_close(ctx);
      modbus_free(ctx);
    });
  }
  while (ready < connections) std::this_thread::yield();
  const auto start = std::chrono::steady_clock::now();
  go = true;
  for (auto& th : threads) th.join();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int c = 0; c < connections; ++c) {
    out.ok += ok[c];
    out.failed += failed[c];
    out.latencies_us.insert(out.latencies_us.end(), lat[c].begin(), lat[c].end());
  }
  std::sort(out.latencies_us.begin(), out.latencies_us.end());
  return out;
}

double pct(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Target> targets;
  int connections = 4, address = 6, count = 6;
  long requests = 20000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--target" && v) {
      const std::string s = v;
      const auto eq = s.find('='), colon = s.rfind(':');
      if (eq == std::string::npos || colon == std::string::npos || colon < eq) {
        std::fprintf(stderr, "--target NAME=HOST:PORT, got %s\n", v);
        return 2;
      }
      targets.push_back(
          {s.substr(0, eq), s.substr(eq + 1, colon - eq - 1), std::atoi(s.c_str() + colon + 1)});
      ++i;
    } else if (a == "--connections" && v) {
      connections = std::max(1, std::atoi(v));
      ++i;
    } else if (a == "--requests" && v) {
      requests = std::max(1L, std::atol(v));
      ++i;
    } else if (a == "--address" && v) {
      address = std::atoi(v);
      ++i;
    } else if (a == "--count" && v) {
      count = std::clamp(std::atoi(v), 1, 125);
      ++i;
    } else {
      std::fprintf(stderr,
                   "usage: %s --target NAME=HOST:PORT... [--connections N] [--requests N per "
                   "connection] [--address A] [--count N]\n",
                   argv[0]);
      return 2;
    }
  }
  if (targets.empty()) {
    std::fprintf(stderr, "no --target\n");
    return 2;
  }
  double first_rate = 0;
  for (const Target& t : targets) {
    run(t, 1, std::min(requests, 200L), address, count);  // warm up (connect, caches)
    const Outcome o = run(t, connections, requests, address, count);
    const double rate = o.seconds > 0 ? static_cast<double>(o.ok) / o.seconds : 0;
    if (first_rate == 0) first_rate = rate;
    std::printf(
        "RESULT modbus %s connections=%d requests=%ld failed=%ld seconds=%.2f req_per_s=%.0f "
        "p50_us=%.0f p99_us=%.0f vs_%s=x%.2f\n",
        t.name.c_str(), connections, o.ok, o.failed, o.seconds, rate, pct(o.latencies_us, 0.50),
        pct(o.latencies_us, 0.99), targets.front().name.c_str(),
        first_rate > 0 ? rate / first_rate : 0.0);
    std::fflush(stdout);
  }
  return 0;
}
