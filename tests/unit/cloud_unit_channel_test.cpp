// The unit channel, cloud side, over real HTTP (docs/unit-channel.md): hello
// (DOMAIN R2 models only), state reports, the long poll that delivers a command
// and carries its result back, empty answers after wait_s in virtual time,
// the command timeout, offline after 3 missed heartbeats, session replacement.
#include <gtest/gtest.h>

#include "cloud_test_client.hpp"

using namespace hemsrig;
using hemsrig::testing::CloudReply;
using hemsrig::testing::CloudTest;
using nlohmann::json;

namespace {

class UnitChannel : public CloudTest {
 protected:
  // Starts a long poll; the answer lands in `out` once the engine runs.
  void start_poll(const std::string& session, std::optional<Result<http::HttpResponse>>& out,
                  int wait_s = 25) {
    http::HttpClientOptions o;
    o.timeout = std::chrono::seconds(120);
    http::http_request(
        engine_, "GET",
        cloud_->url() + "/v1/unit-channel/commands?wait_s=" + std::to_string(wait_s), "",
        {{"Authorization", "Bearer " + session}},
        [&out](Result<http::HttpResponse> r) { out = std::move(r); }, o);
  }
};

TEST_F(UnitChannel, HelloRegistersTheUnitOnline) {
  const std::string s = unit_hello("99999-50072");
  ASSERT_FALSE(s.empty());
  const cloud::UnitRecord* u = cloud_->units().find("9999950072");
  ASSERT_NE(u, nullptr);
  EXPECT_TRUE(u->online);
  EXPECT_EQ(u->access_password, "9999950072");  // DOMAIN R32: factory password
}

TEST_F(UnitChannel, UnknownModelRefused) {  // DOMAIN R2
  auto r = call("POST", "/v1/unit-channel/hello",
                json{{"device_code", "9999950072"}, {"model", "HF-JA2"}, {"firmware", "1"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.code(), "unknown_model");
  EXPECT_EQ(r.rule(), "R2");
  EXPECT_EQ(cloud_->units().find("9999950072"), nullptr);
  auto bad = call("POST", "/v1/unit-channel/hello",
                  json{{"device_code", "12345"}, {"model", "MKN704"}, {"firmware", "1"}});
  EXPECT_EQ(bad.code(), "invalid_field");
}

TEST_F(UnitChannel, StateReportFillsTheDirectory) {
  const std::string s = unit_hello();
  auto r = call("POST", "/v1/unit-channel/state",
                json{{"firmware", "Ver.2.98A-03"},
                     {"appliances",
                      {{{"key", "127.10.0.1/0x013001"},
                        {"name", "リビングエアコン"},
                        {"class", "0x0130"},
                        {"online", true},
                        {"state", {{"0x80", "30"}, {"0xB3", "1A"}}}}}},
                     {"link_codes",
                      {{{"code", "12345678"},
                        {"club_id", "taro@example.jp"},
                        {"expires_at_ms", 3600000},
                        {"used", false}}}}},
                s);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  const cloud::UnitRecord* u = cloud_->units().find("9999950072");
  EXPECT_EQ(u->firmware, "Ver.2.98A-03");
  ASSERT_NE(u->appliance("127.10.0.1/0x013001"), nullptr);
  EXPECT_EQ(u->appliance("127.10.0.1/0x013001")->state.at("0xB3"), "1A");
  EXPECT_EQ(u->link_codes.size(), 1u);
}

TEST_F(UnitChannel, MalformedStateGets400AndChangesNothing) {
  const std::string s = unit_hello();
  auto r = call("POST", "/v1/unit-channel/state",
                json{{"firmware", "Ver.9"}, {"appliances", {{{"name", "no key"}}}}}, s);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "invalid_field");
  EXPECT_EQ(cloud_->units().find("9999950072")->firmware, "Ver.2.97I-03");
  EXPECT_EQ(call("POST", "/v1/unit-channel/state", std::string("garbage"), s).code(), "bad_json");
  EXPECT_EQ(call("POST", "/v1/unit-channel/state", json{{"firmware", "x"}}, "nosuch").status, 401);
}

TEST_F(UnitChannel, LongPollDeliversACommandAndCarriesTheResultBack) {
  const std::string s = unit_hello();
  std::optional<Result<http::HttpResponse>> poll;
  start_poll(s, poll);
  engine_.run_for(std::chrono::seconds(3));  // the poll is parked: time goes on
  ASSERT_FALSE(poll.has_value());
  std::optional<Result<json>> result;
  cloud_->units().send_command("9999950072",
                               json{{"kind", "query"}, {"appliance", "127.10.0.1/0x013001"}},
                               [&](Result<json> r) { result = std::move(r); });
  ASSERT_TRUE(engine_.run_until([&] { return poll.has_value(); }, std::chrono::seconds(5)));
  ASSERT_TRUE(poll->ok());
  const json commands = json::parse(poll->value().body)["commands"];
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0]["kind"], "query");
  const std::string id = commands[0]["id"];
  auto r = call("POST", "/v1/unit-channel/commands/" + id + "/result",
                json{{"ok", true}, {"error", ""}, {"state", {{"0x80", "30"}}}}, s);
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok());
  EXPECT_EQ((*result)->at("state").at("0x80"), "30");
  // Answering twice is refused.
  EXPECT_EQ(
      call("POST", "/v1/unit-channel/commands/" + id + "/result", json{{"ok", true}}, s).code(),
      "command_unknown");
}

