// The simulated AiSEG2 unit's web face without sockets: page shapes (the selectors, keys and
// argument orders clients read, as AISEG2-FACTS.md states them) and the site's routes, digest
// guard, control flow and setting mode through Router::dispatch.
#include "devices/aiseg2/web/unit_web_site.hpp"

#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "devices/aiseg2/web/script_body.hpp"
#include "devices/aiseg2/web/web_pages.hpp"

using namespace hemsrig;
using namespace hemsrig::aiseg2;
using http::HttpRequest;
using http::HttpResponse;

namespace {

UnitWebState sample_state() {
  UnitWebState s;
  s.token = 4242;
  s.device_name = "AiSEG2(A)";
  s.output_control_firmware = "Ver.1.02B-00";
  s.support_code = "1111-2222-3333-4444-5555-6666-7777-8888-9999-0000-01";
  s.mac_address = "00-11-22-aa-bb-cc";
  using A = UnitWebState::Appliance;
  s.appliances = {
      A{48, 0x029101, web_type::kLighting, "照明", "リビング", true, true, 3},
      A{4, 0x013001, web_type::kAirConditioner, "エアコン", "リビング", true, false, 0},
      A{49, 0x029101, web_type::kLighting, "照明", "主寝室", false, false, 0},
      A{33, 0x0f7001, web_type::kFloorHeating, "床暖房", "リビング", false, false, 0},
      A{23, 0x026b01, web_type::kHeatPumpWaterHeater, "エコキュート", "-", true, false, 0},
      A{1, 0x026301, web_type::kShutter, "シャッター", "２階", false, false, 0},
      A{2, 0x026302, web_type::kShutter, "シャッター", "和室", false, false, 0},
  };
  s.power.generation_kw = 2.13;
  s.power.use_kw = 1.2;
  s.power.buy_sell = UnitWebState::BuySell::Selling;
  s.power.pv1 = true;
  s.power.generators = {{"太陽光発電", 2130}};
  s.power.top_consumers = {{"ＬＤＫ・エアコン", 825}, {"洋室３", 70}};
  for (int i = 0; i < 23; ++i) s.circuits.push_back({"回路" + std::to_string(i), 1000 - i * 10});
  return s;
}

struct InitCall {
  int total = 0, page = 0, old_page = 0;
  long token = 0;
  nlohmann::json list;
};

// window.onload = init(total, page, oldPage, TOKEN, [...]);
std::optional<InitCall> init_call(const std::string& page) {
  static const std::regex re(R"(window\.onload = init\((\d+), (\d+), (\d+), (\d+), (\[.*\])\);)");
  std::smatch m;
  if (!std::regex_search(page, m, re)) return std::nullopt;
  return InitCall{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stol(m[4]),
                  nlohmann::json::parse(m[5].str())};
}

std::string text_of_id(const std::string& page, const std::string& id) {
  const std::regex re("id=\"" + id + "\"[^>]*>([^<]*)<");
  std::smatch m;
  return std::regex_search(page, m, re) ? m[1].str() : std::string("<missing>");
}

struct FakeActions : UnitWebActions {
  std::vector<ControlRequest> started;
  int polls = 0;
  Result<std::string> start_control(const ControlRequest& r) override {
    started.push_back(r);
    return std::string("108946");
  }
  ControlStatus control_status(const std::string& id) override {
    if (id != "108946") return ControlStatus::Failed;
    return polls++ == 0 ? ControlStatus::Running : ControlStatus::Done;
  }
};

constexpr const char* kPassword = "0123456789";

// Dispatches like a client: unauthenticated first, then answering the challenge.
HttpResponse digest_call(http::Router& router, const std::string& method, const std::string& target,
                         const std::string& body = "", const std::string& password = kPassword) {
  HttpRequest first = HttpRequest::make(method, target, body);
  HttpResponse challenge = router.dispatch(first);
  if (challenge.status != 401) return challenge;
  const auto params = http::parse_digest_header(*challenge.header("WWW-Authenticate"));
  const std::string nonce = params->at("nonce");
  const std::string response = http::DigestAuth::expected_response(
      "aiseg", "AiSEG", password, method, target, nonce, "00000001", "abcdef", "auth");
  HttpRequest second = first;
  second.headers.emplace_back("Authorization",
                              "Digest username=\"aiseg\", realm=\"AiSEG\", nonce=\"" + nonce +
                                  "\", uri=\"" + target + "\", response=\"" + response +
                                  "\", qop=auth, nc=00000001, cnonce=\"abcdef\"");
  return router.dispatch(second);
}

struct Site {
  FakeActions actions;
  UnitWebSite site{
      sample_state(),
      UnitWebSiteOptions{{}, [] { return std::string(kPassword); }, {}, "http://127.0.0.1/"},
      &actions};
  http::Router router;
  Site() { site.install(router); }

  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& password = kPassword) {
    return digest_call(router, method, target, body, password);
  }
  nlohmann::json call_json(const std::string& target, const std::string& body) {
    const auto r = call("POST", target, body);
    EXPECT_EQ(r.status, 200);
    return nlohmann::json::parse(r.body);
  }
};

}  // namespace

