// The simulated unit's web face over real loopback sockets: curl as the client (digest auth,
// script-call bodies, the control flow) and SSDP discovery with a plain UDP socket.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "devices/aiseg2/web/ssdp_responder.hpp"
#include "devices/aiseg2/web/unit_web_site.hpp"
#include "http_wire.hpp"
#include "sim/http/http_server.hpp"

using namespace hemsrig;
using namespace hemsrig::aiseg2;
using hemsrig::testing::curl;
using hemsrig::testing::CurlResult;
using hemsrig::testing::run_beside;
using hemsrig::testing::shell_quote;
using hemsrig::testing::udp_exchange;

namespace {

constexpr const char* kPassword = "1234567890";
constexpr const char* kScriptHeaders =
    "-H 'X-Requested-With: XMLHttpRequest' -H 'Content-Type: application/x-www-form-urlencoded' ";

struct Actions : UnitWebActions {
  int checks = 0;
  Result<std::string> start_control(const ControlRequest& r) override {
    if (r.changes.count("onoff") == 0) return make_error("nothing_to_do", "no onoff");
    return std::string("108946");
  }
  ControlStatus control_status(const std::string& id) override {
    if (id != "108946") return ControlStatus::Failed;
    return ++checks < 2 ? ControlStatus::Running : ControlStatus::Done;
  }
};

UnitWebState state() {
  UnitWebState s;
  s.token = 777;
  s.appliances.push_back({48, 0x029101, web_type::kLighting, "照明", "リビング", false, true, 0});
  s.appliances.push_back(
      {4, 0x013001, web_type::kAirConditioner, "エアコン", "寝室", true, false, 0});
  s.power.generation_kw = 0.0;
  s.power.use_kw = 0.64;
  s.power.buy_sell = UnitWebState::BuySell::Buying;
  return s;
}

// A realtime engine, the unit's site on a router, the router on a server at 127.0.0.1:<any>.
struct Unit {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  Actions actions;
  UnitWebSite site{state(), UnitWebSiteOptions{{}, [] { return std::string(kPassword); }, {}, {}},
                   &actions};
  http::Router router;
  std::unique_ptr<http::HttpServer> server;
  std::string base;

  Unit() {
    site.install(router);
    server = std::make_unique<http::HttpServer>(engine, router.handler());
    auto bound = server->listen("127.0.0.1", 0);
    EXPECT_TRUE(bound.ok());
    base = "http://127.0.0.1:" + std::to_string(bound->port());
  }
  CurlResult run(const std::string& args) {
    return run_beside<CurlResult>(engine, [&] { return curl(args); });
  }
  CurlResult script(const std::string& path, const std::string& body) {
    return run(std::string("--digest -u aiseg:") + kPassword + " " + kScriptHeaders +
               "--data-binary " + shell_quote(body) + " " + base + path);
  }
};

}  // namespace

TEST(UnitWebServer, CurlWithDigestReadsThePowerFlowForEveryBodyForm) {
  Unit u;
  for (const std::string body : {"data={}", "data=%7B%7D", "{}", ""}) {
    const auto r = u.script("/data/electricflow/111/update", body);
    ASSERT_EQ(r.status, 200) << body;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j.at("g_capacity"), "0.0");
    EXPECT_EQ(j.at("u_capacity"), "0.6");
    EXPECT_EQ(j.at("lo_buy_sell"), 0);
  }
}

TEST(UnitWebServer, WrongPasswordAndNoCredentialsGet401WithAQuotedChallenge) {
  Unit u;
  EXPECT_EQ(u.run("--digest -u aiseg:wrong " + u.base + "/page/devices/device/32").status, 401);
  const auto r = u.run(u.base + "/page/devices/device/32");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.headers.find("WWW-Authenticate: Digest realm=\"AiSEG\", nonce=\""), std::string::npos)
      << r.headers;
  EXPECT_NE(r.headers.find("qop=\"auth\""), std::string::npos);
}

