// UdpFabric over real loopback sockets, with a realtime Engine.
// Each test process claims a 127.<n>.0.0/16 of its own (n in 100..199) and each test a /24 in
// it, so parallel runs (ctest -j, two engineers' builds) never share a unicast address. Multicast
// on 224.0.23.0:3610 is shared by every process on the host, so tests count only frames that carry
// their own marker.
#include "sim/net/udp_fabric.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/udp.hpp>

#include "sim/net/address_plan.hpp"

using namespace hemsrig::sim;
using boost::asio::ip::udp;

namespace {

Ipv4 addr(const char* text) {
  return boost::asio::ip::make_address_v4(text);
}

// This process's 127.<n>.0.0/16, claimed by holding 127.<n>.255.254:3609 without SO_REUSEADDR
// (the descriptor stays open for the life of the process).
std::uint32_t process_range() {
  static const std::uint32_t range = [] {
    for (std::uint32_t i = 0; i < 100; ++i) {
      const std::uint32_t base = 0x7F000000u | (100 + (::getpid() + i) % 100) << 16;
      const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in claim{};
      claim.sin_family = AF_INET;
      claim.sin_port = htons(3609);
      claim.sin_addr.s_addr = htonl(base | 0xFFFE);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&claim), sizeof(claim)) == 0) return base;
      ::close(fd);
    }
    return 0x7F4D0000u;  // 127.77: every range taken, share and hope
  }();
  return range;
}
// A test's own /24 in the process range, and an address in it.
std::uint32_t block(std::uint32_t n) {
  return process_range() | n << 8;
}
Ipv4 at(std::uint32_t n, std::uint32_t host) {
  return Ipv4{block(n) | host};
}

std::vector<std::uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}
std::string text_of(std::span<const std::uint8_t> b) {
  return {b.begin(), b.end()};
}

// A payload no other process sends: the test's name and our pid.
std::string marker(const std::string& what) {
  return "hemsrig-test " + what + " pid " + std::to_string(::getpid());
}

EngineOptions realtime() {
  EngineOptions o;
  o.mode = ClockMode::Realtime;
  return o;
}

std::unique_ptr<UdpFabric> make_fabric(Engine& engine, UdpFabricOptions options = {}) {
  auto fabric = UdpFabric::create(engine, std::move(options));
  EXPECT_TRUE(fabric.ok()) << fabric.error().code << ": " << fabric.error().message;
  return fabric.ok() ? std::move(fabric).value() : nullptr;
}

// What a port heard. Foreign multicast (other processes on the host) lands here too.
struct Inbox {
  struct Frame {
    UdpEndpoint from, to;
    std::string payload;
  };
  std::vector<Frame> frames;
  Fabric::Receiver receiver() {
    return [this](const Datagram& d) { frames.push_back({d.from, d.to, text_of(d.bytes)}); };
  }
  std::size_t count(const std::string& payload) const {
    std::size_t n = 0;
    for (const auto& f : frames) n += f.payload == payload ? 1 : 0;
    return n;
  }
  // Unicast only: nobody else uses this process's address range.
  std::vector<Frame> unicast() const {
    std::vector<Frame> out;
    for (const auto& f : frames) {
      if (!f.to.address.is_multicast()) out.push_back(f);
    }
    return out;
  }
};

// A plain asio socket outside the fabric: a stand-in for a controller.
struct External {
  explicit External(Engine& engine) : socket(engine.io()) {}
  ~External() {
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  boost::system::error_code bind(const udp::endpoint& at, bool reuse) {
    boost::system::error_code ec;
    socket.open(udp::v4(), ec);
    if (!ec && reuse) socket.set_option(udp::socket::reuse_address(true), ec);
    if (!ec) socket.bind(at, ec);
    return ec;
  }
  void listen() {
    socket.async_receive_from(boost::asio::buffer(buffer), from,
                              [this](const boost::system::error_code& ec, std::size_t n) {
                                if (ec) return;  // closed: touch nothing
                                frames.emplace_back(from, std::string(buffer.data(), n));
                                listen();
                              });
  }
  std::size_t count(const std::string& payload) const {
    std::size_t n = 0;
    for (const auto& f : frames) n += f.second == payload ? 1 : 0;
    return n;
  }
  udp::socket socket;
  std::array<char, 65536> buffer{};
  udp::endpoint from;
  std::vector<std::pair<udp::endpoint, std::string>> frames;
};

const udp::endpoint kGroup(addr("224.0.23.0"), 3610);

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

TEST(UdpFabric, UnicastReachesOnlyTheAddressedPort) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  Inbox a, b;
  auto pa = fabric->open(at(1, 1), a.receiver());
  auto pb = fabric->open(at(1, 2), b.receiver());
  ASSERT_TRUE(pa.ok() && pb.ok());
  const auto payload = bytes_of("hello b");
  fabric->send(*pa, UdpEndpoint{at(1, 2), 3610}, payload);
  ASSERT_TRUE(engine.run_until([&] { return !b.unicast().empty(); }, seconds(5)));
  engine.run_for(milliseconds(50));
  const auto got = b.unicast();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, (UdpEndpoint{at(1, 1), 3610}));  // source = node:3610
  EXPECT_EQ(got[0].to, (UdpEndpoint{at(1, 2), 3610}));
  EXPECT_EQ(got[0].payload, "hello b");
  EXPECT_TRUE(a.unicast().empty());
  EXPECT_EQ(fabric->counters().sent, 1u);
  EXPECT_GE(fabric->counters().received, 1u);  // and any multicast of other processes
}