TEST_F(UnitChannel, AdminRouteReachesTheUnitThroughItsPoll) {
  const std::string s = unit_hello();
  std::optional<Result<http::HttpResponse>> admin;
  http::http_request(engine_, "POST", cloud_->url() + "/v1/units/9999950072/commands",
                     json{{"kind", "run_voice_scene"}, {"scene", "おやすみ"}}.dump(), {},
                     [&](Result<http::HttpResponse> r) { admin = std::move(r); });
  std::optional<Result<http::HttpResponse>> poll;
  start_poll(s, poll);
  ASSERT_TRUE(engine_.run_until([&] { return poll.has_value(); }, std::chrono::seconds(5)));
  const json c = json::parse(poll->value().body)["commands"][0];
  EXPECT_EQ(c["scene"], "おやすみ");
  call("POST", "/v1/unit-channel/commands/" + c["id"].get<std::string>() + "/result",
       json{{"ok", true}, {"entries", json::array()}}, s);
  ASSERT_TRUE(engine_.run_until([&] { return admin.has_value(); }, std::chrono::seconds(5)));
  EXPECT_EQ(admin->value().status, 200);
  EXPECT_TRUE(json::parse(admin->value().body)["result"]["ok"].get<bool>());
}

TEST_F(UnitChannel, EmptyPollAnswersAfterWaitInVirtualTime) {
  const std::string s = unit_hello();
  std::optional<Result<http::HttpResponse>> poll;
  start_poll(s, poll, 25);
  const auto t0 = engine_.now();
  ASSERT_TRUE(engine_.run_until([&] { return poll.has_value(); }, std::chrono::minutes(1)));
  EXPECT_GE(engine_.now() - t0, std::chrono::seconds(25));
  EXPECT_TRUE(json::parse(poll->value().body)["commands"].empty());
  EXPECT_EQ(call("GET", "/v1/unit-channel/commands?wait_s=99", std::string(), s).code(),
            "invalid_field");
}

TEST_F(UnitChannel, CommandNotAnsweredTimesOut) {
  unit_hello();
  std::optional<Result<json>> result;
  cloud_->units().send_command("9999950072", json{{"kind", "query"}, {"appliance", "x"}},
                               [&](Result<json> r) { result = std::move(r); });
  engine_.run_for(std::chrono::milliseconds(9999));
  EXPECT_FALSE(result.has_value());
  engine_.run_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error().code, "timeout");
}

TEST_F(UnitChannel, OfflineAfterThreeMissedHeartbeats) {
  const std::string s = unit_hello();
  engine_.run_for(std::chrono::seconds(170));
  ASSERT_EQ(call("POST", "/v1/unit-channel/state", json::object(), s).status, 200);  // heartbeat
  engine_.run_for(std::chrono::seconds(179));
  EXPECT_TRUE(cloud_->units().online("9999950072"));
  engine_.run_for(std::chrono::seconds(2));
  EXPECT_FALSE(cloud_->units().online("9999950072"));
  std::optional<Result<json>> result;
  cloud_->units().send_command("9999950072", json{{"kind", "query"}},
                               [&](Result<json> r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error().code, "deviceOffline");
}

TEST_F(UnitChannel, NewHelloReplacesTheSession) {
  const std::string first = unit_hello();
  std::optional<Result<http::HttpResponse>> poll;
  start_poll(first, poll);
  engine_.run_for(std::chrono::seconds(1));
  const std::string second = unit_hello();
  EXPECT_NE(first, second);
  ASSERT_TRUE(engine_.run_until([&] { return poll.has_value(); }, std::chrono::seconds(5)));
  EXPECT_EQ(poll->value().status, 401);
  EXPECT_EQ(call("POST", "/v1/unit-channel/state", json::object(), first).code(),
            "session_unknown");
  EXPECT_EQ(call("POST", "/v1/unit-channel/state", json::object(), second).status, 200);
}

}  // namespace