TEST(UnitWebPages, ElectricflowJsonHasTheRecordedKeysAndValueTypes) {
  const auto j = nlohmann::json::parse(web::electricflow_json(sample_state()));
  // kW as strings with one decimal.
  EXPECT_EQ(j.at("g_capacity"), "2.1");
  EXPECT_EQ(j.at("u_capacity"), "1.2");
  EXPECT_EQ(j.at("lo_buy_sell"), 1);  // 1 selling
  // W as ints, "-" where there is nothing; titles as strings.
  EXPECT_EQ(j.at("g_d_1_title"), "太陽光発電");
  EXPECT_EQ(j.at("g_d_1_capacity"), 2130);
  EXPECT_EQ(j.at("g_d_2_title"), "");
  EXPECT_EQ(j.at("g_d_2_capacity"), "-");
  EXPECT_EQ(j.at("u_d_1_title"), "ＬＤＫ・エアコン");
  EXPECT_EQ(j.at("u_d_1_capacity"), 825);
  EXPECT_EQ(j.at("best1"), 1);
  EXPECT_EQ(j.at("u_d_3_capacity"), "-");
  EXPECT_EQ(j.at("best3"), 0);
  EXPECT_EQ(j.at("percent"), "-");
  EXPECT_TRUE(j.at("fc").at("fcState").is_number_integer());
  EXPECT_TRUE(j.at("fc").at("fcLevel").is_number_integer());
  for (const char* key :
       {"soc", "charge", "connSb", "connEv", "connFc", "connPv1", "connPv2", "measReg", "sbNet",
        "noPvFc", "s_button_mode", "selfSufficiencyDisable"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j.at(key).is_number_integer()) << key;
  }
  EXPECT_EQ(j.at("connPv1"), 1);
  EXPECT_EQ(j.at("measReg"), 1);
}

TEST(UnitWebPages, ElectricflowPageCarriesTheValuesInItsDivs) {
  const std::string page = web::electricflow_page(sample_state());
  EXPECT_EQ(text_of_id(page, "g_capacity"), "2.1");
  EXPECT_EQ(text_of_id(page, "u_capacity"), "1.2");
  EXPECT_EQ(text_of_id(page, "g_d_1_title"), "太陽光発電");
  EXPECT_EQ(text_of_id(page, "g_d_1_capacity"), "2130");
  // Clients read g_d_N until one is missing and expect a number in each they find.
  EXPECT_EQ(page.find("g_d_2_title"), std::string::npos);
  EXPECT_EQ(text_of_id(page, "u_d_2_capacity"), "70");
}

TEST(UnitWebPages, PagesAreXhtmlWithTheFirmwareVersion) {
  const auto s = sample_state();
  for (const std::string& page :
       {web::electricflow_page(s), web::device_list_page(s, 1, 1), web::version_page(s),
        web::lighting_page(s, 1), web::circuits_page(s, 1), web::myhome_page(s)}) {
    EXPECT_TRUE(
        page.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC "
                         "\"-//W3C//DTD XHTML 1.0 Transitional//EN\""));
    EXPECT_NE(page.find("var version = 'Ver.2.97I-01';"), std::string::npos);
    EXPECT_NE(page.find("/contents/Ver.2.97I-01/"), std::string::npos);
  }
}

