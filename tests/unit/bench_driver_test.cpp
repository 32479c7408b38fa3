// Driving relay coils over Modbus TCP (the labgrid layering: coil resource,
// coil driver, power driver), against the rig's own bench served by a world
// in real time on another thread, and against a pymodbus TCP server started
// here (a third-party peer). Errors carry the Modbus exception code.
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "devices/bench/power_driver.hpp"
#include "rig/world/world.hpp"

using namespace hemsrig;
using namespace hemsrig::bench;

namespace {

// A world with a bench, running in real time on a thread of its own, so the
// blocking drivers can talk to it from the test's thread.
class BenchDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    auto load = rig::load_world_text(R"(world: relay-house
fabric: {kind: local}
appliances:
  - {id: lamp, class: general_lighting}
  - {id: heater, class: floor_heater}
bench: {unit_id: 1}
)",
                                     "relay-house.yaml", lib_);
    ASSERT_TRUE(load.spec);
    rig::WorldOptions o;
    o.mode = sim::ClockMode::Realtime;
    auto w = rig::World::create(*load.spec, lib_, o);
    ASSERT_TRUE(w.ok()) << w.error().message;
    world_ = std::move(*w);
    ASSERT_TRUE(world_->start().ok());
    port_ = world_->bench()->port();
    thread_ = std::thread([this] { world_->engine().run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      // Posted: a stop() before the thread enters run() would be forgotten.
      boost::asio::post(world_->engine().io(), [this] { world_->engine().stop(); });
      thread_.join();
    }
  }
  // Runs `f` on the engine's thread and returns its result.
  template <typename F>
  auto on_engine(F f) {
    std::promise<decltype(f())> p;
    auto result = p.get_future();
    boost::asio::post(world_->engine().io(), [&] { p.set_value(f()); });
    EXPECT_EQ(result.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    return result.get();
  }
  bool heater_powered() {
    return on_engine([this] { return world_->node_of("heater")->powered(); });
  }
  CoilResource coil(std::uint16_t n) {
    CoilResource r;
    r.port = port_;
    r.coil = n;
    return r;
  }

  echonet::ProfileLibrary lib_;
  std::unique_ptr<rig::World> world_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(BenchDriver, PowerDriverSwitchesAChannelOfTheRigsBench) {
  CoilPowerDriver power(std::make_unique<ModbusCoilDriver>(coil(1)));  // coil 1: heater
  ASSERT_TRUE(heater_powered());
  ASSERT_TRUE(power.off().ok());
  EXPECT_FALSE(heater_powered()) << "off through Modbus is a power cut of the node";
  auto on = power.is_on();
  ASSERT_TRUE(on.ok()) << on.error().message;
  EXPECT_FALSE(*on);
  EXPECT_TRUE(on_engine([this] { return world_->node_of("lamp")->powered(); }));
  ASSERT_TRUE(power.on().ok());
  EXPECT_TRUE(heater_powered());
}

TEST_F(BenchDriver, CycleCutsThenRestoresPower) {
  CoilPowerDriver power(std::make_unique<ModbusCoilDriver>(coil(1)));
  auto st = power.cycle(std::chrono::milliseconds(50));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(heater_powered());
  EXPECT_EQ(on_engine([this] { return world_->bench()->counters().switches; }), 2u)
      << "one cut and one boot";
}

TEST_F(BenchDriver, ErrorsCarryTheModbusExceptionCodeAndName) {
  ModbusCoilDriver driver(coil(40));  // the bench has 2 channels
  auto st = driver.set(true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "modbus_illegal_data_address");
  EXPECT_NE(st.error().message.find("Modbus exception 0x02 (illegal data address)"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("coil 40"), std::string::npos) << st.error().message;
  // The connection stays usable after an exception.
  ModbusCoilDriver other_unit([this] {
    CoilResource r = coil(0);
    r.unit_id = 9;
    return r;
  }());
  auto got = other_unit.get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "modbus_gateway_target_device_failed_to_respond");
  EXPECT_NE(got.error().message.find("0x0B"), std::string::npos) << got.error().message;
}

TEST_F(BenchDriver, AClosedPortIsUnreachable) {
  std::uint16_t closed_port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    closed_port = a.local_endpoint().port();
  }
  CoilResource r;
  r.port = closed_port;
  r.coil = 0;
  r.timeout = std::chrono::milliseconds(500);
  CoilPowerDriver power(std::make_unique<ModbusCoilDriver>(r));
  auto st = power.on();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "modbus_unreachable") << st.error().message;
  EXPECT_NE(st.error().message.find(std::to_string(closed_port)), std::string::npos);
}

