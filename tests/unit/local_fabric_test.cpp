// LocalFabric: in-process delivery through the Engine's timer queue. Nothing leaves the
// process, so these tests count exactly; most run in virtual time.
#include "sim/net/local_fabric.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/net/address_plan.hpp"

using namespace hemsrig::sim;

namespace {

Ipv4 addr(const char* text) {
  return boost::asio::ip::make_address_v4(text);
}

std::vector<std::uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}
std::string text_of(std::span<const std::uint8_t> b) {
  return {b.begin(), b.end()};
}

struct Inbox {
  std::vector<std::pair<UdpEndpoint, std::string>> frames;
  Fabric::Receiver receiver() {
    return [this](const Datagram& d) { frames.emplace_back(d.from, text_of(d.bytes)); };
  }
};

}  // namespace

TEST(LocalFabric, DeliversInSendOrder) {
  Engine engine;
  LocalFabric fabric(engine);
  Inbox a, b;
  auto pa = fabric.open(addr("127.77.101.1"), a.receiver());
  ASSERT_TRUE(fabric.open(addr("127.77.101.2"), b.receiver()).ok());
  ASSERT_TRUE(pa.ok());
  for (int i = 0; i < 100; ++i) {
    fabric.send(*pa, UdpEndpoint{addr("127.77.101.2"), 3610}, bytes_of(std::to_string(i)));
  }
  EXPECT_TRUE(b.frames.empty());  // nothing is delivered inside send()
  engine.run();
  ASSERT_EQ(b.frames.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.frames[i].second, std::to_string(i));
  EXPECT_EQ(b.frames[0].first, (UdpEndpoint{addr("127.77.101.1"), 3610}));
  EXPECT_EQ(engine.now(), Time::zero());  // latency 0: the next turn, no simulated time
}

TEST(LocalFabric, DeliversInSendOrderInRealtimeToo) {
  EngineOptions options;
  options.mode = ClockMode::Realtime;
  Engine engine(options);
  LocalFabric fabric(engine);
  Inbox a, b;
  auto pa = fabric.open(addr("127.77.102.1"), a.receiver());
  ASSERT_TRUE(fabric.open(addr("127.77.102.2"), b.receiver()).ok());
  for (int i = 0; i < 20; ++i) {
    fabric.send(*pa, UdpEndpoint{addr("127.77.102.2"), 3610}, bytes_of(std::to_string(i)));
  }
  ASSERT_TRUE(engine.run_until([&] { return b.frames.size() == 20; }, seconds(5)));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(b.frames[i].second, std::to_string(i));
}

TEST(LocalFabric, LatencyDelaysEveryDelivery) {
  Engine engine;
  LocalFabricOptions options;
  options.latency = milliseconds(20);
  LocalFabric fabric(engine, options);
  std::vector<Time> arrivals;
  auto pa = fabric.open(addr("127.77.103.1"), [](const Datagram&) {});
  ASSERT_TRUE(
      fabric.open(addr("127.77.103.2"), [&](const Datagram&) { arrivals.push_back(engine.now()); })
          .ok());
  fabric.send(*pa, UdpEndpoint{addr("127.77.103.2"), 3610}, bytes_of("x"));
  engine.after(milliseconds(5), [&] {
    fabric.send(*pa, UdpEndpoint{addr("127.77.103.2"), 3610}, bytes_of("y"));
  });
  engine.run();
  EXPECT_EQ(arrivals, (std::vector<Time>{milliseconds(20), milliseconds(25)}));
}

TEST(LocalFabric, MulticastReachesEveryPortButTheSender) {
  Engine engine;
  LocalFabric fabric(engine);
  std::vector<Inbox> inboxes(5);
  std::vector<PortId> ports;
  for (std::uint32_t i = 0; i < 5; ++i) {
    auto p = fabric.open(loopback_address(i, 0x7F4D6800), inboxes[i].receiver());  // 127.77.104
    ASSERT_TRUE(p.ok());
    ports.push_back(*p);
  }
  fabric.send(ports[2], fabric.multicast_group(), bytes_of("who is there"));
  engine.run();
  for (std::uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(inboxes[i].frames.size(), i == 2 ? 0u : 1u) << "port " << i;
  }
  EXPECT_EQ(inboxes[0].frames[0].first, (UdpEndpoint{addr("127.77.104.3"), 3610}));
  EXPECT_EQ(fabric.counters().received, 1u);
  EXPECT_EQ(fabric.counters().delivered, 4u);
}