TEST(UdpFabric, MulticastReachesEveryOtherPortButNotTheSender) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  Inbox a, b, c;
  auto pa = fabric->open(at(2, 1), a.receiver());
  ASSERT_TRUE(fabric->open(at(2, 2), b.receiver()).ok());
  ASSERT_TRUE(fabric->open(at(2, 3), c.receiver()).ok());
  ASSERT_TRUE(pa.ok());
  const std::string m = marker("multicast fan-out");
  fabric->send(*pa, fabric->multicast_group(), bytes_of(m));
  ASSERT_TRUE(engine.run_until([&] { return b.count(m) == 1 && c.count(m) == 1; }, seconds(5)));
  engine.run_for(milliseconds(100));  // time for a wrong delivery to the sender to show up
  EXPECT_EQ(a.count(m), 0u);
  EXPECT_EQ(b.count(m), 1u);
  EXPECT_EQ(c.count(m), 1u);
  for (const auto& f : b.frames) {
    if (f.payload == m) {
      EXPECT_EQ(f.from, (UdpEndpoint{at(2, 1), 3610}));
    }
  }
}

TEST(UdpFabric, ExternalSocketGetsAnAnswerToItsUnicast) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  PortId port = 0;
  auto opened = fabric->open(at(3, 1), [&](const Datagram& d) {
    if (text_of(d.bytes) == "get") fabric->send(port, d.from, bytes_of("answer to get"));
  });
  ASSERT_TRUE(opened.ok());
  port = *opened;
  // A controller's socket on its own address and port 3610, with SO_REUSEADDR as they do.
  External controller(engine);
  ASSERT_FALSE(controller.bind(udp::endpoint(at(3, 100), 3610), true));
  controller.listen();
  boost::system::error_code ec;
  controller.socket.send_to(boost::asio::buffer(std::string("get")), udp::endpoint(at(3, 1), 3610),
                            0, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(engine.run_until([&] { return controller.count("answer to get") == 1; }, seconds(5)));
  for (const auto& f : controller.frames) {
    if (f.second == "answer to get") {
      EXPECT_EQ(f.first, udp::endpoint(at(3, 1), 3610));
    }
  }
}

TEST(UdpFabric, ExternalSocketJoinedOnLoopbackHearsMulticastFromAPort) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  Inbox node;
  auto port = fabric->open(at(4, 1), node.receiver());
  ASSERT_TRUE(port.ok());
  External controller(engine);
  ASSERT_FALSE(controller.bind(kGroup, true));
  boost::system::error_code ec;
  controller.socket.set_option(
      boost::asio::ip::multicast::join_group(kGroup.address().to_v4(), addr("127.0.0.1")), ec);
  ASSERT_FALSE(ec) << ec.message();
  controller.listen();
  const std::string m = marker("multicast to a controller");
  fabric->send(*port, fabric->multicast_group(), bytes_of(m));
  ASSERT_TRUE(engine.run_until([&] { return controller.count(m) >= 1; }, seconds(5)));
  engine.run_for(milliseconds(50));
  EXPECT_EQ(controller.count(m), 1u);  // TTL 0 on loopback: exactly one copy
  for (const auto& f : controller.frames) {
    if (f.second == m) {
      EXPECT_EQ(f.first, udp::endpoint(at(4, 1), 3610));
    }
  }
}

