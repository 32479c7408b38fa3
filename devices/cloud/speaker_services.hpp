// SpeakerServices: the smart speaker side of the mock cloud in one piece, for
// whoever builds a MockCloud (the world, tests): the OAuth store and its
// endpoints (account linking), the speaker link service (R60-R66) and the
// Google Smart Home fulfilment, added to the cloud with add_service(), plus
// the hooks the core services call: the app back end's R44 "delete the
// speakers too" and a withdrawn CLUB ID (R24). Construct after the MockCloud
// and destroy after it too (the cloud's routes call into these services).
#pragma once

#include "devices/cloud/mock_cloud.hpp"
#include "devices/cloud/oauth_service.hpp"
#include "devices/cloud/oauth_store.hpp"
#include "devices/cloud/smart_home_fulfillment.hpp"
#include "devices/cloud/speaker_link.hpp"

namespace hemsrig::cloud {

struct SpeakerServicesOptions {
  OAuthOptions oauth;
  GoogleClientDefaults google;  // the OAuth client registered for Google
};

class SpeakerServices {
 public:
  SpeakerServices(MockCloud& cloud, SpeakerServicesOptions options = {});
  // Adds the services to the cloud and sets the hooks. Errors: the cloud's
  // add_service errors (a snapshot that does not restore).
  Status install();

  OAuthStore& oauth() { return oauth_; }
  OAuthService& oauth_service() { return oauth_service_; }
  SpeakerLinkService& speaker_link() { return link_; }
  SmartHomeFulfillment& fulfillment() { return fulfillment_; }
  const SpeakerServicesOptions& options() const { return options_; }

 private:
  MockCloud& cloud_;
  SpeakerServicesOptions options_;
  OAuthStore oauth_;
  OAuthService oauth_service_;
  SpeakerLinkService link_;
  SmartHomeFulfillment fulfillment_;
};

}  // namespace hemsrig::cloud
