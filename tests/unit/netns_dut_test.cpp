// A device under test in a host of its own on the network-namespace fabric (issue 6): the rig
// starts a controller DUT inside its namespace, where {address} and {interface} are its eth0,
// and the rig's TCP services (the cloud) are reachable over the bridge through
// NetnsFabric::forward_tcp, while the rig's own clients still use 127.0.0.1. Needs root; without
// it (or with HEMSRIG_NETNS=off) every test here is skipped with the reason.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>

#include "devices/cloud/unit_directory.hpp"
#include "rig/dut/dut.hpp"
#include "rig/world/world.hpp"
#include "rig/world/world_spec.hpp"
#include "sim/http/http_server.hpp"
#include "sim/net/netns_fabric.hpp"

using namespace hemsrig;

namespace {

sim::Ipv4 addr(const char* text) {
  return boost::asio::ip::make_address_v4(text);
}

// The network namespace a process runs in, or of a named namespace: the inode of its nsfs file.
ino_t namespace_inode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Runs `command` (a shell line) on a thread while the engine serves, and returns its output.
std::string run_beside(sim::Engine& engine, const std::string& command) {
  std::atomic<bool> done{false};
  std::string output;
  std::thread runner([&] {
    if (FILE* p = ::popen(command.c_str(), "r")) {
      char line[512];
      while (std::fgets(line, sizeof(line), p) != nullptr) output += line;
      ::pclose(p);
    }
    done = true;
    boost::asio::post(engine.io(), [] {});  // wakes the engine to look at `done`
  });
  engine.run_until([&] { return done.load(); }, std::chrono::seconds(20));
  runner.join();
  return output;
}

// A stdlib Python HTTP GET run inside a namespace: prints the status and body, or the error's
// class name. Bounded by its socket timeout.
std::string http_get_in(const std::string& ns, const std::string& url) {
  const std::string script =
      "import urllib.request,sys\n"
      "try:\n"
      "  r=urllib.request.urlopen(sys.argv[1],timeout=5); print(r.status, r.read().decode())\n"
      "except Exception as e:\n"
      "  print(type(getattr(e,'reason',e)).__name__)\n";
  return "ip netns exec " + ns + " /usr/bin/python3 -c \"" + script + "\" " + url + " 2>&1";
}

class NetnsDut : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto s = sim::netns_support(); !s) GTEST_SKIP() << s.error().message;
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  }

  // A netns world; skipped where namespaces cannot be made even as root (no bridge module).
  std::unique_ptr<rig::World> make_world(const std::string& text) {
    auto load =
        rig::load_world_text(text, std::string(HEMSRIG_SOURCE_DIR) + "/tests/dut/w.yaml", lib_);
    std::string errors;
    for (const auto& d : load.diagnostics) errors += d.str() + "\n";
    EXPECT_TRUE(load.spec) << errors;
    if (!load.spec) return nullptr;
    rig::WorldOptions options;
    options.mode = sim::ClockMode::Realtime;
    auto world = rig::World::create(*load.spec, lib_, options);
    if (!world.ok() && world.error().code == "netns_unavailable") {
      skipped_ = world.error().message;
      return nullptr;
    }
    EXPECT_TRUE(world.ok()) << world.error().message;
    return world.ok() ? std::move(*world) : nullptr;
  }

  void controller_says_hello(bool tls);

  echonet::ProfileLibrary lib_;
  std::string skipped_;
};

// The reference controller firmware (tests/dut/controller.py) in a host of its own, beside a
// simulated unit of the rig: both say hello to the same cloud, the DUT over the bridge.
constexpr const char* kControllerWorld = R"(world: netns-dut
fabric: {kind: netns}
appliances:
  - {id: living_ac, name: リビングエアコン, class: home_air_conditioner, set: {0x80: 0x31}}
  - {id: downlight, name: ダウンライト, class: general_lighting, set: {0x80: 0x31}}
cloud: {address: 127.0.0.1, port: 0}
units:
  - {id: hems, model: MKN704, device_code: "99999-50072"}
