// Firmware update end to end over real HTTP on loopback: the unit's firmware
// state machine asks a real HTTP server holding the cloud's firmware
// distribution, downloads, verifies and installs (DOMAIN R10-R12), in
// virtual time: the engine waits for every HTTP exchange before it jumps.
#include <gtest/gtest.h>

#include "devices/aiseg2/http_firmware_source.hpp"
#include "devices/cloud/firmware_distribution.hpp"
#include "sim/http/http_server.hpp"

using namespace hemsrig;
using namespace hemsrig::aiseg2;

namespace {

class FirmwareOverHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    distribution_.publish("MKN704", "Ver.2.50A-01", "安定性を改善しました。", Bytes(200000, 0x5A));
    distribution_.add_routes(router_);
    server_ = std::make_unique<http::HttpServer>(engine_, router_.handler());
    auto ep = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(ep.ok()) << ep.error().message;
    url_ = "http://127.0.0.1:" + std::to_string(ep->port());
    source_ = std::make_unique<HttpFirmwareSource>(engine_, url_);
  }
  void TearDown() override { server_.reset(); }

  sim::Engine engine_;  // virtual time
  cloud::FirmwareDistribution distribution_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::string url_;
  std::unique_ptr<HttpFirmwareSource> source_;
};

TEST_F(FirmwareOverHttp, CheckDownloadVerifyInstallAndRebootIntoTheNewVersion) {
  Firmware fw(engine_, *source_, "MKN704", "Ver.2.40Q-01");
  std::vector<std::string> events;
  fw.on_event([&](const FirmwareEvent& e) { events.push_back(to_string(e.kind)); });
  ASSERT_TRUE(fw.check().ok());
  ASSERT_TRUE(engine_.run_until([&] { return fw.state() != FirmwareState::Checking; },
                                std::chrono::minutes(1)));
  ASSERT_EQ(fw.state(), FirmwareState::UpdateAvailable);
  EXPECT_EQ(fw.available()->release_notes, "安定性を改善しました。");
  ASSERT_TRUE(fw.install().ok());
  engine_.run_for(std::chrono::minutes(40));
  EXPECT_EQ(fw.running_version(), "Ver.2.50A-01");
  EXPECT_EQ(fw.state(), FirmwareState::Idle);
  EXPECT_EQ(events, (std::vector<std::string>{"update_available", "install_started", "installed",
                                              "shutting_down", "booted"}));
  // The 30-minute install ran in simulated time, and no HTTP answer was outrun.
  EXPECT_GE(engine_.now(), std::chrono::minutes(40));
}

TEST_F(FirmwareOverHttp, CloudDownMeansTheCheckFailsOffline) {  // DOMAIN R10
  server_->stop();
  Firmware fw(engine_, *source_, "MKN704", "Ver.2.40Q-01");
  std::string detail;
  fw.on_event([&](const FirmwareEvent& e) {
    if (e.kind == FirmwareEvent::Kind::CheckFailed) detail = e.detail;
  });
  ASSERT_TRUE(fw.check().ok());
  ASSERT_TRUE(engine_.run_until([&] { return fw.state() != FirmwareState::Checking; },
                                std::chrono::minutes(1)));
  EXPECT_EQ(fw.state(), FirmwareState::Idle);
  EXPECT_EQ(detail.rfind("offline", 0), 0u) << detail;
  EXPECT_NE(fw.screen().find("インターネット"), std::string::npos);
}

TEST_F(FirmwareOverHttp, ModelWithoutFirmwareIsAnHttpErrorNotACrash) {
  Firmware fw(engine_, *source_, "MKN999", "Ver.1");
  std::string detail;
  fw.on_event([&](const FirmwareEvent& e) { detail = e.detail; });
  ASSERT_TRUE(fw.check().ok());
  ASSERT_TRUE(engine_.run_until([&] { return fw.state() != FirmwareState::Checking; },
                                std::chrono::minutes(1)));
  EXPECT_EQ(detail.rfind("http_404", 0), 0u) << detail;
}

TEST_F(FirmwareOverHttp, GarbageFromTheCloudIsRefusedClearly) {
  http::Router garbage;
  garbage.get("/v1/firmware/{model}/latest",
              [](const http::HttpRequest&) { return http::HttpResponse::json("{not json"); });
  http::HttpServer bad(engine_, garbage.handler());
  auto ep = bad.listen("127.0.0.1", 0);
  ASSERT_TRUE(ep.ok());
  HttpFirmwareSource source(engine_, "http://127.0.0.1:" + std::to_string(ep->port()));
  Firmware fw(engine_, source, "MKN704", "Ver.2.40Q-01");
  std::string detail;
  fw.on_event([&](const FirmwareEvent& e) { detail = e.detail; });
  ASSERT_TRUE(fw.check().ok());
  ASSERT_TRUE(engine_.run_until([&] { return fw.state() != FirmwareState::Checking; },
                                std::chrono::minutes(1)));
  EXPECT_EQ(detail.rfind("protocol", 0), 0u) << detail;
}

TEST(HttpUrl, ParsesHostPortAndTarget) {
  auto u = http::parse_url("http://127.0.0.1:8080/v1/x?y=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/v1/x?y=1");
  EXPECT_EQ(http::parse_url("http://cloud")->port, "80");
  EXPECT_FALSE(http::parse_url("ftp://x").ok());
  EXPECT_FALSE(http::parse_url("http://:80/").ok());
  EXPECT_FALSE(http::parse_url("http://h:8x/").ok());
}

}  // namespace