TEST(UdpFabric, OpeningAnAddressHeldByAnotherSocketFailsWithAddressInUse) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  Inbox inbox;
  // Held without SO_REUSEADDR, and with it (which the kernel would let us share silently).
  External plain(engine), reusing(engine);
  ASSERT_FALSE(plain.bind(udp::endpoint(at(5, 1), 3610), false));
  ASSERT_FALSE(reusing.bind(udp::endpoint(at(5, 2), 3610), true));
  for (const Ipv4& held : {at(5, 1), at(5, 2)}) {
    auto r = fabric->open(held, inbox.receiver());
    ASSERT_FALSE(r.ok()) << held;
    EXPECT_EQ(r.error().code, "address_in_use");
    EXPECT_EQ(r.error().message, held.to_string() + ":3610 is in use by another socket");
  }
  // Held by this fabric, and by another fabric of the same process.
  ASSERT_TRUE(fabric->open(at(5, 3), inbox.receiver()).ok());
  EXPECT_EQ(fabric->open(at(5, 3), inbox.receiver()).error().code, "address_in_use");
  auto other = make_fabric(engine);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->open(at(5, 3), inbox.receiver()).error().code, "address_in_use");
  EXPECT_EQ(fabric->open_ports(), 1u);
}

TEST(UdpFabric, PortBesideAWildcardSocketStillGetsItsOwnUnicast) {
  // A controller on 0.0.0.0 (port 13610 here, to leave 3610 of the host alone).
  Engine engine(realtime());
  External wildcard(engine);
  ASSERT_FALSE(wildcard.bind(udp::endpoint(Ipv4::any(), 13610), true));
  wildcard.listen();
  UdpFabricOptions options;
  options.port = 13610;
  auto fabric = make_fabric(engine, options);
  ASSERT_NE(fabric, nullptr);
  Inbox node;
  auto port = fabric->open(at(6, 1), node.receiver());
  ASSERT_TRUE(port.ok()) << port.error().message;
  External sender(engine);
  ASSERT_FALSE(sender.bind(udp::endpoint(at(6, 100), 0), false));
  boost::system::error_code ec;
  sender.socket.send_to(boost::asio::buffer(std::string("to the node")),
                        udp::endpoint(at(6, 1), 13610), 0, ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(engine.run_until([&] { return node.count("to the node") == 1; }, seconds(5)));
  engine.run_for(milliseconds(50));
  EXPECT_EQ(wildcard.count("to the node"), 0u);
}

TEST(UdpFabric, ControllerCanBindTheWildcardAfterThePortsAreOpen) {
  Engine engine(realtime());
  UdpFabricOptions options;
  options.port = 13611;
  auto fabric = make_fabric(engine, options);
  ASSERT_NE(fabric, nullptr);
  Inbox node;
  ASSERT_TRUE(fabric->open(at(7, 1), node.receiver()).ok());
  External controller(engine);
  EXPECT_FALSE(controller.bind(udp::endpoint(Ipv4::any(), 13611), true));
}

TEST(UdpFabric, ClosedPortHearsNothingMoreAndFreesItsAddress) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  Inbox a, b, c;
  auto pa = fabric->open(at(8, 1), a.receiver());
  auto pb = fabric->open(at(8, 2), b.receiver());
  ASSERT_TRUE(fabric->open(at(8, 3), c.receiver()).ok());
  ASSERT_TRUE(pa.ok() && pb.ok());
  fabric->close(*pb);
  fabric->close(*pb);  // twice is harmless
  const std::string m = marker("after close");
  fabric->send(*pa, UdpEndpoint{at(8, 2), 3610}, bytes_of(m));
  fabric->send(*pa, fabric->multicast_group(), bytes_of(m));
  ASSERT_TRUE(engine.run_until([&] { return c.count(m) == 1; }, seconds(5)));
  engine.run_for(milliseconds(100));
  EXPECT_EQ(b.count(m), 0u);
  fabric->send(*pb, UdpEndpoint{at(8, 1), 3610}, bytes_of(m));  // closed: not sent
  EXPECT_EQ(fabric->counters().send_errors, 1u);
  EXPECT_TRUE(fabric->open(at(8, 2), b.receiver()).ok());  // the address is free again
}