TEST(UnitWebPages, DeviceListInitTakesTotalPageOldPageTokenAndTheList) {
  const auto s = sample_state();
  const std::string page = web::device_list_page(s, 2, 1);
  const auto init = init_call(page);
  ASSERT_TRUE(init.has_value()) << page;
  // Panels: lighting (one for both), air conditioner, floor heating, water heater, 2 shutters.
  EXPECT_EQ(init->total, 6);
  EXPECT_EQ(init->page, 2);
  EXPECT_EQ(init->old_page, 1);
  EXPECT_EQ(init->token, 4242);
  ASSERT_EQ(init->list.size(), s.appliances.size());  // every appliance, on every page
  const auto& first = init->list[0];
  EXPECT_EQ(first, (nlohmann::json{{"nodeId", "48"},
                                   {"eoj", "0x029101"},
                                   {"type", "0x92"},
                                   {"name", "照明"},
                                   {"location", "リビング"}}));
  for (const auto& e : init->list) {
    for (const char* key : {"nodeId", "eoj", "type", "name", "location"}) {
      EXPECT_TRUE(e.at(key).is_string()) << key;
    }
  }
  EXPECT_EQ(init->list[1].at("type"), "0x33");
  EXPECT_EQ(init->list[3].at("eoj"), "0x0f7001");
  // The token also in the hidden span.
  EXPECT_NE(page.find("<span class=\"setting_value\" style=\"display:none;\">4242</span>"),
            std::string::npos);
  EXPECT_EQ(web::device_page_count(s), 2);
  EXPECT_EQ(init_call(web::device_list_page(s, 99, 2))->page, 2);  // clamped
}

TEST(UnitWebPages, NamesCannotBreakOutOfTheMarkupOrTheScript) {
  auto s = sample_state();
  s.appliances[3].name = "</script><b>\"'&";
  const std::string page = web::device_list_page(s, 1, 1);
  EXPECT_EQ(page.find("</script><b>"), std::string::npos);
  const auto init = init_call(page);
  ASSERT_TRUE(init.has_value());
  EXPECT_EQ(init->list[3].at("name"), "</script><b>\"'&");  // <\/ is "</" to JSON
}

TEST(UnitWebPages, VersionPageHasTheFiveRowsInOrder) {
  const std::string page = web::version_page(sample_state());
  const auto wrapper = page.find("id=\"table_wrapper1\"");
  ASSERT_NE(wrapper, std::string::npos);
  std::size_t at = wrapper;
  for (const auto& [label, value] : std::vector<std::pair<std::string, std::string>>{
           {"機器名称", "AiSEG2(A)"},
           {"ファームウェア（本体）", "Ver.2.97I-01"},
           {"ファームウェア（出力制御）", "Ver.1.02B-00"},
           {"サポートコード", "1111-2222-3333-4444-5555-6666-7777-8888-9999-0000-01"},
           {"MACアドレス", "00-11-22-aa-bb-cc"}}) {
    const auto row = page.find("<th>" + label + "</th><td>" + value + "</td>", at);
    ASSERT_NE(row, std::string::npos) << label;
    at = row;
  }
  EXPECT_NE(page.find("checkFirmware()"), std::string::npos);
}

TEST(UnitWebPages, LightingPanelsCarryTheirAttributesAndTheTokenOnMain) {
  const std::string page = web::lighting_page(sample_state(), 1);
  EXPECT_NE(page.find("<div id=\"main\" token=4242>"), std::string::npos);
  EXPECT_NE(page.find("class=\"panel\" nodeId=\"48\" eoj=\"0x029101\" type=\"0x92\" "
                      "nodeIdentNum=\"0x0000000000000048\" deviceId=\"048\" state=\"on\""),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("<div class=\"lighting_title\">リビング・照明</div>"), std::string::npos);
  EXPECT_NE(page.find("per_bar lv_3"), std::string::npos);
  EXPECT_NE(page.find("lighting_control button hidden"), std::string::npos);  // 49: not dimmable
  EXPECT_NE(page.find("var deviceCnt = 2;"), std::string::npos);
}

