// Fault rules as JSON (docs/faults.md) and the admin routes that change a running injector:
// every kind round-trips, bad input is an error naming the key and changes nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http_wire.hpp"
#include "sim/http/fault_admin.hpp"
#include "sim/http/fault_plan.hpp"
#include "sim/http/http_server.hpp"

using namespace hemsrig;
using namespace hemsrig::http;
using nlohmann::json;

namespace {

std::string error_of(const std::string& text) {
  auto r = parse_fault_rule_text(text);
  return r.ok() ? std::string("(parsed)") : r.error().code + ": " + r.error().message;
}

}  // namespace

TEST(FaultPlan, EveryKindReadsAndWritesBackTheSame) {
  const std::vector<std::string> rules = {
      R"({"kind":"latency","ms":250,"path":"/firmware/*","method":"get","probability":0.25})",
      R"({"kind":"latency_uniform","min_ms":10,"max_ms":20})",
      R"({"kind":"latency_lognormal","median_ms":80,"sigma":0.4,"max_ms":1000})",
      R"({"kind":"dribble","delay_ms":5,"chunk_bytes":3})",
      R"({"kind":"status","status":503,"body":"{\"e\":1}","content_type":"application/json"})",
      R"({"kind":"empty","client":"127.0.0.7","times":2})",
      R"({"kind":"malformed_chunk"})",
      R"({"kind":"random_data","bytes":9})",
      R"({"kind":"reset","id":"cut"})",
      R"({"kind":"bandwidth","bytes_per_second":1000})",
      R"({"kind":"slow_close","ms":100})",
      R"({"kind":"timeout","ms":0})",
      R"({"kind":"data_limit","bytes":0})",
  };
  EXPECT_EQ(rules.size(), fault_kind_names().size());
  for (const auto& text : rules) {
    auto rule = parse_fault_rule_text(text);
    ASSERT_TRUE(rule.ok()) << text << ": " << rule.error().message;
    const json written = fault_rule_json(*rule);
    auto again = parse_fault_rule(written);
    ASSERT_TRUE(again.ok()) << written.dump() << ": " << again.error().message;
    EXPECT_EQ(fault_rule_json(*again), written) << text;
    const json given = json::parse(text);
    for (const auto& [key, value] : given.items()) {
      if (key == "method") continue;  // upper-cased
      EXPECT_EQ(written.at(key), value) << key << " of " << text;
    }
  }
  auto latency = parse_fault_rule_text(rules[0]);
  EXPECT_EQ(latency->match.method, "GET");
  EXPECT_EQ(latency->delay, std::chrono::milliseconds(250));
}

TEST(FaultPlan, BadRulesAreErrorsThatNameTheKey) {
  EXPECT_EQ(error_of("{"), "bad_json: the body is not valid JSON");
  EXPECT_NE(error_of(R"([1])").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"ms":3})").find("kind: missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"latancy","ms":3})").find("did you mean 'latency'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"latency"})").find("ms: missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"latency","ms":"3"})").find("ms: must be a number"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"latency","ms":-1})").find("ms: must be between 0"),
            std::string::npos);
  // A parameter of another kind.
  const auto other = error_of(R"({"kind":"reset","bytes":3})");
  EXPECT_NE(other.find("bytes: unknown key for kind reset"), std::string::npos) << other;
  EXPECT_NE(error_of(R"({"kind":"status","status":503,"probabilty":0.5})")
                .find("did you mean 'probability'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"status","status":503,"probability":1.5})").find("probability"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"status","status":99})").find("status: must be 200..599"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"status","status":503,"client":"cloud"})").find("client"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"status","status":503,"path":"firmware"})").find("path"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"latency_uniform","min_ms":9,"max_ms":2})").find("max_ms"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"dribble","delay_ms":1,"chunk_bytes":0})").find("chunk_bytes"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"status","status":503,"times":-2})").find("times"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind":"reset","fired":3})").find("fired"), std::string::npos);
}

TEST(FaultPlan, PlanErrorsSayWhichRule) {
  auto plan = parse_fault_plan_text(
      R"({"offline":false,"rules":[{"kind":"reset"},{"kind":"latency","ms":"x"}]})");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, "fault_rule");
  EXPECT_NE(plan.error().message.find("rules[1].ms"), std::string::npos) << plan.error().message;
  auto key = parse_fault_plan_text(R"({"rule":[]})");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("did you mean 'rules'"), std::string::npos);
  EXPECT_FALSE(parse_fault_plan_text(R"({"offline":"yes"})").ok());
  auto good = parse_fault_plan_text(R"({"offline":true,"rules":[{"kind":"reset","id":"r"}]})");
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(good->offline);
  ASSERT_EQ(good->rules.size(), 1u);
  EXPECT_EQ(good->rules[0].id, "r");
}

TEST(FaultInjector, ApplyReplacesEverythingOrNothing) {
  sim::Engine engine;
  FaultInjector faults(engine);
  ASSERT_TRUE(faults.add(*parse_fault_rule_text(R"({"kind":"reset"})")).ok());
  FaultPlan bad;
  bad.rules.push_back(*parse_fault_rule_text(R"({"kind":"reset","id":"a"})"));
  bad.rules.push_back(*parse_fault_rule_text(R"({"kind":"empty","id":"a"})"));
  auto refused = faults.apply(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "duplicate_id");
  ASSERT_EQ(faults.rules().size(), 1u);
  EXPECT_EQ(faults.rules()[0].id, "f1");
  bad.rules[1].id = "b";
  bad.offline = true;
  ASSERT_TRUE(faults.apply(bad).ok());
  ASSERT_EQ(faults.rules().size(), 2u);
  EXPECT_EQ(faults.rules()[1].id, "b");
  EXPECT_TRUE(faults.offline());
}

// The admin routes, served for real on a control server that does not share the injector.
struct AdminServer {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  std::shared_ptr<FaultInjector> faults = std::make_shared<FaultInjector>(engine);
  Router router;
  std::unique_ptr<HttpServer> server;
  std::string base;

  AdminServer() {
    add_fault_admin_routes(router, faults);
    server = std::make_unique<HttpServer>(engine, router.handler());
    auto bound = server->listen("127.0.0.1", 0);
    EXPECT_TRUE(bound.ok());
    base = "http://127.0.0.1:" + std::to_string(bound->port());
  }
  hemsrig::testing::CurlResult curl(const std::string& method, const std::string& path,
                                    const std::string& body = {}) {
    std::string args = "-X " + method + " " + hemsrig::testing::shell_quote(base + path);
    if (!body.empty()) args += " --data-binary " + hemsrig::testing::shell_quote(body);
    return hemsrig::testing::run_beside<hemsrig::testing::CurlResult>(
        engine, [&] { return hemsrig::testing::curl(args); });
  }
};

TEST(FaultAdmin, AddListDeleteAndOfflineOverHttp) {
  AdminServer s;
  auto added = s.curl("POST", "/admin/faults", R"({"kind":"status","status":503,"path":"/x/*"})");
  EXPECT_EQ(added.status, 201);
  EXPECT_EQ(json::parse(added.body), json({{"id", "f1"}}));
  EXPECT_EQ(s.curl("POST", "/admin/faults", R"({"kind":"reset","id":"cut"})").status, 201);

  auto listed = s.curl("GET", "/admin/faults");
  EXPECT_EQ(listed.status, 200);
  const json plan = json::parse(listed.body);
  EXPECT_EQ(plan.at("offline"), false);
  ASSERT_EQ(plan.at("rules").size(), 2u);
  EXPECT_EQ(plan["rules"][0].at("path"), "/x/*");
  EXPECT_EQ(plan["rules"][0].at("fired"), 0);
  EXPECT_EQ(plan["rules"][1].at("id"), "cut");

  EXPECT_EQ(s.curl("DELETE", "/admin/faults/f1").status, 204);
  EXPECT_EQ(s.faults->rules().size(), 1u);
  auto missing = s.curl("DELETE", "/admin/faults/f1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "no_such_rule");
  EXPECT_EQ(s.curl("DELETE", "/admin/faults").status, 204);
  EXPECT_TRUE(s.faults->rules().empty());

  auto down = s.curl("PUT", "/admin/offline", R"({"offline": true})");
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(json::parse(down.body), json({{"offline", true}}));
  EXPECT_TRUE(s.faults->offline());
  EXPECT_EQ(s.curl("PUT", "/admin/offline", R"({"offline": false})").status, 200);
  EXPECT_FALSE(s.faults->offline());
}

TEST(FaultAdmin, GarbageGets400WithAJsonErrorAndChangesNothing) {
  AdminServer s;
  ASSERT_EQ(s.curl("POST", "/admin/faults", R"({"kind":"reset"})").status, 201);
  for (const std::string body : {"not json", R"({"kind":"reset","bogus":1})", R"({"kind":"x"})",
                                 R"([])", R"({"kind":"latency","ms":"slow"})"}) {
    auto r = s.curl("POST", "/admin/faults", body);
    EXPECT_EQ(r.status, 400) << body;
    const json error = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(error.contains("error")) << r.body;
    EXPECT_FALSE(error["error"].at("message").get<std::string>().empty());
  }
  auto dup = s.curl("POST", "/admin/faults", R"({"kind":"reset","id":"f1"})");
  EXPECT_EQ(dup.status, 409);
  for (const std::string body :
       {"", "{", R"({"offline":"yes"})", R"({"offline":true,"x":1})", R"({"for_ms":5})"}) {
    auto r = s.curl("PUT", "/admin/offline", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(json::parse(r.body, nullptr, false).contains("error")) << r.body;
  }
  EXPECT_EQ(s.faults->rules().size(), 1u);
  EXPECT_FALSE(s.faults->offline());
}
