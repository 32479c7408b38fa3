// The mock cloud over real HTTPS in a world (`cloud: tls: true`): the unit's
// unit channel and firmware, the scripted app and Google clients of a scenario,
// curl and openssl s_client all trust the rig's test CA (cloud_ca_file()), a
// client that does not trust it is refused while the cloud goes on serving,
// and the CA lives where `hemsrig ca export --state DIR` finds it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <unistd.h>

#include "http_wire.hpp"
#include "rig/scenario/runner.hpp"
#include "rig/scenario/scenario.hpp"
#include "rig/world/world.hpp"
#include "sim/http/http_client.hpp"
#include "sim/tls/test_ca.hpp"

using namespace hemsrig;
using hemsrig::testing::run_beside;
using hemsrig::testing::shell_quote;
namespace fs = std::filesystem;

namespace {

// A house with one appliance, a unit on an old firmware and a cloud over HTTPS.
constexpr const char* kTlsHouse = R"(world: tls-house
fabric: {kind: local, base_address: 127.89.0.0}
appliances:
  - {id: living_ac, name: リビングエアコン, class: home_air_conditioner}
units:
  - {id: hems, firmware: Ver.2.97I-03}
cloud:
  tls: true
  firmware:
    MKN704: {latest: Ver.2.98A-03, release_notes: 不具合を修正しました。, size: 4096}
)";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sh(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen((command + " 2>&1").c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof(buffer), p) != nullptr) out += buffer;
    ::pclose(p);
  }
  return out;
}

class CloudTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  }
  void TearDown() override {
    world_.reset();
    if (!state_dir_.empty()) fs::remove_all(state_dir_);
  }

  // Creates and starts the world of `text`; real time where outside clients (curl, openssl on
  // a thread of their own) take part.
  void start(const std::string& text, sim::ClockMode mode = sim::ClockMode::Virtual,
             const std::string& state_dir = {}) {
    auto load = rig::load_world_text(text, "tls-house.yaml", lib_);
    std::string errors;
    for (const auto& d : load.diagnostics) errors += d.str() + "\n";
    ASSERT_TRUE(load.spec) << errors;
    rig::WorldOptions wo;
    wo.mode = mode;
    wo.ssdp_port = 0;
    wo.state_dir = state_dir;
    auto w = rig::World::create(*load.spec, lib_, wo);
    ASSERT_TRUE(w.ok()) << w.error().message;
    world_ = std::move(*w);
    ASSERT_TRUE(world_->start().ok());
  }

  // One exchange with the cloud by our own client; `trust` false: the system's CAs only.
  Result<http::HttpResponse> request(const std::string& method, const std::string& path,
                                     http::Headers headers = {}, bool trust = true) {
    http::HttpClientOptions options;
    if (trust) options.ca_pem = world_->cloud_ca_pem();
    std::optional<Result<http::HttpResponse>> got;
    http::http_request(
        world_->engine(), method, world_->cloud_url() + path, "", std::move(headers),
        [&](Result<http::HttpResponse> r) { got = std::move(r); }, options);
    hemsrig::testing::pump_until(world_->engine(), [&] { return got.has_value(); });
    if (!got) return make_error("test", method + " " + path + ": no answer");
    return *got;
  }

  const cloud::UnitRecord* record() { return world_->cloud()->units().find("9999950072"); }

  echonet::ProfileLibrary lib_;
  std::unique_ptr<rig::World> world_;
  std::string state_dir_;
};

TEST_F(CloudTls, WorldServesHttpsAndListsItsCaFileAmongTheEndpoints) {
  start(kTlsHouse);
  EXPECT_EQ(world_->cloud_url().rfind("https://127.0.0.1:", 0), 0u) << world_->cloud_url();
  const std::string ca_file = world_->cloud_ca_file();
  ASSERT_FALSE(ca_file.empty());
  EXPECT_EQ(slurp(ca_file), world_->cloud_ca_pem());
  EXPECT_NE(world_->cloud_ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);
  bool cloud = false, ca = false;
  for (const auto& e : world_->endpoints()) {
    if (e.kind == "cloud" && e.address == world_->cloud_url()) cloud = true;
    if (e.kind == "cloud-ca" && e.address == ca_file) ca = true;
  }
  EXPECT_TRUE(cloud);
  EXPECT_TRUE(ca);
}

