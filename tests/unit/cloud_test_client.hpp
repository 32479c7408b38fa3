// cloud_test_client: a MockCloud on 127.0.0.1:0 in virtual time and a real
// HTTP client (sim/http's http_request over a loopback socket) for the
// tests/unit/cloud_*_test.cpp files, with the few steps most tests share
// (sign up and verify a CLUB ID, log in, a unit saying hello).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "devices/cloud/mock_cloud.hpp"
#include "sim/http/http_client.hpp"

namespace hemsrig::testing {

struct CloudReply {
  int status = 0;
  nlohmann::json body;  // parsed when the answer is JSON, else null
  http::HttpResponse raw;
  std::string code() const {
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
  }
  std::string rule() const {
    return body.is_object() && body.contains("error") ? body["error"].value("rule", "") : "";
  }
};

// Virtual time by default; real time where an outside client (curl on its own
// thread) takes part, since virtual time would race past its wall-clock wait.
template <sim::ClockMode Mode>
class CloudTestIn : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void TearDown() override { cloud_.reset(); }
  virtual cloud::CloudOptions options() { return {}; }
  void start() {
    cloud_ = std::make_unique<cloud::MockCloud>(engine_, options());
    auto st = cloud_->listen("127.0.0.1", 0);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  // One exchange over a real socket; `body` is sent as is (a string) or dumped (JSON).
  CloudReply call(const std::string& method, const std::string& path, const std::string& body = {},
                  const std::string& token = {}, http::Headers headers = {}) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    std::optional<Result<http::HttpResponse>> got;
    http::http_request(engine_, method, cloud_->url() + path, body, headers,
                       [&](Result<http::HttpResponse> r) { got = std::move(r); });
    EXPECT_TRUE(engine_.run_until([&] { return got.has_value(); }, std::chrono::minutes(2)));
    CloudReply reply;
    if (!got || !got->ok()) {
      ADD_FAILURE() << method << " " << path << ": "
                    << (got ? got->error().message : std::string("no answer"));
      return reply;
    }
    reply.raw = got->value();
    reply.status = reply.raw.status;
    reply.body = nlohmann::json::parse(reply.raw.body, nullptr, false);
    if (reply.body.is_discarded()) reply.body = nullptr;
    return reply;
  }
  CloudReply call(const std::string& method, const std::string& path, const nlohmann::json& body,
                  const std::string& token = {}) {
    return call(method, path, body.dump(), token);
  }

  // Signs up, follows the verification mail's link and logs in; returns the session token.
  std::string member(const std::string& email, const std::string& password = "abc12345") {
    auto r = call("POST", "/v1/club-id/signup",
                  nlohmann::json{{"email", email}, {"password", password}});
    EXPECT_EQ(r.status, 200) << r.raw.body;
    const auto mails = cloud_->outbox().mails(email);
    EXPECT_FALSE(mails.empty());
    if (mails.empty() || mails.back()->links.empty()) return {};
    follow(mails.back()->links.front());
    return login(email, password);
  }
  std::string login(const std::string& email, const std::string& password = "abc12345") {
    auto r =
        call("POST", "/v1/club-id/login", nlohmann::json{{"email", email}, {"password", password}});
    EXPECT_EQ(r.status, 200) << r.raw.body;
    return r.body.is_object() ? r.body.value("session", "") : "";
  }
  // A mail's link is followed with a plain GET, as a person's browser would.
  CloudReply follow(const std::string& link) {
    EXPECT_EQ(link.rfind(cloud_->url(), 0), 0u) << link;
    return call("GET", link.substr(cloud_->url().size()));
  }
  // A unit says hello on the unit channel; returns its session.
  std::string unit_hello(const std::string& device_code = "9999950072",
                         const std::string& model = "MKN704",
                         const std::string& firmware = "Ver.2.97I-03") {
    auto r = call(
        "POST", "/v1/unit-channel/hello",
        nlohmann::json{{"device_code", device_code}, {"model", model}, {"firmware", firmware}});
    EXPECT_EQ(r.status, 200) << r.raw.body;
    return r.body.is_object() ? r.body.value("session", "") : "";
  }

  sim::Engine engine_{sim::EngineOptions{Mode}};
  std::unique_ptr<cloud::MockCloud> cloud_;
};

using CloudTest = CloudTestIn<sim::ClockMode::Virtual>;
using RealtimeCloudTest = CloudTestIn<sim::ClockMode::Realtime>;

}  // namespace hemsrig::testing
