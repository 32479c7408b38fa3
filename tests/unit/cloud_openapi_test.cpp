// The cloud's API document: /openapi.json is OpenAPI 3, equals the copy kept in
// docs/cloud-openapi.json, lists every route the router has, and every error
// code the services answer is explained in docs/cloud-api.md.
// HEMSRIG_UPDATE_DOCS=1 rewrites docs/cloud-openapi.json from the running cloud.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cloud_test_client.hpp"
#include "devices/cloud/speaker_services.hpp"

using namespace hemsrig;
using hemsrig::testing::CloudReply;
using hemsrig::testing::CloudTest;
using nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kDoc = std::string(HEMSRIG_SOURCE_DIR) + "/docs/cloud-openapi.json";

// The whole cloud: the core services and the speaker side (google's), which add
// their routes to the same document through MockCloud::add_service.
class OpenApi : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    speakers_ = std::make_unique<cloud::SpeakerServices>(*cloud_);
    auto st = speakers_->install();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void TearDown() override {
    CloudTest::TearDown();
    speakers_.reset();
  }
  std::unique_ptr<cloud::SpeakerServices> speakers_;
};

TEST_F(OpenApi, ServedDocumentEqualsTheOneInDocs) {
  auto r = call("GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["openapi"], "3.0.3");
  if (std::getenv("HEMSRIG_UPDATE_DOCS") != nullptr) {
    std::ofstream(kDoc) << r.body.dump(2) << "\n";
  }
  const json kept = json::parse(read_file(kDoc), nullptr, false);
  ASSERT_FALSE(kept.is_discarded()) << kDoc << " is not JSON";
  EXPECT_EQ(r.body, kept) << "docs/cloud-openapi.json is stale: run the test with "
                             "HEMSRIG_UPDATE_DOCS=1";
}

TEST_F(OpenApi, EveryRouteIsDocumented) {
  const auto& routes = cloud_->routes().routes();
  EXPECT_EQ(routes.size(), cloud_->router().size());
  const json doc = cloud_->openapi();
  for (const auto& r : routes) {
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(doc["paths"].contains(r.path) && doc["paths"][r.path].contains(method))
        << r.method << " " << r.path;
    EXPECT_FALSE(r.doc.summary.empty()) << r.path;
  }
}

TEST_F(OpenApi, EveryErrorCodeIsExplainedInTheGuide) {
  const std::string guide = read_file(std::string(HEMSRIG_SOURCE_DIR) + "/docs/cloud-api.md");
  ASSERT_FALSE(guide.empty());
  for (const auto& c : cloud::error_codes()) {
    EXPECT_NE(guide.find("`" + std::string(c.code) + "`"), std::string::npos) << c.code;
  }
}

TEST_F(OpenApi, UnknownPathsGetJsonFreeStatusNotACrash) {
  EXPECT_EQ(call("GET", "/v1/nothing-here").status, 404);
  EXPECT_EQ(call("PATCH", "/v1/club-id/signup", std::string("{}")).status, 405);
}

}  // namespace
