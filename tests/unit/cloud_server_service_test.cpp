// The server service, cloud side, over real HTTP (DOMAIN R35-R37, R50-R54):
// household settings validated field by field, prices with at most 2
// decimals, the 6-digit confirmation code typed back, registration status,
// and re-registration that overwrites (a new history epoch).
#include <gtest/gtest.h>

#include "cloud_test_client.hpp"

using namespace hemsrig;
using hemsrig::testing::CloudReply;
using hemsrig::testing::CloudTest;
using nlohmann::json;

namespace {

const json kHousehold = {{"prefecture", "大阪府"},   {"region", "大阪府"},
                         {"municipality", "門真市"}, {"household_size", 4},
                         {"building", "detached"},   {"energy", "electricity_only"}};
const json kPrices = {{"electricity_company", "関西電力"},
                      {"electricity_plan", "従量電灯A"},
                      {"sell", "16.00"},
                      {"water", 150.5},
                      {"gas", "180.25"}};
const std::string kBase = "/v1/server-service/99999-50072";

class CloudServerService : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    token_ = member("taro@example.jp");
  }
  std::string token_;
};

TEST_F(CloudServerService, RegistrationIssuesASixDigitCode) {  // DOMAIN R35, R37, R52
  EXPECT_EQ(call("GET", kBase, std::string(), token_).body["registered"], false);
  auto r = call("POST", kBase + "/registration",
                json{{"household", kHousehold}, {"prices", kPrices}}, token_);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  const std::string code = r.body["confirmation_code"];
  EXPECT_EQ(code.size(), 6u);
  EXPECT_EQ(code.find_first_not_of("0123456789"), std::string::npos);
  auto status = call("GET", kBase, std::string(), token_);
  EXPECT_EQ(status.body["registered"], true);
  EXPECT_EQ(status.body["status"], "登録済み");
  EXPECT_EQ(status.body["household"]["municipality"], "門真市");
  EXPECT_EQ(status.body["prices"]["water"], "150.5");
}

TEST_F(CloudServerService, EveryHouseholdFieldIsRequiredAndChecked) {  // DOMAIN R35
  for (const char* field :
       {"prefecture", "region", "municipality", "household_size", "building", "energy"}) {
    json h = kHousehold;
    h.erase(field);
    auto r = call("POST", kBase + "/registration", json{{"household", h}}, token_);
    EXPECT_EQ(r.code(), "missing_field") << field;
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find(field), std::string::npos);
  }
  for (auto [field, value] : {std::pair<const char*, json>{"prefecture", "大坂"},
                              {"household_size", 0},
                              {"household_size", "4"},
                              {"building", "castle"},
                              {"energy", "coal"}}) {
    json h = kHousehold;
    h[field] = value;
    EXPECT_EQ(call("POST", kBase + "/registration", json{{"household", h}}, token_).code(),
              "invalid_field")
        << field;
  }
  EXPECT_FALSE(cloud_->units().find("9999950072") &&
               cloud_->units().find("9999950072")->server.registered);
}

TEST_F(CloudServerService, PricesTakeAtMostTwoDecimals) {  // DOMAIN R36
  json p = kPrices;
  p["sell"] = "12.345";
  auto r =
      call("POST", kBase + "/registration", json{{"household", kHousehold}, {"prices", p}}, token_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "price_precision");
  EXPECT_EQ(r.rule(), "R36");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("sell"), std::string::npos);
  p["sell"] = 12.345;
  EXPECT_EQ(
      call("POST", kBase + "/registration", json{{"household", kHousehold}, {"prices", p}}, token_)
          .code(),
      "price_precision");
  EXPECT_FALSE(cloud_->units().find("9999950072") &&
               cloud_->units().find("9999950072")->server.registered);
  // Prices are optional and can be set later; 2 decimals are fine.
  ASSERT_EQ(call("POST", kBase + "/registration", json{{"household", kHousehold}}, token_).status,
            200);
  p["sell"] = "12.34";
  EXPECT_EQ(call("PUT", kBase + "/prices", p, token_).status, 200);
  p["gas"] = "-1";
  EXPECT_EQ(call("PUT", kBase + "/prices", p, token_).code(), "invalid_field");
  EXPECT_EQ(cloud_->units().find("9999950072")->server.prices->sell, "12.34");
}

TEST_F(CloudServerService, WrongConfirmationCodeRejected) {  // DOMAIN R54, R37
  auto r = call("POST", kBase + "/registration", json{{"household", kHousehold}}, token_);
  const std::string code = r.body["confirmation_code"];
  const std::string wrong = code == "000000" ? "111111" : "000000";
  auto bad = call("POST", kBase + "/confirm", json{{"confirmation_code", wrong}}, token_);
  EXPECT_EQ(bad.code(), "wrong_confirmation_code");
  EXPECT_EQ(bad.rule(), "R54");
  EXPECT_EQ(call("POST", kBase + "/confirm", json{{"confirmation_code", code}}, token_).status,
            200);
  // Renewing issues a new code that must be confirmed again.
  auto renewed = call("POST", kBase + "/confirmation-code", std::string(), token_);
  ASSERT_EQ(renewed.status, 200);
  EXPECT_EQ(call("GET", kBase, std::string(), token_).body["confirmed"], false);
}

TEST_F(CloudServerService, ReRegistrationNeedsOverwriteAndStartsANewHistory) {  // DOMAIN R50
  ASSERT_EQ(call("POST", kBase + "/registration", json{{"household", kHousehold}}, token_).status,
            200);
  auto again = call("POST", kBase + "/registration", json{{"household", kHousehold}}, token_);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code(), "already_registered");
  EXPECT_EQ(again.rule(), "R50");
  EXPECT_EQ(cloud_->units().find("9999950072")->server.history_epoch, 0);
  auto over = call("POST", kBase + "/registration",
                   json{{"household", kHousehold}, {"overwrite", true}}, token_);
  ASSERT_EQ(over.status, 200);
  EXPECT_EQ(over.body["history_epoch"], 1);
}

TEST_F(CloudServerService, UnitReportedRegistrationShowsInStatus) {  // DOMAIN R52, R54 on the unit
  const std::string s = unit_hello();
  ASSERT_EQ(call("POST", "/v1/unit-channel/state",
                 json{{"server_service",
                       {{"registered", true},
                        {"confirmation_code", "909580"},
                        {"household", kHousehold},
                        {"history_epoch", 2}}}},
                 s)
                .status,
            200);
  auto st = call("GET", kBase, std::string(), token_);
  EXPECT_EQ(st.body["registered"], true);
  EXPECT_EQ(st.body["history_epoch"], 2);
}

TEST_F(CloudServerService, NeedsALoginAndTenDigits) {  // DOMAIN R51
  EXPECT_EQ(call("GET", kBase).status, 401);
  EXPECT_EQ(call("GET", "/v1/server-service/12345", std::string(), token_).code(), "invalid_field");
}

}  // namespace
