// NetnsFabric: every node a host of its own (a network namespace with a veth into a private
// bridge). These tests need root; without it (or with HEMSRIG_NETNS=off) they are skipped with
// the reason netns_support() gives. The namespaces are the test's own (named with its pid) and
// are gone when it ends; the addresses (192.168.0.0/16) exist only inside them.
#include "sim/net/netns_fabric.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>

#include "devices/echonet/node.hpp"
#include "rig/world/world.hpp"
#include "rig/world/world_spec.hpp"
#include "sim/echonet/frame.hpp"

using namespace hemsrig;
using namespace hemsrig::echonet;

namespace {

constexpr Eoj kController{0x05, 0xFF, 0x01};
constexpr Eoj kAirConditioner{0x01, 0x30, 0x01};
constexpr Eoj kLighting{0x02, 0x90, 0x01};

sim::Ipv4 addr(const char* text) {
  return boost::asio::ip::make_address_v4(text);
}

bool exists(const std::string& ns) {
  const auto all = sim::list_namespaces();
  return std::find(all.begin(), all.end(), ns) != all.end();
}

struct Heard {
  Frame frame;
  sim::UdpEndpoint from, to;
};

class NetnsFabricTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto s = sim::netns_support(); !s) GTEST_SKIP() << s.error().message;
    ASSERT_TRUE(lib_.load_yaml(ProfileLibrary::bundled_dir()).ok());
    engine_ = std::make_unique<sim::Engine>(sim::EngineOptions{.mode = sim::ClockMode::Realtime});
    auto fabric = sim::NetnsFabric::create(*engine_);
    // Root, but namespaces cannot be made here (a container without /run/netns, no bridge).
    if (!fabric.ok() && fabric.error().code == "netns_unavailable")
      GTEST_SKIP() << fabric.error().message;
    ASSERT_TRUE(fabric.ok()) << fabric.error().message;
    fabric_ = std::move(*fabric);
  }
  void TearDown() override {
    nodes_.clear();
    fabric_.reset();
  }

  Node& add_node(const char* address, std::uint16_t class_code) {
    auto node = std::make_unique<Node>(
        *engine_, *fabric_, lib_,
        NodeOptions{.address = addr(address),
                    .name = address,
                    .multicast_answer_spread = std::chrono::milliseconds(0)});
    EXPECT_TRUE(node->add_object(class_code).ok());
    nodes_.push_back(std::move(node));
    return *nodes_.back();
  }

  // A controller port in a host of its own that records what it hears.
  sim::PortId open_controller(const char* address) {
    auto port = fabric_->open(addr(address), [this](const sim::Datagram& d) {
      auto m = decode(d.bytes);
      if (m && std::holds_alternative<Frame>(*m))
        heard_.push_back(Heard{std::get<Frame>(*m), d.from, d.to});
    });
    EXPECT_TRUE(port.ok()) << port.error().message;
    return port.ok() ? *port : 0;
  }

  void send(sim::PortId from, sim::UdpEndpoint to, Frame f) {
    const Bytes bytes = encode(f);
    fabric_->send(from, to, bytes);
  }

  // Runs the engine until a frame matching `want` has been heard (at most 5 s).
  const Heard* await(const std::function<bool(const Heard&)>& want) {
    const Heard* found = nullptr;
    engine_->run_until(
        [&] {
          for (const Heard& h : heard_)
            if (want(h)) found = &h;
          return found != nullptr;
        },
        std::chrono::seconds(5));
    return found;
  }

  ProfileLibrary lib_;
  std::unique_ptr<sim::Engine> engine_;
  std::unique_ptr<sim::NetnsFabric> fabric_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Heard> heard_;
};

TEST(NetnsSupport, SwitchedOffByEnvironmentFailsWithTheReason) {
  const char* before = std::getenv("HEMSRIG_NETNS");
  const std::string saved = before ? before : "";
  ::setenv("HEMSRIG_NETNS", "off", 1);
  sim::Engine engine;
  auto fabric = sim::NetnsFabric::create(engine);
  if (before)
    ::setenv("HEMSRIG_NETNS", saved.c_str(), 1);
  else
    ::unsetenv("HEMSRIG_NETNS");
  ASSERT_FALSE(fabric.ok());
  EXPECT_EQ(fabric.error().code, "netns_unavailable");
  EXPECT_NE(fabric.error().message.find("HEMSRIG_NETNS=off"), std::string::npos)
      << fabric.error().message;
}

