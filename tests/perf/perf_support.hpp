// What the socket benchmarks share: a plain BSD UDP socket that plays an external controller,
// latency statistics, and the process's resident memory.
//
// Header-only and free of the simulator: the client side of a benchmark must cost the same
// whatever it measures (a hemsrig node, a raw echo server, another emulator). Every address
// used here is loopback (127/8), and multicast leaves through 127.0.0.1 with TTL 0.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hemsrig::perf {

using Clock = std::chrono::steady_clock;

inline std::uint32_t parse_ipv4(const std::string& text) {
  in_addr a{};
  if (::inet_pton(AF_INET, text.c_str(), &a) != 1) {
    throw std::runtime_error("not an IPv4 address: " + text);
  }
  return ntohl(a.s_addr);
}

inline std::string ipv4_string(std::uint32_t host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof(buf));
  return buf;
}

inline bool is_loopback(std::uint32_t host_order) {
  return (host_order >> 24) == 127;
}

inline sockaddr_in endpoint(std::uint32_t address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(address);
  sa.sin_port = htons(port);
  return sa;
}

// A UDP socket bound to address:port with SO_REUSEADDR (ECHONET Lite answers go to port 3610
// of the requester, so a controller binds 3610 too). Refuses anything but loopback.
class UdpSocket {
 public:
  UdpSocket(std::uint32_t address, std::uint16_t port) {
    if (!is_loopback(address)) throw std::runtime_error("benchmarks bind loopback addresses only");
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    const sockaddr_in sa = endpoint(address, port);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {
      const std::string why = std::strerror(errno);
      ::close(fd_);
      throw std::runtime_error("bind " + ipv4_string(address) + ":" + std::to_string(port) + ": " +
                               why);
    }
  }
  ~UdpSocket() { ::close(fd_); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_; }

  // SO_RCVBUFFORCE when the process may (root), else SO_RCVBUF (capped by rmem_max).
  // Returns the size the kernel reports (it doubles the request for its bookkeeping).
  int set_receive_buffer(int bytes) {
    if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    }
    return receive_buffer();
  }
  int receive_buffer() const {
    int got = 0;
    socklen_t len = sizeof(got);
    ::getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &got, &len);
    return got;
  }

  // Multicast leaves through the loopback interface and never past this host (TTL 0).
  void multicast_on_loopback() {
    in_addr lo{htonl(INADDR_LOOPBACK)};
    ::setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof(lo));
    const int ttl = 0;
    ::setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
    const int loop = 1;
    ::setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
  }

  bool send_to(std::uint32_t address, std::uint16_t port, const std::uint8_t* data, std::size_t n) {
    if (!is_loopback(address) && (address >> 28) != 0xE) return false;  // loopback or multicast
    const sockaddr_in sa = endpoint(address, port);
    return ::sendto(fd_, data, n, 0, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) ==
           static_cast<ssize_t>(n);
  }

  struct Datagram {
    std::size_t size = 0;
    std::uint32_t from = 0;
    std::uint16_t from_port = 0;
  };
  // Waits until `deadline` for one datagram; nullopt on time-out.
  std::optional<Datagram> receive_until(Clock::time_point deadline, std::uint8_t* buf,
                                        std::size_t cap) {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) return std::nullopt;
      // Try first: an answer usually is already there or comes within microseconds.
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      const ssize_t n =
          ::recvfrom(fd_, buf, cap, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
      if (n >= 0) {
        return Datagram{static_cast<std::size_t>(n), ntohl(from.sin_addr.s_addr),
                        ntohs(from.sin_port)};
      }
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1)));
    }
  }

 private:
  int fd_ = -1;
};

// Latency samples in nanoseconds and their order statistics (nearest rank).
struct Stats {
  std::vector<std::int64_t> ns;
  std::uint64_t lost = 0;

  std::int64_t percentile(double p) const {
    if (ns.empty()) return 0;
    std::vector<std::int64_t> v = ns;
    const auto k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
  }
  std::int64_t max() const { return ns.empty() ? 0 : *std::max_element(ns.begin(), ns.end()); }
};

inline double us(std::int64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

// Resident set size of this process in bytes (/proc/self/statm, second field).
inline std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

// A counter of /proc/net/snmp's "Udp:" line (InErrors, RcvbufErrors...) for this network
// namespace; -1 when absent.
inline std::int64_t udp_snmp_counter(const std::string& name) {
  std::ifstream snmp("/proc/net/snmp");
  std::string header, values, line;
  while (std::getline(snmp, line)) {
    if (line.rfind("Udp: ", 0) != 0) continue;
    if (header.empty()) {
      header = line;
    } else {
      values = line;
      break;
    }
  }
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
      const std::size_t j = s.find(' ', i);
      out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
      if (j == std::string::npos) break;
      i = j + 1;
    }
    return out;
  };
  const auto h = split(header), v = split(values);
  for (std::size_t i = 0; i < h.size() && i < v.size(); ++i) {
    if (h[i] == name) return std::stoll(v[i]);
  }
  return -1;
}

// "--name value" options; everything a benchmark takes has a default.
class Args {
 public:
  Args(int argc, char** argv) : argv_(argv + 1, argv + argc) {}
  std::string get(const std::string& name, const std::string& fallback) const {
    for (std::size_t i = 0; i + 1 < argv_.size(); ++i) {
      if (argv_[i] == name) return argv_[i + 1];
    }
    return fallback;
  }
  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 1 < argv_.size(); ++i) {
      if (argv_[i] == name) out.push_back(argv_[i + 1]);
    }
    return out;
  }
  long number(const std::string& name, long fallback) const {
    const std::string v = get(name, "");
    return v.empty() ? fallback : std::stol(v, nullptr, 0);
  }
  bool flag(const std::string& name) const {
    return std::find(argv_.begin(), argv_.end(), name) != argv_.end();
  }

 private:
  std::vector<std::string> argv_;
};

}  // namespace hemsrig::perf