dut:
  id: fw
  role: controller
  command: [/usr/bin/python3, "{scenario_dir}/controller.py", --address, "{address}",
            --interface, "{interface}", --cloud, "{cloud_url}", --state, "{state_dir}",
            --device-code, "{device_code}", --model, "{model}", --firmware, "{firmware}",
            --no-update]
  device_code: "99999-50098"
  model: MKN704
  firmware: Ver.2.97I-03
  ready: announce
  stop_timeout: 5s
)";

// `tls`: the cloud over HTTPS, whose certificate must also name the bridge's address.
void NetnsDut::controller_says_hello(bool tls) {
  std::string text = kControllerWorld;
  if (tls) {
    const std::string plain = "cloud: {address: 127.0.0.1, port: 0}";
    text.replace(text.find(plain), plain.size(), "cloud: {address: 127.0.0.1, port: 0, tls: true}");
    const std::string last = "--no-update]";
    text.replace(text.find(last), last.size(), "--no-update, --ca, \"{ca_file}\"]");
  }
  auto world = make_world(text);
  if (!skipped_.empty()) GTEST_SKIP() << skipped_;
  ASSERT_TRUE(world);
  ASSERT_TRUE(world->start().ok());
  auto* fabric = dynamic_cast<sim::NetnsFabric*>(&world->fabric());
  ASSERT_NE(fabric, nullptr);
  dut::Dut* fw = world->dut("fw");
  ASSERT_NE(fw, nullptr);

  // Its process runs in its host's namespace, not the rig's.
  const std::string ns = fabric->namespace_of(fw->address());
  ASSERT_FALSE(ns.empty()) << "the DUT at " << fw->address().to_string() << " has no host";
  ASSERT_GT(fw->pid(), 0) << fw->command_line();
  EXPECT_EQ(namespace_inode("/proc/" + std::to_string(fw->pid()) + "/ns/net"),
            namespace_inode("/run/netns/" + ns));
  EXPECT_NE(namespace_inode("/proc/self/ns/net"), namespace_inode("/run/netns/" + ns));
  // Its templates: its own eth0 address, and the cloud at the bridge's address.
  const std::string own = fw->address().to_string();
  EXPECT_NE(fw->command_line().find("--interface " + own), std::string::npos) << fw->command_line();
  const std::string scheme = tls ? "https://" : "http://";
  EXPECT_NE(
      fw->command_line().find("--cloud " + scheme + fabric->bridge_address().to_string() + ":"),
      std::string::npos)
      << fw->command_line();
  // The rig's own clients keep the cloud's loopback address.
  EXPECT_EQ(world->cloud_url().rfind(scheme + "127.0.0.1:", 0), 0u) << world->cloud_url();

  cloud::UnitDirectory& units = world->cloud()->units();
  const std::string dut_code = *cloud::normalize_device_code("99999-50098");
  const std::string unit_code = *cloud::normalize_device_code("99999-50072");
  auto both_there = [&] {
    const cloud::UnitRecord* d = units.find(dut_code);
    return d != nullptr && d->online && d->appliances.size() >= 2 && units.online(unit_code) &&
           fw->up();
  };
  world->engine().run_until(both_there, std::chrono::seconds(60));
  std::string output;
  for (const auto& line : fw->output()) output += line + "\n";
  ASSERT_TRUE(fw->up()) << output;

  // The DUT's hello crossed the bridge, and its state names the appliances it found there.
  const cloud::UnitRecord* d = units.find(dut_code);
  ASSERT_NE(d, nullptr) << "no hello from the DUT:\n" << output;
  EXPECT_TRUE(d->online) << output;
  EXPECT_EQ(d->model, "MKN704");
  EXPECT_EQ(d->firmware, "Ver.2.97I-03");
  ASSERT_GE(d->appliances.size(), 2u) << output;
  EXPECT_NE(d->appliance("192.168.0.1/0x013001"), nullptr) << output;
  EXPECT_NE(d->appliance("192.168.0.2/0x029001"), nullptr) << output;
  // The simulated unit (a client in the rig's namespace) reached the same cloud.
  EXPECT_TRUE(units.online(unit_code));
}

