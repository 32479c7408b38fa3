// The cloud's state in SQLite (serve --state DIR): a restarted cloud keeps
// its CLUB IDs, sessions, units, registrations and phones; without a state
// dir nothing is written.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "cloud_test_client.hpp"

using namespace hemsrig;
using hemsrig::testing::CloudReply;
using hemsrig::testing::CloudTest;
using nlohmann::json;

namespace {

class CloudState : public CloudTest {
 protected:
  cloud::CloudOptions options() override {
    cloud::CloudOptions o;
    o.state_dir = dir_;
    return o;
  }
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("hemsrig-cloud-state-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    CloudTest::SetUp();
  }
  void TearDown() override {
    CloudTest::TearDown();
    std::filesystem::remove_all(dir_);
  }
  void restart() {
    cloud_.reset();
    start();
  }
  std::string dir_;
};

TEST_F(CloudState, RestartedCloudKeepsAccountsAndRegistrations) {
  const std::string token = member("taro@example.jp");
  unit_hello();
  ASSERT_EQ(call("POST", "/v1/app/phones",
                 json{{"nickname", "たろう"},
                      {"device_code", "9999950072"},
                      {"access_password", "9999950072"}},
                 token)
                .status,
            200);
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/cloud.sqlite"));
  restart();
  const cloud::Account* a = cloud_->club_ids().find("taro@example.jp");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->verified);
  EXPECT_TRUE(cloud_->club_ids().check_password("taro@example.jp", "abc12345"));
  EXPECT_FALSE(cloud_->club_ids().check_password("taro@example.jp", "abc12346"));
  EXPECT_EQ(cloud_->club_ids().session_owner(token), "taro@example.jp");
  EXPECT_EQ(cloud_->app().phones_of("taro@example.jp").size(), 1u);
  ASSERT_NE(cloud_->units().find("9999950072"), nullptr);
  EXPECT_FALSE(cloud_->units().online("9999950072"));  // it must say hello again
  EXPECT_FALSE(login("taro@example.jp").empty());
  EXPECT_EQ(cloud_->outbox().mails("taro@example.jp").size(), 1u);
}

TEST_F(CloudState, FollowedVerificationLinkSurvivesARestart) {  // DOMAIN R21
  ASSERT_EQ(call("POST", "/v1/club-id/signup",
                 json{{"email", "taro@example.jp"}, {"password", "abc12345"}})
                .status,
            200);
  ASSERT_EQ(follow(cloud_->outbox().mails("taro@example.jp").back()->links[0]).status, 200);
  restart();
  EXPECT_TRUE(cloud_->club_ids().find("taro@example.jp")->verified);
}

TEST_F(CloudState, RefusedRequestsWriteNothingNew) {
  member("taro@example.jp");
  call("POST", "/v1/club-id/signup", std::string("{garbage"));
  restart();
  EXPECT_EQ(cloud_->club_ids().account_count(), 1u);
}

}  // namespace