TEST_F(CloudTls, WithoutAStateDirTheCaFolderGoesWithTheWorld) {
  start(kTlsHouse);
  const fs::path dir = fs::path(world_->cloud_ca_file()).parent_path();
  ASSERT_TRUE(fs::exists(dir));
  world_.reset();
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(CloudTls, WithAStateDirTheCaIsTheOneCaExportPrintsAndItStays) {
  state_dir_ =
      (fs::temp_directory_path() / ("hemsrig-cloud-tls-" + std::to_string(::getpid()))).string();
  fs::create_directories(state_dir_);
  start(kTlsHouse, sim::ClockMode::Virtual, state_dir_);
  const std::string served = world_->cloud_ca_pem();
  EXPECT_EQ(world_->cloud_ca_file(), (fs::path(tls::test_ca_dir(state_dir_)) / "ca.pem").string());
  world_.reset();
  // What `hemsrig ca export --state DIR` loads; a restarted rig serves with the same CA.
  auto exported = tls::TestCa::load_or_create(tls::test_ca_dir(state_dir_));
  ASSERT_TRUE(exported.ok()) << exported.error().message;
  EXPECT_FALSE(exported->created_now());
  EXPECT_EQ(exported->certificate_pem(), served);
  start(kTlsHouse, sim::ClockMode::Virtual, state_dir_);
  EXPECT_EQ(world_->cloud_ca_pem(), served);
}

TEST_F(CloudTls, PlainCloudHasNoCa) {
  std::string text = kTlsHouse;
  text.replace(text.find("tls: true"), 9, "tls: false");
  start(text);
  EXPECT_EQ(world_->cloud_url().rfind("http://127.0.0.1:", 0), 0u) << world_->cloud_url();
  EXPECT_TRUE(world_->cloud_ca_file().empty());
  EXPECT_TRUE(world_->cloud_ca_pem().empty());
  for (const auto& e : world_->endpoints()) EXPECT_NE(e.kind, "cloud-ca");
}

TEST_F(CloudTls, UnitSaysHelloAndReportsItsStateOverHttps) {
  start(kTlsHouse);
  aiseg2::Unit* unit = world_->unit("hems");
  ASSERT_NE(unit, nullptr);
  ASSERT_NE(unit->cloud_session(), nullptr);
  ASSERT_TRUE(world_->engine().run_until(
      [&] {
        const auto* r = record();
        return r != nullptr && r->online && r->appliances.size() == 1;
      },
      std::chrono::minutes(3)))
      << unit->cloud_session()->counters().last_error;
  const auto* r = record();
  EXPECT_EQ(r->model, "MKN704");
  EXPECT_EQ(r->firmware, "Ver.2.97I-03");
  EXPECT_EQ(r->appliances[0].name, "リビングエアコン");  // DOMAIN R65
  EXPECT_GE(unit->cloud_session()->counters().hellos, 1u);
  EXPECT_GE(unit->cloud_session()->counters().states, 1u);
  EXPECT_EQ(unit->cloud_session()->counters().failures, 0u)
      << unit->cloud_session()->counters().last_error;
  EXPECT_TRUE(world_->cloud()->server()->tls());
  EXPECT_EQ(world_->cloud()->server()->counters().tls_handshake_failures, 0u);
}

TEST_F(CloudTls, UnitChecksDownloadsAndInstallsFirmwareOverHttps) {  // DOMAIN R10-R12
  start(kTlsHouse);
  aiseg2::Firmware& fw = world_->unit("hems")->firmware();
  ASSERT_TRUE(fw.check().ok());
  ASSERT_TRUE(world_->engine().run_until(
      [&] { return fw.state() != aiseg2::FirmwareState::Checking; }, std::chrono::minutes(1)));
  // Not "offline": the check reached the cloud over HTTPS and found the newer version.
  ASSERT_EQ(fw.state(), aiseg2::FirmwareState::UpdateAvailable) << fw.screen();
  ASSERT_TRUE(fw.available().has_value());
  EXPECT_EQ(fw.available()->version, "Ver.2.98A-03");
  // The image comes over HTTPS too (checksum verified), then install and reboot.
  ASSERT_TRUE(fw.install().ok());
  ASSERT_TRUE(world_->engine().run_until([&] { return fw.running_version() == "Ver.2.98A-03"; },
                                         std::chrono::hours(2)))
      << fw.screen() << " " << fw.last_failure();
}

TEST_F(CloudTls, FirmwareImageDownloadsWithRangeOverHttps) {
  start(kTlsHouse);
  auto whole = request("GET", "/v1/firmware/images/Ver.2.98A-03");
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  ASSERT_EQ(whole->status, 200);
  ASSERT_EQ(whole->body.size(), 4096u);
  auto part = request("GET", "/v1/firmware/images/Ver.2.98A-03", {{"Range", "bytes=1000-1999"}});
  ASSERT_TRUE(part.ok()) << part.error().message;
  EXPECT_EQ(part->status, 206);
  ASSERT_NE(part->header("Content-Range"), nullptr);
  EXPECT_EQ(*part->header("Content-Range"), "bytes 1000-1999/4096");
  EXPECT_EQ(part->body, whole->body.substr(1000, 1000));
}

TEST_F(CloudTls, ClientThatDoesNotTrustTheCaIsRefusedAndTheCloudGoesOn) {
  start("world: cloud-only\nappliances: []\ncloud: {tls: true}\n");  // no unit calling
  auto refused = request("GET", "/openapi.json", {}, /*trust=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "tls") << refused.error().message;
  EXPECT_EQ(world_->cloud()->server()->counters().requests, 0u);
  auto ok = request("GET", "/openapi.json");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
  EXPECT_TRUE(world_->cloud()->server()->listening());
  EXPECT_GE(world_->cloud()->server()->counters().tls_handshake_failures, 1u);
}

TEST_F(CloudTls, CurlTrustsTheCaFileAndRefusesWithoutIt) {
  start(kTlsHouse, sim::ClockMode::Realtime);
  const std::string url = world_->cloud_url() + "/openapi.json";
  const auto trusted = run_beside<hemsrig::testing::CurlResult>(world_->engine(), [&] {
    return hemsrig::testing::curl("--cacert " + shell_quote(world_->cloud_ca_file()) + " " +
                                  shell_quote(url));
  });
  EXPECT_EQ(trusted.exit_code, 0);
  EXPECT_EQ(trusted.status, 200);
  EXPECT_NE(trusted.body.find("\"openapi\""), std::string::npos);
  const auto untrusted = run_beside<hemsrig::testing::CurlResult>(
      world_->engine(), [&] { return hemsrig::testing::curl(shell_quote(url)); });
  EXPECT_EQ(untrusted.exit_code, 60);  // CURLE_PEER_FAILED_VERIFICATION
  EXPECT_EQ(untrusted.status, 0);
  // Plain HTTP on the HTTPS port: that connection fails, the cloud goes on.
  std::string plain_url = url;
  plain_url.replace(0, 5, "http");
  const auto plain = run_beside<hemsrig::testing::CurlResult>(
      world_->engine(), [&] { return hemsrig::testing::curl(shell_quote(plain_url)); });
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_NE(plain.status, 200);
  const auto again = run_beside<hemsrig::testing::CurlResult>(world_->engine(), [&] {
    return hemsrig::testing::curl("--cacert " + shell_quote(world_->cloud_ca_file()) + " " +
                                  shell_quote(url));
  });
  EXPECT_EQ(again.status, 200);
  EXPECT_GE(world_->cloud()->server()->counters().tls_handshake_failures, 2u);
}

TEST_F(CloudTls, OpensslSClientVerifiesTheCloudsCertificate) {
  start(kTlsHouse, sim::ClockMode::Realtime);
  const auto ep = world_->cloud()->server()->local_endpoint();
  const std::string connect = "127.0.0.1:" + std::to_string(ep.port());
  const std::string out = run_beside<std::string>(world_->engine(), [&] {
    return sh("timeout 5 openssl s_client -connect " + connect + " -CAfile " +
              shell_quote(world_->cloud_ca_file()) +
              " -verify_ip 127.0.0.1 -verify_return_error </dev/null");
  });
  EXPECT_NE(out.find("Verify return code: 0 (ok)"), std::string::npos) << out;
}

// The scripted app and Google clients of a scenario (rig/scenario/steps) over HTTPS: the app
// registers a phone (DOMAIN R30/R32), the speaker user links Google by OAuth (R62) and Google's
// SYNC finds the chosen appliances (R65).
TEST_F(CloudTls, ScenarioAppRegistersAndGoogleLinksOverHttps) {
  const fs::path dir = fs::path(HEMSRIG_SOURCE_DIR) / "scenarios" / "speaker";
  const std::string text = R"(name: app-and-google-over-https
world:
  include: ../worlds/house-in-use.yaml
  fabric: {base_address: 127.90.0.0}
  cloud:
    tls: true
    firmware:
      MKN704: {latest: Ver.2.98A-03}
    accounts:
      - {email: taro@example.jp, password: taro1234}
steps:
  - include: ../fragments/unit-ready.yaml
  - include: ../fragments/register-server-service.yaml
  - include: ../fragments/app-user.yaml
  - expect: {app: {app: taro, status: 200}}
  - include: ../fragments/speaker-user.yaml
  - google_sync: taro_google
  - expect: {google: {google: taro_google, devices: 4, linked: true}}
)";
  auto load =
      scenario::load_scenario_text(text, "app-and-google-over-https.yaml", lib_, dir.string());
  std::string errors;
  for (const auto& d : load.diagnostics) errors += d.str() + "\n";
  ASSERT_TRUE(load.scenario) << errors;
  scenario::RunSettings settings;
  settings.keep_dir =
      (fs::temp_directory_path() / ("hemsrig-cloud-tls-kept-" + std::to_string(::getpid())))
          .string();
  auto result = scenario::run_scenario(*load.scenario, lib_, settings);
  EXPECT_TRUE(result.passed) << result.summary();
  fs::remove_all(settings.keep_dir);
}

}  // namespace