TEST_F(NetnsDut, ControllerInAHostOfItsOwnSaysHelloToTheCloudAndFindsTheAppliances) {
  controller_says_hello(false);
}

TEST_F(NetnsDut, ControllerInAHostOfItsOwnTrustsTheCloudsCertificateAtTheBridgesAddress) {
  controller_says_hello(true);
}

TEST_F(NetnsDut, ACommandThatDoesNotExistIsAClearErrorAndTheWorldGoesOn) {
  auto world = make_world(R"(world: netns-missing
fabric: {kind: netns}
appliances:
  - {id: lamp, class: general_lighting}
dut:
  id: fw
  command: [/nonexistent/firmware, --address, "{address}"]
)");
  if (!skipped_.empty()) GTEST_SKIP() << skipped_;
  ASSERT_TRUE(world);
  const Status st = world->start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "command_not_found");
  EXPECT_NE(st.error().message.find("/nonexistent/firmware"), std::string::npos)
      << st.error().message;
  // The appliance's node still answers on the bridge.
  EXPECT_NE(world->node("lamp"), nullptr);
  EXPECT_TRUE(world->node("lamp")->powered());
}

class NetnsPortForwardTest : public NetnsDut {
 protected:
  void SetUp() override {
    NetnsDut::SetUp();
    if (IsSkipped()) return;
    engine_ = std::make_unique<sim::Engine>(sim::EngineOptions{.mode = sim::ClockMode::Realtime});
    auto fabric = sim::NetnsFabric::create(*engine_);
    if (!fabric.ok() && fabric.error().code == "netns_unavailable")
      GTEST_SKIP() << fabric.error().message;
    ASSERT_TRUE(fabric.ok()) << fabric.error().message;
    fabric_ = std::move(*fabric);
  }
  void TearDown() override {
    server_.reset();
    fabric_.reset();
  }

  std::unique_ptr<sim::Engine> engine_;
  std::unique_ptr<sim::NetnsFabric> fabric_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(NetnsPortForwardTest, AHostReachesAServiceOfTheRigAndAResetWhenItIsDown) {
  http::Router router;
  router.get("/hello", [](const http::HttpRequest&) {
    http::HttpResponse r;
    r.body = "from the rig";
    return r;
  });
  server_ = std::make_unique<http::HttpServer>(*engine_, router.handler());
  auto bound = server_->listen("127.0.0.1", 0);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  auto host = fabric_->add_host(addr("192.168.0.60"));
  ASSERT_TRUE(host.ok()) << host.error().message;

  auto forwarded = fabric_->forward_tcp(*bound);
  ASSERT_TRUE(forwarded.ok()) << forwarded.error().message;
  EXPECT_EQ(forwarded->address(), boost::asio::ip::address(fabric_->bridge_address()));
  EXPECT_EQ(forwarded->port(), bound->port());  // the same port, where it is free
  auto again = fabric_->forward_tcp(*bound);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *forwarded);

  const std::string url = "http://" + forwarded->address().to_string() + ":" +
                          std::to_string(forwarded->port()) + "/hello";
  EXPECT_EQ(run_beside(*engine_, http_get_in(*host, url)), "200 from the rig\n");
  // The rig's loopback address is not the host's: only the forward reaches the service.
  const std::string direct = "http://127.0.0.1:" + std::to_string(bound->port()) + "/hello";
  EXPECT_EQ(run_beside(*engine_, http_get_in(*host, direct)), "ConnectionRefusedError\n");

  // The service goes down: the host's connection is reset, and the forward goes on.
  server_->stop();
  const std::string down = run_beside(*engine_, http_get_in(*host, url));
  EXPECT_TRUE(down == "ConnectionResetError\n" || down == "RemoteDisconnected\n") << down;
  ASSERT_TRUE(server_->listen("127.0.0.1", bound->port()).ok());
  EXPECT_EQ(run_beside(*engine_, http_get_in(*host, url)), "200 from the rig\n");
}

}  // namespace