TEST(UnitWebPages, CircuitPagesShowTenLargestFirstAndRepeatTheLastPagePastTheData) {
  const auto s = sample_state();
  const std::string first = web::circuits_page(s, 1);
  EXPECT_NE(first.find("<div id=\"stage_1\" class=\"column c-1\">"), std::string::npos);
  EXPECT_NE(first.find("<div class=\"c_value\"> 1000W</div>\n<div class=\"c_device\">回路0<br />"),
            std::string::npos);
  EXPECT_NE(first.find("id=\"stage_10\""), std::string::npos);
  const std::string third = web::circuits_page(s, 3);
  EXPECT_NE(third.find("id=\"stage_3\""), std::string::npos);
  EXPECT_EQ(third.find("id=\"stage_4\""), std::string::npos);
  EXPECT_EQ(web::circuits_page(s, 9), third);
}

TEST(UnitWebPages, ScriptBodiesRawEncodedJsonAndEmptyAllParse) {
  const nlohmann::json want = {{"acceptId", "108946"}, {"type", "0x92"}};
  const std::string json = want.dump();
  EXPECT_EQ(*web::parse_script_body("data=" + json), want);
  EXPECT_EQ(*web::parse_script_body("data=" + http::percent_encode(json)), want);
  EXPECT_EQ(*web::parse_script_body(json), want);
  EXPECT_EQ(*web::parse_script_body("x=1&data=" + http::percent_encode(json)), want);
  EXPECT_EQ(*web::parse_script_body(""), nlohmann::json::object());
  EXPECT_EQ(*web::parse_script_body("data="), nlohmann::json::object());
  // Raw JSON that holds '&', '+' and '%' stays as it is.
  EXPECT_EQ(web::parse_script_body(R"(data={"name":"a&b+c%20"})")->at("name"), "a&b+c%20");
  // A form-encoded space may come as '+'.
  EXPECT_EQ(web::parse_script_body("data=%7B%22name%22%3A%22a+b%22%7D")->at("name"), "a b");
  EXPECT_FALSE(web::parse_script_body("data={broken").ok());
  EXPECT_FALSE(web::parse_script_body("garbage").ok());
}

TEST(UnitWebSite, EveryPathNeedsDigestButTheDeviceDescription) {
  Site s;
  for (const char* path : {"/page/electricflow/111", "/page/devices/device/32",
                           "/page/setting/etc/743", "/no/such/page"}) {
    const auto r = s.router.dispatch(HttpRequest::make("GET", path));
    EXPECT_EQ(r.status, 401) << path;
  }
  EXPECT_EQ(s.router.dispatch(HttpRequest::make("POST", "/data/electricflow/111/update")).status,
            401);
  EXPECT_EQ(s.call("GET", "/page/devices/device/32", "", "wrong").status, 401);
  EXPECT_EQ(s.call("GET", "/no/such/page").status, 404);
  const auto d = s.router.dispatch(
      HttpRequest::make("GET", "/description.xml", "", {{"Host", "127.0.0.9:8080"}}));
  EXPECT_EQ(d.status, 200);
  EXPECT_NE(d.body.find("<URLBase>http://127.0.0.9:8080/</URLBase>"), std::string::npos);
  EXPECT_NE(d.body.find("<modelNumber>MKN713</modelNumber>"), std::string::npos);
  EXPECT_NE(d.body.find("<modelName>"), std::string::npos);
}

TEST(UnitWebSite, ElectricflowUpdateAnswersRawEncodedAndEmptyBodies) {
  Site s;
  for (const std::string body : {"", "data={}", "data=%7B%7D", "{}"}) {
    const auto j = s.call_json("/data/electricflow/111/update", body);
    EXPECT_EQ(j.at("g_capacity"), "2.1") << body;
  }
  s.site.state().power.use_kw = 3.46;  // the unit moves on; the next call shows it
  EXPECT_EQ(s.call_json("/data/electricflow/111/update", "").at("u_capacity"), "3.5");
}

TEST(UnitWebSite, ChangeIsAcceptedThenCheckSaysRunningThenDone) {
  Site s;
  const std::string change =
      R"({"token":"4242","nodeId":"48","eoj":"0x029101","type":"0x92","device":{"onoff":"0x31","modulate":"-"}})";
  const auto accepted = s.call_json("/action/devices/device/32i1/change", "data=" + change);
  EXPECT_EQ(accepted,
            (nlohmann::json{{"result", "0"}, {"acceptId", "108946"}, {"errorInfo", "-"}}));
  ASSERT_EQ(s.actions.started.size(), 1u);
  const ControlRequest& r = s.actions.started[0];
  EXPECT_EQ(r.node_id, 48u);
  EXPECT_EQ(r.eoj, 0x029101u);
  EXPECT_EQ(r.type, web_type::kLighting);
  EXPECT_EQ(r.changes.at("onoff"), "0x31");
  EXPECT_EQ(r.changes.at("modulate"), "-");

  const std::string check = R"(data={"acceptId":"108946","type":"0x92"})";
  EXPECT_EQ(s.call_json("/data/devices/device/32i1/check", check).at("result"), "1");
  EXPECT_EQ(s.call_json("/data/devices/device/32i1/check", check).at("result"), "0");
  EXPECT_EQ(
      s.call_json("/data/devices/device/32i1/check", R"(data={"acceptId":"999","type":"0x92"})")
          .at("result"),
      "2");
}

