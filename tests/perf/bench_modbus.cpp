// Requests per second of Modbus TCP servers, with one client for all: the rig's bench
// (`hemsrig serve` with a `bench:`) beside pymodbus's TCP server, in the same run.
// Each connection is a thread with a libmodbus client that sends one request, waits for the
// answer, and sends the next (what a test script or a PLC does). Every loop is bounded by
// --requests. Prints one RESULT line per target, then the ratio of each to the first.
//
//   hemsrig_modbus_bench --target bench=127.0.0.1:1502 --target pymodbus=127.0.0.1:1503
//                        [--connections 4] [--requests 20000] [--address 6] [--count 6]
//
// With --serve-floor HOST:PORT it is instead the floor: the least any server can do for this
// client, a thread per connection that only recv()s a request and send()s a canned answer (no
// event loop, no parsing, no register map). Its requests/s is the ceiling a real server can
// approach on the machine, measured with the same client. Stops after --max-seconds (60).
#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

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

// The floor server: answers "read input registers" (any address, `count` zeros) on each
// connection from a thread of its own, with blocking recv/send only.
int serve_floor(const std::string& host, int port, int max_seconds) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::listen(listener, 64) != 0) {
    std::fprintf(stderr, "cannot listen on %s:%d: %s\n", host.c_str(), port, std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof(a);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  std::printf("ready %s:%d\n", host.c_str(), ntohs(a.sin_port));
  std::fflush(stdout);
  std::thread([max_seconds] {
    std::this_thread::sleep_for(std::chrono::seconds(max_seconds));
    std::_Exit(0);
  }).detach();
  for (;;) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::thread([fd] {
      std::uint8_t req[260], ans[260];
      for (;;) {                                            // ends when the client closes
        if (::recv(fd, req, 12, MSG_WAITALL) != 12) break;  // MBAP + FC 04 + address + count
        const int count = std::clamp((req[10] << 8) | req[11], 1, 125);
        std::memcpy(ans, req, 4);  // transaction and protocol id
        const int length = 3 + 2 * count;
        ans[4] = static_cast<std::uint8_t>(length >> 8);
        ans[5] = static_cast<std::uint8_t>(length);
        ans[6] = req[6];
        ans[7] = 0x04;
        ans[8] = static_cast<std::uint8_t>(2 * count);
        std::memset(ans + 9, 0, 2 * count);
        if (::send(fd, ans, 6 + length, MSG_NOSIGNAL) != 6 + length) break;
      }
      ::close(fd);
    }).detach();
  }
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
  std::string floor_at;
  int max_seconds = 60;
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
    } else if (a == "--serve-floor" && v) {
      floor_at = v;
      ++i;
    } else if (a == "--max-seconds" && v) {
      max_seconds = std::max(1, std::atoi(v));
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
                   "connection] [--address A] [--count N]\n"
                   "       %s --serve-floor HOST:PORT [--max-seconds N]\n",
                   argv[0], argv[0]);
      return 2;
    }
  }
  if (!floor_at.empty()) {
    const auto colon = floor_at.rfind(':');
    if (colon == std::string::npos) {
      std::fprintf(stderr, "--serve-floor HOST:PORT, got %s\n", floor_at.c_str());
      return 2;
    }
    return serve_floor(floor_at.substr(0, colon), std::atoi(floor_at.c_str() + colon + 1),
                       max_seconds);
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
        "p50_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f vs_%s=x%.2f\n",
        t.name.c_str(), connections, o.ok, o.failed, o.seconds, rate, pct(o.latencies_us, 0.50),
        pct(o.latencies_us, 0.99), pct(o.latencies_us, 0.999),
        o.latencies_us.empty() ? 0.0 : o.latencies_us.back(), targets.front().name.c_str(),
        first_rate > 0 ? rate / first_rate : 0.0);
    std::fflush(stdout);
  }
  return 0;
}
