// The speaker services in the cloud's API document: with SpeakerServices
// installed, /openapi.json lists the speaker, OAuth and fulfilment routes, and
// every speaker error code is explained in docs/google-smart-home.md.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "devices/cloud/speaker_errors.hpp"
#include "devices/cloud/speaker_services.hpp"

using namespace hemsrig;
using nlohmann::json;

namespace {

TEST(SpeakerOpenApi, TheSpeakerRoutesAreDocumented) {
  sim::Engine engine;
  cloud::MockCloud cloud(engine);
  cloud::SpeakerServices speakers(cloud);
  ASSERT_TRUE(speakers.install().ok());
  const json doc = cloud.openapi();
  for (const auto& [path, method] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/speaker/registration", "post"},
           {"/v1/speaker/registration/privacy-policy", "post"},
           {"/v1/speaker/registration/appliances", "put"},
           {"/v1/speaker/registration/complete", "post"},
           {"/v1/speaker/me", "delete"},
           {"/oauth/authorize", "get"},
           {"/oauth/authorize", "post"},
           {"/oauth/token", "post"},
           {"/smarthome/fulfillment", "post"}}) {
    EXPECT_TRUE(doc["paths"].contains(path) && doc["paths"][path].contains(method))
        << method << " " << path;
  }
  EXPECT_EQ(cloud.routes().routes().size(), cloud.router().size());
}

TEST(SpeakerOpenApi, EverySpeakerErrorCodeIsExplained) {
  std::ifstream in(std::string(HEMSRIG_SOURCE_DIR) + "/docs/google-smart-home.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string guide = ss.str();
  ASSERT_FALSE(guide.empty());
  for (const auto& c : cloud::speaker_error_codes()) {
    EXPECT_NE(guide.find("`" + std::string(c.code) + "`"), std::string::npos) << c.code;
  }
  for (const char* google : {"authFailure", "authExpired", "deviceOffline", "deviceNotFound",
                             "valueOutOfRange", "notSupported", "timeout", "protocolError"}) {
    EXPECT_NE(guide.find(std::string("`") + google + "`"), std::string::npos) << google;
  }
}

}  // namespace