TEST(UdpFabric, ReceiverMayCloseItsOwnPortDuringMulticast) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  const std::string m = marker("close during fan-out");
  std::vector<PortId> ports;
  int heard = 0;
  for (std::uint32_t i = 0; i < 4; ++i) {
    auto p = fabric->open(loopback_address(i, block(9)), [&, i](const Datagram& d) {
      if (text_of(d.bytes) != m) return;
      ++heard;
      fabric->close(ports[i]);  // destroys this very receiver once the fan-out returns
    });
    ASSERT_TRUE(p.ok());
    ports.push_back(*p);
  }
  fabric->send(ports[0], fabric->multicast_group(), bytes_of(m));
  ASSERT_TRUE(engine.run_until([&] { return heard == 3; }, seconds(5)));
  EXPECT_EQ(fabric->open_ports(), 1u);  // only the sender is left
}

TEST(UdpFabric, TwoThousandPortsEachHearOneMulticast) {
  constexpr std::uint32_t kPorts = 2000;
  const std::uint32_t base = block(200);  // 2,000 addresses: blocks 200 to 207
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  const std::string m = marker("two thousand");
  std::vector<int> heard(kPorts, 0);
  const std::size_t rss_before = resident_bytes();
  const std::size_t fds_before = open_descriptors();
  for (std::uint32_t i = 0; i < kPorts; ++i) {
    auto p = fabric->open(loopback_address(i, base), [&heard, &m, i](const Datagram& d) {
      if (d.bytes.size() == m.size() && text_of(d.bytes) == m) ++heard[i];
    });
    ASSERT_TRUE(p.ok()) << i << ": " << p.error().message;
  }
  const std::size_t rss_per_port = (resident_bytes() - rss_before) / kPorts;
  const std::size_t fds_per_port = (open_descriptors() - fds_before) / kPorts;
  std::cout << "[ UdpFabric ] " << kPorts << " ports: " << fds_per_port << " fd and about "
            << rss_per_port << " bytes of RSS per port\n";
  EXPECT_EQ(fds_per_port, 1u);
  EXPECT_LT(rss_per_port, 8u * 1024u);

  // A controller outside the fabric multicasts once; every one of the 2,000 nodes hears it.
  External controller(engine);
  ASSERT_FALSE(controller.bind(udp::endpoint(at(10, 100), 0), false));
  boost::system::error_code ec;
  controller.socket.set_option(boost::asio::ip::multicast::outbound_interface(addr("127.0.0.1")),
                               ec);
  controller.socket.set_option(boost::asio::ip::multicast::hops(0), ec);
  controller.socket.send_to(boost::asio::buffer(m), kGroup, 0, ec);
  ASSERT_FALSE(ec) << ec.message();
  std::uint32_t done = 0;
  ASSERT_TRUE(engine.run_until(
      [&] {
        while (done < kPorts && heard[done] > 0) ++done;
        return done == kPorts;
      },
      seconds(10)))
      << done << " of " << kPorts << " ports heard it";
  engine.run_for(milliseconds(50));
  for (std::uint32_t i = 0; i < kPorts; ++i) ASSERT_EQ(heard[i], 1) << "port " << i;
}

TEST(UdpFabric, ObserversSeeSentAndReceivedDatagrams) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  struct Seen {
    Direction direction;
    UdpEndpoint from, to;
    std::string payload;
    Time at;
  };
  std::vector<Seen> seen;
  fabric->observe([&](Direction dir, const Datagram& d, Time when) {
    if (d.from.address == at(11, 1)) seen.push_back({dir, d.from, d.to, text_of(d.bytes), when});
  });
  Inbox a, b;
  auto pa = fabric->open(at(11, 1), a.receiver());
  ASSERT_TRUE(fabric->open(at(11, 2), b.receiver()).ok());
  const UdpEndpoint to_b{at(11, 2), 3610};
  fabric->send(*pa, to_b, bytes_of("observed"));
  ASSERT_TRUE(engine.run_until([&] { return seen.size() == 2; }, seconds(5)));
  EXPECT_EQ(seen[0].direction, Direction::Sent);
  EXPECT_EQ(seen[1].direction, Direction::Received);
  for (const auto& s : seen) {
    EXPECT_EQ(s.from, (UdpEndpoint{at(11, 1), 3610}));
    EXPECT_EQ(s.to, to_b);
    EXPECT_EQ(s.payload, "observed");
  }
  EXPECT_LE(seen[0].at, seen[1].at);
}

TEST(UdpFabric, LargeDatagramArrivesWhole) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  Inbox a, b;
  auto pa = fabric->open(at(12, 1), a.receiver());
  ASSERT_TRUE(fabric->open(at(12, 2), b.receiver()).ok());
  std::string big(60000, 'x');  // far past ECHONET Lite's practical size
  big.back() = 'y';
  fabric->send(*pa, UdpEndpoint{at(12, 2), 3610}, bytes_of(big));
  ASSERT_TRUE(engine.run_until([&] { return !b.unicast().empty(); }, seconds(5)));
  EXPECT_EQ(b.unicast()[0].payload, big);
}

