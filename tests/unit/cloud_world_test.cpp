// The world file's `cloud:` section: seeded CLUB IDs (DOMAIN R20, R22), time
// limits, precise file:line:col errors, and the World running the MockCloud
// (its URL among serve's endpoints, its events in the trace).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "cloud_test_client.hpp"
#include "rig/world/world.hpp"

using namespace hemsrig;
using namespace hemsrig::rig;
using nlohmann::json;

namespace {

class CloudWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  }
  WorldLoad load(const std::string& text) { return load_world_text(text, "w.yaml", lib_); }
  std::string errors(const WorldLoad& l) {
    std::string s;
    for (const auto& d : l.diagnostics) s += d.str() + "\n";
    return s;
  }
  echonet::ProfileLibrary lib_;
};

const char* kWorld = R"(world: w
appliances: []
cloud:
  accounts:
    - {email: taro@example.jp, password: abc12345}
    - {email: hanako@example.jp, password: xyz98765, verified: false}
    - {email: jiro@example.jp, password: jiro1234, phone: "09012345678"}
  verification_link_lifetime: 30m
  model_change_code_lifetime: 2d
  command_timeout: 5s
)";

TEST_F(CloudWorld, AccountsAndLimitsAreRead) {
  auto l = load(kWorld);
  ASSERT_TRUE(l.spec) << errors(l);
  ASSERT_EQ(l.spec->cloud->accounts.size(), 3u);
  EXPECT_FALSE(l.spec->cloud->accounts[1].verified);
  EXPECT_EQ(l.spec->cloud->accounts[2].phone, "09012345678");
  EXPECT_EQ(l.spec->cloud->verification_link_lifetime, sim::minutes(30));
  EXPECT_EQ(l.spec->cloud->command_timeout, sim::seconds(5));
}

TEST_F(CloudWorld, WeakPasswordAndTyposAreFileErrors) {  // DOMAIN R20
  auto l = load(R"(world: w
appliances: []
cloud:
  acounts: []
  accounts:
    - {email: taro@example.jp, password: abc}
    - {email: taro@example.jp, pasword: abc12345}
)");
  ASSERT_FALSE(l.spec);
  const std::string e = errors(l);
  EXPECT_NE(e.find("w.yaml:4:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("accounts"), std::string::npos) << e;  // did you mean
  EXPECT_NE(e.find("w.yaml:6:42: the password must be 8 to 16"), std::string::npos) << e;
  EXPECT_NE(e.find("DOMAIN R20"), std::string::npos) << e;
  EXPECT_NE(e.find("listed twice"), std::string::npos) << e;
}

TEST_F(CloudWorld, WorldRunsTheMockCloudWithItsAccounts) {
  auto l = load(kWorld);
  ASSERT_TRUE(l.spec) << errors(l);
  const std::string trace_path =
      ::testing::TempDir() + "cloud-world-" + std::to_string(::getpid()) + ".jsonl";
  WorldOptions wo;
  wo.trace_path = trace_path;
  auto w = World::create(*l.spec, lib_, wo);
  ASSERT_TRUE(w.ok()) << w.error().message;
  World& world = **w;
  ASSERT_NE(world.cloud(), nullptr);
  EXPECT_EQ(world.cloud_url(), world.cloud()->url());
  bool listed = false;
  for (const auto& e : world.endpoints())
    if (e.kind == "cloud" && e.address == world.cloud_url()) listed = true;
  EXPECT_TRUE(listed);
  cloud::ClubIdService& ids = world.cloud()->club_ids();
  EXPECT_TRUE(ids.check_password("taro@example.jp", "abc12345"));
  EXPECT_TRUE(ids.login("taro@example.jp", "abc12345").ok());
  EXPECT_EQ(ids.login("hanako@example.jp", "xyz98765").error().code, "not_verified");
  auto jiro = ids.login("jiro@example.jp", "jiro1234");  // DOMAIN R22: SMS code
  ASSERT_TRUE(jiro.ok());
  EXPECT_TRUE(jiro->session.empty());
  EXPECT_EQ(world.cloud()->outbox().sms("09012345678").size(), 1u);
  EXPECT_EQ(world.cloud()->units().options().command_timeout, sim::seconds(5));
  // Cloud events go into the world's trace.
  world.stop();
  std::ifstream in(trace_path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\"kind\":\"cloud.listening\""), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\"kind\":\"cloud.sms\""), std::string::npos);
  std::remove(trace_path.c_str());
}

}  // namespace