TEST(UnitWebServer, CurlReadsTheApplianceListAndItsToken) {
  Unit u;
  const auto r = u.run(std::string("--digest -u aiseg:") + kPassword + " " + u.base +
                       "/page/devices/device/32?page=1");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.starts_with("<?xml version=\"1.0\""));
  EXPECT_NE(
      r.body.find("window.onload = init(2, 1, 1, 777, [{\"nodeId\":\"48\",\"eoj\":\"0x029101\","
                  "\"type\":\"0x92\",\"name\":\"照明\",\"location\":\"リビング\"}"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.headers.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
}

TEST(UnitWebServer, LightingChangeThenCheckUntilDone) {
  Unit u;
  const auto change = u.script(
      "/action/devices/device/32i1/change",
      R"(data={"token":"777","nodeId":"48","eoj":"0x029101","type":"0x92","device":{"onoff":"0x30","modulate":"-"}})");
  ASSERT_EQ(change.status, 200);
  const auto accepted = nlohmann::json::parse(change.body);
  EXPECT_EQ(accepted.at("result"), "0");
  EXPECT_EQ(accepted.at("acceptId"), "108946");
  // Clients poll a few times; here the second check says done.
  std::vector<std::string> results;
  for (int i = 0; i < 6 && (results.empty() || results.back() == "1"); ++i) {
    const auto check =
        u.script("/data/devices/device/32i1/check", R"(data={"acceptId":"108946","type":"0x92"})");
    ASSERT_EQ(check.status, 200);
    results.push_back(nlohmann::json::parse(check.body).at("result"));
  }
  EXPECT_EQ(results, (std::vector<std::string>{"1", "0"}));
  // A refused control is told in the reply.
  const auto refused = u.script("/action/devices/device/32i1/change",
                                R"({"token":"777","nodeId":"48","eoj":"0x029101","device":{}})");
  EXPECT_EQ(nlohmann::json::parse(refused.body).at("result"), "1");
}

// --- SSDP -------------------------------------------------------------------------------------

namespace {

const std::string kSearch =
    "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n"
    "ST: urn:panasonic-com:service:p60AiSeg2DataService:1\r\n\r\n";

SsdpOptions loopback_ssdp(const std::string& location) {
  SsdpOptions o;
  o.bind_address = "127.0.0.1";
  o.port = 0;
  o.multicast_group.clear();
  o.location = location;
  o.udn = "uuid:4d696e69-0000-0000-0000-000000000001";
  return o;
}

std::string header_value(const std::string& message, const std::string& name) {
  const auto at = message.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 4;
  return message.substr(start, message.find("\r\n", start) - start);
}

}  // namespace

TEST(SsdpResponder, AnswerNamesLocationTargetAndUsn) {
  const auto o = loopback_ssdp("http://127.0.0.1:8080/description.xml");
  const auto a = ssdp_answer(kSearch, o);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(a->ends_with("\r\n\r\n"));
  EXPECT_EQ(header_value(*a, "LOCATION"), "http://127.0.0.1:8080/description.xml");
  EXPECT_EQ(header_value(*a, "ST"), kAiseg2SearchTarget);
  EXPECT_EQ(header_value(*a, "USN"),
            "uuid:4d696e69-0000-0000-0000-000000000001::urn:panasonic-com:service:"
            "p60AiSeg2DataService:1");
  EXPECT_EQ(header_value(*a, "CACHE-CONTROL"), "max-age=1800");
  // ssdp:all gets the unit's own target.
  std::string all = kSearch;
  all.replace(all.find("urn:panasonic"), std::strlen(kAiseg2SearchTarget), "ssdp:all");
  EXPECT_EQ(header_value(*ssdp_answer(all, o), "ST"), kAiseg2SearchTarget);
}

TEST(SsdpResponder, OtherTargetsNotifiesAndSearchesWithoutManGetNoAnswer) {
  const auto o = loopback_ssdp("http://x/description.xml");
  std::string other = kSearch;
  other.replace(other.find("urn:panasonic"), std::strlen(kAiseg2SearchTarget),
                "urn:schemas-upnp-org:device:MediaRenderer:1");
  EXPECT_FALSE(ssdp_answer(other, o).has_value());
  EXPECT_FALSE(ssdp_answer("NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\n\r\n", o).has_value());
  std::string no_man = kSearch;
  no_man.erase(no_man.find("MAN:"), std::strlen("MAN: \"ssdp:discover\"\r\n"));
  EXPECT_FALSE(ssdp_answer(no_man, o).has_value());
  EXPECT_FALSE(ssdp_answer(std::string("\x00\xff garbage", 10), o).has_value());
}

TEST(SsdpResponder, AnswersAUnicastSearchOverLoopback) {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  auto responder =
      SsdpResponder::create(engine, loopback_ssdp("http://127.0.0.1:80/description.xml"));
  ASSERT_TRUE(responder.ok()) << responder.error().message;
  const auto port = (*responder)->local_endpoint().port();
  const auto got = run_beside<std::vector<std::string>>(engine, [&] {
    return udp_exchange("127.0.0.1", port, kSearch, std::chrono::milliseconds(1500));
  });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(header_value(got[0], "LOCATION"), "http://127.0.0.1:80/description.xml");
  EXPECT_EQ((*responder)->counters().answers, 1u);
}

TEST(SsdpResponder, AnswersAMulticastSearchOnLoopback) {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  SsdpOptions o = loopback_ssdp("http://127.0.0.1:80/description.xml");
  // The group itself with a port of its own, so parallel tests never hear each other.
  o.bind_address = "239.255.255.250";
  o.multicast_group = "239.255.255.250";
  o.interface_address = "127.0.0.1";
  auto responder = SsdpResponder::create(engine, o);
  ASSERT_TRUE(responder.ok()) << responder.error().message;
  const auto port = (*responder)->local_endpoint().port();
  const auto got = run_beside<std::vector<std::string>>(engine, [&] {
    return udp_exchange("239.255.255.250", port, kSearch, std::chrono::milliseconds(1500), 1,
                        "127.0.0.1");
  });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(header_value(got[0], "ST"), kAiseg2SearchTarget);
}

TEST(SsdpResponder, AUnitOffTheLanStaysSilent) {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  SsdpOptions o = loopback_ssdp("http://127.0.0.1:80/description.xml");
  o.answering = false;  // R30/R31: the phone must not find a unit that is not on its LAN
  auto responder = SsdpResponder::create(engine, o);
  ASSERT_TRUE(responder.ok());
  const auto port = (*responder)->local_endpoint().port();
  auto search = [&] {
    return run_beside<std::vector<std::string>>(engine, [&] {
      return udp_exchange("127.0.0.1", port, kSearch, std::chrono::milliseconds(400), 0);
    });
  };
  EXPECT_TRUE(search().empty());
  EXPECT_EQ((*responder)->counters().ignored, 1u);
  (*responder)->set_answering(true);  // back on the LAN
  EXPECT_EQ(search().size(), 1u);
}

TEST(UnitWebServer, DiscoveryFindsTheDescriptionWithModelAndUrlBase) {
  Unit u;
  auto responder = SsdpResponder::create(u.engine, loopback_ssdp(u.base + "/description.xml"));
  ASSERT_TRUE(responder.ok());
  const auto port = (*responder)->local_endpoint().port();
  const auto got = run_beside<std::vector<std::string>>(u.engine, [&] {
    return udp_exchange("127.0.0.1", port, kSearch, std::chrono::milliseconds(1500));
  });
  ASSERT_EQ(got.size(), 1u);
  const std::string location = header_value(got[0], "LOCATION");
  const auto d = u.run(shell_quote(location));  // no credentials: discovery tools send none
  ASSERT_EQ(d.status, 200);
  EXPECT_NE(d.body.find("<modelNumber>MKN713</modelNumber>"), std::string::npos);
  EXPECT_NE(d.body.find("<URLBase>" + u.base + "/</URLBase>"), std::string::npos) << d.body;
}

TEST(UnitWebServer, PythonUrllibDigestClientReadsTheApplianceList) {
  // A second independent digest client: Python's standard library (system python3).
  if (std::system("python3 -c 'import urllib.request' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no python3";
  }
  Unit u;
  const std::string script =
      "import urllib.request\n"
      "base = '" +
      u.base +
      "'\n"
      "pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()\n"
      "pm.add_password(None, base, 'aiseg', '" +
      std::string(kPassword) +
      "')\n"
      "o = urllib.request.build_opener(urllib.request.ProxyHandler({}),\n"
      "                                urllib.request.HTTPDigestAuthHandler(pm))\n"
      "for path in ['/page/devices/device/32', '/page/setting/etc/743']:\n"
      "    r = o.open(base + path, timeout=5)\n"
      "    print(r.status, 'init(' in r.read().decode('utf-8'))\n";
  const std::string out = run_beside<std::string>(u.engine, [&] {
    std::string text;
    if (FILE* p =
            ::popen(("timeout 10 python3 -c " + shell_quote(script) + " 2>&1").c_str(), "r")) {
      char buffer[256];
      while (std::fgets(buffer, sizeof(buffer), p) != nullptr) text += buffer;
      ::pclose(p);
    }
    return text;
  });
  EXPECT_EQ(out, "200 True\n200 False\n");
  EXPECT_TRUE(u.site.setting_mode());
}