TEST(UdpFabric, FailedSendsAreCountedNotThrown) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  Inbox a;
  auto pa = fabric->open(at(13, 1), a.receiver());
  ASSERT_TRUE(pa.ok());
  const std::vector<std::uint8_t> too_big(70000, 0);  // more than a UDP datagram can hold
  fabric->send(*pa, UdpEndpoint{at(13, 2), 3610}, too_big);
  fabric->send(PortId{999999}, UdpEndpoint{at(13, 2), 3610}, bytes_of("x"));
  EXPECT_EQ(fabric->counters().send_errors, 2u);
  EXPECT_EQ(fabric->counters().sent, 0u);
}

TEST(UdpFabric, DestroyingTheFabricWithWaitsPendingIsClean) {
  Engine engine(realtime());
  int heard = 0;
  {
    auto fabric = make_fabric(engine);
    ASSERT_NE(fabric, nullptr);
    for (std::uint32_t i = 0; i < 10; ++i) {
      ASSERT_TRUE(
          fabric->open(loopback_address(i, block(14)), [&](const Datagram&) { ++heard; }).ok());
    }
    engine.run_for(milliseconds(10));  // the waits are in the reactor
  }
  const int heard_while_open = heard;  // foreign multicast, if any
  engine.run_for(milliseconds(50));    // aborted waits complete without touching the dead fabric
  auto again = make_fabric(engine);
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->open(loopback_address(0, block(14)), [](const Datagram&) {}).ok());
  EXPECT_EQ(heard, heard_while_open);
}

TEST(UdpFabric, AddressesMustBeOnTheInterface) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  EXPECT_EQ(fabric->open(addr("192.0.2.77"), [](const Datagram&) {}).error().code,
            "address_not_on_interface");
  EXPECT_EQ(fabric->open(addr("224.0.23.0"), [](const Datagram&) {}).error().code,
            "invalid_address");
  EXPECT_EQ(fabric->describe(), "udp loopback 224.0.23.0:3610");

  UdpFabricOptions missing;
  missing.interface_name = "nosuchif0";
  auto none = UdpFabric::create(engine, missing);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "interface_not_found");

  UdpFabricOptions named;
  named.interface_name = "lo";
  auto lo = UdpFabric::create(engine, named);
  ASSERT_TRUE(lo.ok()) << lo.error().message;
  EXPECT_EQ((*lo)->interface_address(), addr("127.0.0.1"));
  EXPECT_TRUE((*lo)->open(at(15, 1), [](const Datagram&) {}).ok());
}

TEST(UdpFabric, RunningOutOfDescriptorsSaysToRaiseUlimit) {
  Engine engine(realtime());
  auto fabric = make_fabric(engine);
  ASSERT_NE(fabric, nullptr);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = open_descriptors() + 5;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  hemsrig::Error error;
  for (std::uint32_t i = 0; i < 50; ++i) {  // bounded: the limit is hit within a few
    auto p = fabric->open(loopback_address(i, block(16)), [](const Datagram&) {});
    if (!p.ok()) {
      error = p.error();
      break;
    }
  }
  ::setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_EQ(error.code, "too_many_open_files");
  EXPECT_NE(error.message.find("ulimit -n"), std::string::npos) << error.message;
}

TEST(AddressPlan, LoopbackAddressesSkipNetworkAndBroadcastHostParts) {
  EXPECT_EQ(loopback_address(0), addr("127.1.0.1"));
  EXPECT_EQ(loopback_address(253), addr("127.1.0.254"));
  EXPECT_EQ(loopback_address(254), addr("127.1.1.1"));
  EXPECT_EQ(loopback_address(9999), addr("127.1.39.94"));
  EXPECT_EQ(loopback_address(0, 0x7F4D0000), addr("127.77.0.1"));
  std::set<std::uint32_t> distinct;
  for (std::uint32_t i = 0; i < 10000; ++i) {
    const auto a = loopback_address(i);
    const auto host = a.to_uint() & 0xFF;
    ASSERT_TRUE(host != 0 && host != 255) << a;
    distinct.insert(a.to_uint());
  }
  EXPECT_EQ(distinct.size(), 10000u);
  EXPECT_EQ(loopback_address(loopback_address_count()), Ipv4{});  // past 127/8
}