TEST(UnitWebSite, ChangeBodiesMayBeRawEncodedOrBareJsonAndNumbersMayBeNumbers) {
  Site s;
  const std::string change =
      R"({"token":4242,"nodeId":48,"eoj":"0x029101","type":"0x92","device":{"onoff":"0x30","modulate":"0x50"}})";
  for (const std::string& body :
       {"data=" + change, "data=" + http::percent_encode(change), change}) {
    EXPECT_EQ(s.call_json("/action/devices/device/32i1/change", body).at("result"), "0") << body;
  }
  EXPECT_EQ(s.actions.started.size(), 3u);
}

TEST(UnitWebSite, ChangesThatCannotBeDoneAreRefusedInTheReplyNotWithAnHttpError) {
  Site s;
  auto result = [&](const std::string& body) {
    return s.call_json("/action/devices/device/32i1/change", body);
  };
  EXPECT_EQ(result("").at("result"), "1");  // empty: nothing to control
  EXPECT_EQ(result(R"(data={"token":"1","nodeId":"48","eoj":"0x029101"})").at("errorInfo"),
            "token");
  EXPECT_EQ(result(R"(data={"token":"4242","nodeId":"77","eoj":"0x029101"})").at("errorInfo"),
            "no_device");
  EXPECT_EQ(result(R"(data={"token":"4242","nodeId":"4","eoj":"0x013001"})").at("errorInfo"),
            "no_device");
  EXPECT_EQ(result("data={oops").at("errorInfo"), "bad_body");
  EXPECT_TRUE(s.actions.started.empty());
  s.site.set_actions(nullptr);
  EXPECT_EQ(
      result(R"(data={"nodeId":"48","eoj":"0x029101","device":{"onoff":"0x30"}})").at("errorInfo"),
      "no_controller");
}

TEST(UnitWebSite, DeviceListRemembersThePreviousPage) {
  Site s;
  EXPECT_EQ(init_call(s.call("GET", "/page/devices/device/32").body)->old_page, 1);
  EXPECT_EQ(init_call(s.call("GET", "/page/devices/device/32?page=2").body)->old_page, 1);
  const auto back = init_call(s.call("GET", "/page/devices/device/32?page=1").body);
  EXPECT_EQ(back->page, 1);
  EXPECT_EQ(back->old_page, 2);
}

TEST(UnitWebSite, SettingPageHoldsSettingModeUntilMyhome) {
  Site s;
  EXPECT_FALSE(s.site.setting_mode());
  EXPECT_EQ(s.call("GET", "/page/setting/etc/743").status, 200);
  EXPECT_TRUE(s.site.setting_mode());
  EXPECT_EQ(s.call("GET", "/page/electricflow/111").status, 200);
  EXPECT_TRUE(s.site.setting_mode());  // other pages do not end it
  EXPECT_EQ(s.call("GET", "/page/myhome/9").status, 200);
  EXPECT_FALSE(s.site.setting_mode());
}

TEST(UnitWebSite, AccessPasswordChangesAtRunTime) {
  std::string password = "0123456789";
  UnitWebSite site(sample_state(), UnitWebSiteOptions{{}, [&] { return password; }, {}, {}});
  http::Router router;
  site.install(router);
  EXPECT_EQ(digest_call(router, "GET", "/page/myhome/9", "", "0123456789").status, 200);
  password = "9876543210";  // R32: the user changed the access password
  EXPECT_EQ(digest_call(router, "GET", "/page/myhome/9", "", "0123456789").status, 401);
  EXPECT_EQ(digest_call(router, "GET", "/page/myhome/9", "", "9876543210").status, 200);
}