// pymodbus's TCP server in a child process, stopped at the end.
class PymodbusPeer {
 public:
  explicit PymodbusPeer(int coils) {
    int fds[2];
    if (pipe(fds) != 0) return;
    const std::string script =
        std::string(HEMSRIG_SOURCE_DIR) + "/tests/interop/modbus/pymodbus_server.py";
    const std::string n = std::to_string(coils);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execl("/usr/bin/python3", "python3", script.c_str(), "--coils", n.c_str(), "--max-seconds",
            "60", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    std::string out;
    // Bounded: at most 15 s for the interpreter to start and print `ready HOST:PORT`.
    for (int i = 0; i < 150 && out.find('\n') == std::string::npos; ++i) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      const ssize_t got = read(fds[0], buf, sizeof buf);
      if (got <= 0) break;
      out.append(buf, static_cast<std::size_t>(got));
    }
    close(fds[0]);
    if (out.rfind("ready ", 0) == 0) port_ = std::stoi(out.substr(out.rfind(':') + 1));
  }
  ~PymodbusPeer() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::uint16_t port() const { return static_cast<std::uint16_t>(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

CoilResource peer_coil(const PymodbusPeer& peer, std::uint16_t n, bool invert = false) {
  CoilResource r;
  r.port = peer.port();
  r.coil = n;
  r.invert = invert;
  return r;
}

TEST(BenchDriverPymodbus, SwitchesAndReadsBackCoilsOfAThirdPartyServer) {
  PymodbusPeer peer(8);
  ASSERT_NE(peer.port(), 0) << "pymodbus server did not start (apt-get install python3-pymodbus)";
  ModbusCoilDriver three(peer_coil(peer, 3));
  ModbusCoilDriver two(peer_coil(peer, 2));
  ASSERT_TRUE(three.set(true).ok());
  auto got = three.get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(*got);
  got = two.get();
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(*got) << "a neighbour coil is untouched";
  ASSERT_TRUE(three.set(false).ok());
  got = three.get();
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(*got);
}

TEST(BenchDriverPymodbus, InvertedPowerDriverEnergisesTheCoilToCutPower) {
  PymodbusPeer peer(8);
  ASSERT_NE(peer.port(), 0);
  CoilPowerDriver power(std::make_unique<ModbusCoilDriver>(peer_coil(peer, 4, true)));
  ModbusCoilDriver raw(peer_coil(peer, 4));
  ASSERT_TRUE(power.off().ok());
  EXPECT_TRUE(*raw.get()) << "normally-closed wiring: off energises the relay";
  EXPECT_FALSE(*power.is_on());
  ASSERT_TRUE(power.on().ok());
  EXPECT_FALSE(*raw.get());
  EXPECT_TRUE(*power.is_on());
}

TEST(BenchDriverPymodbus, AnExceptionFromPymodbusKeepsItsCode) {
  PymodbusPeer peer(8);
  ASSERT_NE(peer.port(), 0);
  ModbusCoilDriver driver(peer_coil(peer, 100));
  auto st = driver.set(true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "modbus_illegal_data_address") << st.error().message;
  EXPECT_NE(st.error().message.find("0x02"), std::string::npos) << st.error().message;
}

}  // namespace
