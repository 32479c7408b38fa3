// SmartHomeFulfillment: the cloud's Google Smart Home fulfilment endpoint,
// POST /smarthome/fulfillment with "Authorization: Bearer <access token>"
// from the account linking (oauth_service.hpp). It answers Google's public
// intents in their JSON shapes: SYNC (the appliances chosen for voice, named
// as on the unit, R65, and the unit's voice scenes as SCENE devices, R70),
// QUERY (online and status of every device from the state the unit
// reported), EXECUTE (through the unit channel to the unit and over ECHONET
// Lite to the appliance; answered after the unit's result) and DISCONNECT
// (tokens revoked: no more calls). A scene run mails every appliance's state
// to the CLUB ID of R66 only (R74). docs/google-smart-home.md.
#pragma once

#include <nlohmann/json.hpp>

#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "devices/cloud/oauth_store.hpp"
#include "devices/cloud/outbox.hpp"
#include "devices/cloud/smart_home_devices.hpp"
#include "devices/cloud/speaker_link.hpp"
#include "devices/cloud/unit_directory.hpp"

namespace hemsrig::cloud {

// Google device ids: "appliance:<key>" and "scene:<name>".
std::string appliance_device_id(const std::string& key);
std::string scene_device_id(const std::string& scene);
// The view of one appliance of a unit (with the unit's lighting scenes for it).
ApplianceView appliance_view(const UnitRecord& unit, const ApplianceState& a);

class SmartHomeFulfillment : public CloudService {
 public:
  SmartHomeFulfillment(sim::Engine& engine, OAuthStore& oauth, SpeakerLinkService& speakers,
                       UnitDirectory& units, Outbox& outbox, CloudEvents& events);

  // One fulfilment request as the route gets it (tests may call it directly).
  void fulfil(const http::HttpRequest& request, http::Responder respond);

  std::string_view name() const override { return "smart_home"; }
  void add_routes(ApiRoutes& routes) override;

 private:
  struct Caller {
    std::string club_id;
    const SpeakerUser* user = nullptr;
    const UnitRecord* unit = nullptr;  // nullptr: the cloud never heard from it
  };
  nlohmann::json sync(const std::string& request_id, const Caller& caller) const;
  nlohmann::json query(const std::string& request_id, const Caller& caller,
                       const nlohmann::json& payload) const;
  void execute(const std::string& request_id, const Caller& caller, const nlohmann::json& payload,
               http::Responder respond);
  // R74: the mail of a scene run, to the R66 ID.
  void mail_scene_run(const Caller& caller, const std::string& scene, const nlohmann::json& result);

  sim::Engine& engine_;
  OAuthStore& oauth_;
  SpeakerLinkService& speakers_;
  UnitDirectory& units_;
  Outbox& outbox_;
  CloudEvents& events_;
};

}  // namespace hemsrig::cloud