TEST(LocalFabric, UnicastToAnUnknownAddressIsDroppedAndCounted) {
  Engine engine;
  LocalFabric fabric(engine);
  Inbox a, b;
  auto pa = fabric.open(addr("127.77.105.1"), a.receiver());
  ASSERT_TRUE(fabric.open(addr("127.77.105.2"), b.receiver()).ok());
  fabric.send(*pa, UdpEndpoint{addr("127.77.105.99"), 3610}, bytes_of("nobody"));
  fabric.send(*pa, UdpEndpoint{addr("127.77.105.2"), 3611}, bytes_of("wrong udp port"));
  engine.run();
  EXPECT_TRUE(a.frames.empty());
  EXPECT_TRUE(b.frames.empty());
  EXPECT_EQ(fabric.counters().sent, 2u);
  EXPECT_EQ(fabric.counters().dropped, 2u);
  EXPECT_EQ(fabric.counters().received, 0u);
}

TEST(LocalFabric, DeliveryCarriesACopyOfTheBytes) {
  Engine engine;
  LocalFabric fabric(engine);
  Inbox b;
  auto pa = fabric.open(addr("127.77.106.1"), [](const Datagram&) {});
  ASSERT_TRUE(fabric.open(addr("127.77.106.2"), b.receiver()).ok());
  {
    auto buffer = std::make_unique<std::vector<std::uint8_t>>(bytes_of("original"));
    fabric.send(*pa, UdpEndpoint{addr("127.77.106.2"), 3610}, *buffer);
    std::fill(buffer->begin(), buffer->end(), '!');  // the sender reuses its buffer...
  }                                                  // ...and then frees it
  engine.run();
  ASSERT_EQ(b.frames.size(), 1u);
  EXPECT_EQ(b.frames[0].second, "original");
}

TEST(LocalFabric, ClosedPortGetsNothingStillInFlight) {
  Engine engine;
  LocalFabric fabric(engine);
  Inbox a, b;
  auto pa = fabric.open(addr("127.77.107.1"), a.receiver());
  auto pb = fabric.open(addr("127.77.107.2"), b.receiver());
  fabric.send(*pa, UdpEndpoint{addr("127.77.107.2"), 3610}, bytes_of("late"));
  fabric.send(*pa, fabric.multicast_group(), bytes_of("late too"));
  fabric.close(*pb);
  engine.run();
  EXPECT_TRUE(b.frames.empty());
  EXPECT_EQ(fabric.counters().dropped, 1u);
  fabric.send(*pb, UdpEndpoint{addr("127.77.107.1"), 3610}, bytes_of("from the dead"));
  EXPECT_EQ(fabric.counters().send_errors, 1u);
  EXPECT_TRUE(fabric.open(addr("127.77.107.2"), b.receiver()).ok());  // address free again
}

TEST(LocalFabric, ReceiverMayCloseItsOwnPortDuringMulticast) {
  Engine engine;
  LocalFabric fabric(engine);
  std::vector<PortId> ports;
  int heard = 0;
  for (std::uint32_t i = 0; i < 4; ++i) {
    auto p = fabric.open(loopback_address(i, 0x7F4D6C00), [&, i](const Datagram&) {  // .108
      ++heard;
      fabric.close(ports[i]);
    });
    ASSERT_TRUE(p.ok());
    ports.push_back(*p);
  }
  fabric.send(ports[0], fabric.multicast_group(), bytes_of("bye"));
  engine.run();
  EXPECT_EQ(heard, 3);
  EXPECT_EQ(fabric.open_ports(), 1u);
}