TEST_F(NetnsFabricTest, NodesInHostsOfTheirOwnAreDiscoveredByMulticastAndAnswerUnicastGet) {
  Node& ac = add_node("192.168.0.1", 0x0130);
  Node& light = add_node("192.168.0.2", 0x0290);
  const sim::PortId controller = open_controller("192.168.0.3");
  ASSERT_TRUE(ac.power_on().ok());
  ASSERT_TRUE(light.power_on().ok());

  // Three hosts: three namespaces, none of them the test's own.
  const std::string ns_ac = fabric_->namespace_of(addr("192.168.0.1"));
  const std::string ns_light = fabric_->namespace_of(addr("192.168.0.2"));
  EXPECT_TRUE(exists(ns_ac)) << ns_ac;
  EXPECT_TRUE(exists(ns_light)) << ns_light;
  EXPECT_NE(ns_ac, ns_light);
  EXPECT_NE(fabric_->namespace_of(addr("192.168.0.3")), ns_ac);

  // Each node's boot announcement crosses the bridge to the controller's host.
  for (const char* node : {"192.168.0.1", "192.168.0.2"}) {
    EXPECT_TRUE(await([&](const Heard& h) {
      return h.from.address == addr(node) && h.to == fabric_->multicast_group() &&
             h.frame.esv == Esv::INF && !h.frame.props.empty() && h.frame.props[0].epc == 0xD5;
    })) << "no INF 0xD5 from "
        << node;
  }

  // Discovery: one multicast Get of the instance list, answered by both nodes.
  send(controller, fabric_->multicast_group(),
       Frame{7, kController, kNodeProfile, Esv::Get, {{0xD6, {}}}, {}});
  for (const auto& [node, eoj] :
       {std::pair{"192.168.0.1", kAirConditioner}, std::pair{"192.168.0.2", kLighting}}) {
    const Heard* answer = await([&](const Heard& h) {
      return h.from.address == addr(node) && h.frame.tid == 7 && h.frame.esv == Esv::Get_Res;
    });
    ASSERT_TRUE(answer) << node << " did not answer the multicast Get";
    ASSERT_EQ(answer->frame.props.size(), 1u);
    EXPECT_EQ(answer->frame.props[0].edt, (Bytes{0x01, eoj.group, eoj.cls, 0x01}));
  }

  // Then a unicast Get of the operation status to each, answered from its own address.
  std::uint16_t tid = 20;
  for (const auto& [node, eoj] :
       {std::pair{"192.168.0.1", kAirConditioner}, std::pair{"192.168.0.2", kLighting}}) {
    send(controller, sim::UdpEndpoint{addr(node), 3610},
         Frame{tid, kController, eoj, Esv::Get, {{0x80, {}}}, {}});
    const Heard* answer = await([&](const Heard& h) {
      return h.from == sim::UdpEndpoint{addr(node), 3610} && h.frame.tid == tid &&
             h.to.address == addr("192.168.0.3");
    });
    ASSERT_TRUE(answer) << node << " did not answer the unicast Get";
    EXPECT_EQ(answer->frame.esv, Esv::Get_Res);
    EXPECT_EQ(answer->frame.seoj, eoj);
    ++tid;
  }
}

TEST_F(NetnsFabricTest, DeviceUnderTestInItsOwnHostReachesANodeOverTheBridge) {
  Node& ac = add_node("192.168.0.1", 0x0130);
  ASSERT_TRUE(ac.power_on().ok());
  auto host = fabric_->add_host(addr("192.168.0.50"));
  ASSERT_TRUE(host.ok()) << host.error().message;
  EXPECT_EQ(*host, fabric_->namespace_of(addr("192.168.0.50")));
  // A node of ours cannot take the device's host.
  auto taken = fabric_->open(addr("192.168.0.50"), [](const sim::Datagram&) {});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, "address_in_use");

  // The "device": a separate process started in its host, as a DUT adapter would start one.
  // It binds 0.0.0.0:3610 (as real firmware does), sends a Get of 0x80 to the node, and prints
  // the answer's source and ESV. Bounded by its socket timeout.
  const std::string script =
      "import socket,sys\n"
      "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
      "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
      "s.bind(('0.0.0.0',3610)); s.settimeout(5)\n"
      "s.sendto(bytes([0x10,0x81,0,9,5,0xff,1,1,0x30,1,0x62,1,0x80,0]),('192.168.0.1',3610))\n"
      "while True:\n"
      "  d,a=s.recvfrom(2048)\n"
      "  if d[2:4]==bytes([0,9]): print(a[0], hex(d[10])); break\n";
  const std::string command =
      "ip netns exec " + *host + " /usr/bin/python3 -c \"" + script + "\" 2>&1";
  std::atomic<bool> done{false};
  std::string output;
  std::thread device([&] {
    if (FILE* p = ::popen(command.c_str(), "r")) {
      char line[256];
      while (std::fgets(line, sizeof(line), p) != nullptr) output += line;
      ::pclose(p);
    }
    done = true;
    boost::asio::post(engine_->io(), [] {});  // wakes the engine to look at `done`
  });
  engine_->run_until([&] { return done.load(); }, std::chrono::seconds(10));
  device.join();
  EXPECT_EQ(output, "192.168.0.1 0x72\n");  // Get_Res from the node's own address
}

