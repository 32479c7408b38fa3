// A restarted rig keeps its speaker users and Google links (serve --state
// DIR): the speaker link and the OAuth tokens take part in the cloud's SQLite
// snapshot. The unit here is a plain HTTP client on the unit channel.
#include <gtest/gtest.h>

#include <filesystem>

#include "cloud_test_client.hpp"
#include "devices/cloud/speaker_services.hpp"

using namespace hemsrig;
using hemsrig::testing::CloudTest;
using nlohmann::json;

namespace {

class SpeakerState : public CloudTest {
 protected:
  cloud::CloudOptions options() override {
    cloud::CloudOptions o;
    o.state_dir = dir_;
    return o;
  }
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("hemsrig-speaker-state-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    CloudTest::SetUp();
    install();
  }
  void TearDown() override {
    CloudTest::TearDown();
    speakers_.reset();
    std::filesystem::remove_all(dir_);
  }
  void install() {
    speakers_ = std::make_unique<cloud::SpeakerServices>(*cloud_);
    auto st = speakers_->install();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void restart() {
    cloud_.reset();
    speakers_.reset();
    start();
    install();
  }
  std::string dir_;
  std::unique_ptr<cloud::SpeakerServices> speakers_;
};

TEST_F(SpeakerState, ARestartedCloudKeepsSpeakerUsersAndGoogleLinks) {
  cloud_->firmware().publish("MKN704", "Ver.2.97I-03", "最新です。", aiseg2::Bytes(8, 1));
  const std::string token = member("taro@example.jp");
  const std::string unit = unit_hello();
  auto state = call("POST", "/v1/unit-channel/state",
                    json{{"server_service", {{"registered", true}}},
                         {"appliances",
                          {{{"key", "127.10.0.1/0x013001"},
                            {"name", "リビングエアコン"},
                            {"class", "0x0130"},
                            {"online", true},
                            {"state", {{"0x80", "31"}, {"0xB3", "1A"}}}}}}},
                    unit);
  ASSERT_EQ(state.status, 200) << state.raw.body;
  ASSERT_EQ(call("POST", "/v1/app/phones",
                 json{{"nickname", "たろうのスマホ"},
                      {"device_code", "9999950072"},
                      {"access_password", "9999950072"}},
                 token)
                .status,
            200);
  ASSERT_EQ(call("POST", "/v1/speaker/registration", json{{"nickname", "たろう"}}, token).status,
            200);
  ASSERT_EQ(
      call("POST", "/v1/speaker/registration/privacy-policy", json{{"accept", true}}, token).status,
      200);
  ASSERT_EQ(call("PUT", "/v1/speaker/registration/appliances",
                 json{{"appliances", {"127.10.0.1/0x013001"}}}, token)
                .status,
            200);
  // The account linking as JSON (the form is tested elsewhere).
  const auto google = speakers_->options().google;  // a copy: restart() replaces the services
  auto allowed = call("POST", "/oauth/authorize",
                      json{{"client_id", google.id},
                           {"redirect_uri", google.redirect_uri},
                           {"state", "s"},
                           {"response_type", "code"},
                           {"email", "taro@example.jp"},
                           {"password", "abc12345"},
                           {"decision", "allow"}});
  ASSERT_EQ(allowed.status, 302) << allowed.raw.body;
  const std::string location = *allowed.raw.header("Location");
  auto params = http::parse_query(location.substr(location.find('?') + 1));
  auto tokens = call("POST", "/oauth/token",
                     json{{"grant_type", "authorization_code"},
                          {"code", params["code"]},
                          {"redirect_uri", google.redirect_uri},
                          {"client_id", google.id},
                          {"client_secret", google.secret}});
  ASSERT_EQ(tokens.status, 200) << tokens.raw.body;
  ASSERT_EQ(
      call("POST", "/v1/speaker/registration/complete", json{{"accept_terms", true}}, token).status,
      200);
  const std::string access = tokens.body["access_token"];
  const std::string agent = speakers_->speaker_link().user("taro@example.jp")->agent_user_id;

  restart();
  const cloud::SpeakerUser* u = speakers_->speaker_link().user("taro@example.jp");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->nickname, "たろう");
  EXPECT_EQ(u->agent_user_id, agent);  // Google knows the user by it
  EXPECT_EQ(u->appliances, std::vector<std::string>{"127.10.0.1/0x013001"});
  auto sync =
      call("POST", "/smarthome/fulfillment",
           json{{"requestId", "r1"}, {"inputs", {{{"intent", "action.devices.SYNC"}}}}}, access);
  ASSERT_EQ(sync.status, 200) << sync.raw.body;
  EXPECT_EQ(sync.body["payload"]["agentUserId"], agent);
  EXPECT_EQ(sync.body["payload"]["devices"][0]["name"]["name"], "リビングエアコン");
  auto refresh = call("POST", "/oauth/token",
                      json{{"grant_type", "refresh_token"},
                           {"refresh_token", tokens.body["refresh_token"]},
                           {"client_id", google.id},
                           {"client_secret", google.secret}});
  EXPECT_EQ(refresh.status, 200) << refresh.raw.body;
}

}  // namespace