TEST(LocalFabric, OpeningAnAddressTwiceFailsWithAddressInUse) {
  Engine engine;
  LocalFabric fabric(engine);
  ASSERT_TRUE(fabric.open(addr("127.77.109.1"), [](const Datagram&) {}).ok());
  auto again = fabric.open(addr("127.77.109.1"), [](const Datagram&) {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "address_in_use");
  EXPECT_EQ(again.error().message, "127.77.109.1:3610 is in use by another socket");
  EXPECT_EQ(fabric.open(Ipv4{}, [](const Datagram&) {}).error().code, "invalid_address");
}

TEST(LocalFabric, ObserversSeeSentAndReceivedDatagrams) {
  Engine engine;
  LocalFabricOptions options;
  options.latency = milliseconds(3);
  LocalFabric fabric(engine, options);
  std::vector<std::string> seen;
  fabric.observe([&](Direction dir, const Datagram& d, Time at) {
    seen.push_back(std::string(dir == Direction::Sent ? "sent " : "received ") + to_string(d.from) +
                   " > " + to_string(d.to) + " " + text_of(d.bytes) + " @" +
                   std::to_string(std::chrono::duration_cast<milliseconds>(at).count()));
  });
  auto pa = fabric.open(addr("127.77.110.1"), [](const Datagram&) {});
  ASSERT_TRUE(fabric.open(addr("127.77.110.2"), [](const Datagram&) {}).ok());
  fabric.send(*pa, UdpEndpoint{addr("127.77.110.2"), 3610}, bytes_of("u"));
  fabric.send(*pa, fabric.multicast_group(), bytes_of("m"));
  engine.run();
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "sent 127.77.110.1:3610 > 127.77.110.2:3610 u @0",
                      "sent 127.77.110.1:3610 > 224.0.23.0:3610 m @0",
                      "received 127.77.110.1:3610 > 127.77.110.2:3610 u @3",
                      "received 127.77.110.1:3610 > 224.0.23.0:3610 m @3",
                  }));
}

TEST(LocalFabric, SameTraceOnEveryRun) {
  // Nodes gossip at random moments (from the engine's seeded rng) and answer what they hear.
  auto run_world = [] {
    Engine engine;
    LocalFabricOptions options;
    options.latency = milliseconds(1);
    LocalFabric fabric(engine, options);
    std::string trace;
    fabric.observe([&](Direction dir, const Datagram& d, Time at) {
      trace += std::to_string(at.count()) + (dir == Direction::Sent ? " S " : " R ") +
               to_string(d.from) + ">" + to_string(d.to) + " " + text_of(d.bytes) + "\n";
    });
    std::vector<PortId> ports;
    for (std::uint32_t i = 0; i < 6; ++i) {
      auto p = fabric.open(loopback_address(i, 0x7F4D6F00), [&, i](const Datagram& d) {  // .111
        if (d.bytes.size() < 12) fabric.send(ports[i], d.from, bytes_of(text_of(d.bytes) + "!"));
      });
      ports.push_back(*p);
    }
    for (int n = 0; n < 50; ++n) {
      const auto delay = milliseconds(engine.rng()() % 1000);
      const auto who = ports[engine.rng()() % ports.size()];
      const bool multicast = engine.rng()() % 3 == 0;
      engine.after(delay, [&, who, multicast, n] {
        const UdpEndpoint to =
            multicast ? fabric.multicast_group()
                      : UdpEndpoint{loopback_address(n % 7, 0x7F4D6F00), 3610};  // 7th: unknown
        fabric.send(who, to, bytes_of("m" + std::to_string(n)));
      });
    }
    engine.run();
    return trace;
  };
  const std::string first = run_world();
  EXPECT_GT(std::count(first.begin(), first.end(), '\n'), 200);
  EXPECT_EQ(first, run_world());
}

TEST(LocalFabric, DestroyingTheFabricCancelsWhatIsInFlight) {
  Engine engine;
  int heard = 0;
  {
    LocalFabricOptions options;
    options.latency = seconds(1);
    LocalFabric fabric(engine, options);
    auto pa = fabric.open(addr("127.77.112.1"), [&](const Datagram&) { ++heard; });
    ASSERT_TRUE(fabric.open(addr("127.77.112.2"), [&](const Datagram&) { ++heard; }).ok());
    fabric.send(*pa, fabric.multicast_group(), bytes_of("never"));
    EXPECT_EQ(fabric.in_flight(), 1u);
  }
  EXPECT_EQ(engine.pending_timers(), 0u);
  engine.run();
  EXPECT_EQ(heard, 0);
}