TEST_F(NetnsFabricTest, RefusesAnAddressOutsideItsNetworkAndGoesOn) {
  auto loopback = fabric_->open(addr("127.0.0.1"), [](const sim::Datagram&) {});
  ASSERT_FALSE(loopback.ok());
  EXPECT_EQ(loopback.error().code, "invalid_address");
  EXPECT_NE(loopback.error().message.find("192.168.0.0/16"), std::string::npos);
  auto bridge = fabric_->open(fabric_->bridge_address(), [](const sim::Datagram&) {});
  ASSERT_FALSE(bridge.ok());
  EXPECT_EQ(bridge.error().code, "invalid_address");
  EXPECT_TRUE(fabric_->open(addr("192.168.0.7"), [](const sim::Datagram&) {}).ok());
  auto twice = fabric_->open(addr("192.168.0.7"), [](const sim::Datagram&) {});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "address_in_use");
}

TEST_F(NetnsFabricTest, LeavesNoNamespaceBehind) {
  Node& ac = add_node("192.168.0.1", 0x0130);
  ASSERT_TRUE(ac.power_on().ok());
  ac.power_off();  // the host outlives the port: a rebooting node keeps its host
  ASSERT_TRUE(ac.power_on().ok());
  ASSERT_TRUE(fabric_->add_host(addr("192.168.0.50")).ok());
  const std::vector<std::string> made = fabric_->namespaces();
  ASSERT_EQ(made.size(), 3u);  // the bridge's, the node's, the device's
  for (const auto& ns : made) EXPECT_TRUE(exists(ns)) << ns;
  nodes_.clear();
  fabric_.reset();
  for (const auto& ns : made) EXPECT_FALSE(exists(ns)) << ns << " is left behind";
}

TEST_F(NetnsFabricTest, NamespacesOfAKilledRunAreRemovedByTheNext) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // `child` is now a pid no process has
  const std::string stale = "hemsrig-" + std::to_string(child) + "-0-br";
  ASSERT_TRUE(sim::run_ip({"netns", "add", stale}).ok());
  ASSERT_TRUE(exists(stale));
  auto next = sim::NetnsFabric::create(*engine_);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_FALSE(exists(stale));
}

TEST_F(NetnsFabricTest, WorldFileWithNetnsFabricGivesNodesHostsOnTheBridge) {
  const std::string text =
      "world: netns-house\n"
      "fabric: {kind: netns}\n"
      "appliances:\n"
      "  - {id: ac, class: home_air_conditioner}\n"
      "  - {id: lamp, class: general_lighting}\n";
  auto load = rig::load_world_text(text, "w.yaml", lib_);
  ASSERT_TRUE(load.spec);
  EXPECT_EQ(load.spec->fabric.kind, rig::FabricSpec::Kind::Netns);
  rig::WorldOptions options;
  options.mode = sim::ClockMode::Realtime;
  auto world = rig::World::create(*load.spec, lib_, options);
  ASSERT_TRUE(world.ok()) << world.error().message;
  ASSERT_TRUE((*world)->start().ok());
  auto* fabric = dynamic_cast<sim::NetnsFabric*>(&(*world)->fabric());
  ASSERT_NE(fabric, nullptr);
  // Nodes at 192.168.0.1 and .2, each in a host of its own.
  const std::string ns1 = fabric->namespace_of(addr("192.168.0.1"));
  const std::string ns2 = fabric->namespace_of(addr("192.168.0.2"));
  EXPECT_TRUE(exists(ns1)) << ns1;
  EXPECT_TRUE(exists(ns2)) << ns2;
  EXPECT_NE(ns1, ns2);
  const std::vector<std::string> made = fabric->namespaces();
  world->reset();
  for (const auto& ns : made) EXPECT_FALSE(exists(ns)) << ns << " is left behind";
}

}  // namespace
