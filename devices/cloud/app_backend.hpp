// AppBackend: the back end of the Smart HEMS service app (DOMAIN R3, R13,
// R30-R44): phone registration by nickname + device code + access password
// (R32) or link code (R33, R53), refusal of a unit whose firmware is not the
// latest (R13), the other users of the unit (R34), at most 2 phones per CLUB
// ID with distinct nicknames (R40/R41), model-change codes valid 1 week (R42),
// logout (R43) and account deletion with the keep/delete-speakers choice
// (R44; the CLUB ID itself stays, R24). The speaker side plugs in through
// set_speaker_hooks(). Every route needs a CLUB ID login (bearer token).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "devices/cloud/club_id.hpp"
#include "devices/cloud/firmware_distribution.hpp"
#include "devices/cloud/unit_directory.hpp"

namespace hemsrig::cloud {

struct AppBackendOptions {
  sim::Duration model_change_code_lifetime = sim::hours(24 * 7);  // DOMAIN R42
  int max_phones_per_id = 2;                                      // DOMAIN R40
};

// One app install on one phone (R3: it registers exactly one unit).
struct Phone {
  std::string id;  // "ph-..." handed to the app
  std::string club_id;
  std::string nickname;
  std::string device_code;
  sim::Time registered_at{0};
};

struct ModelChangeCode {
  std::string code;
  std::string phone_id;
  sim::Time expires_at{0};
};

class AppBackend : public CloudService {
 public:
  AppBackend(sim::Engine& engine, ClubIdService& club_ids, UnitDirectory& units,
             FirmwareDistribution& firmware, CloudEvents& events, AppBackendOptions options = {});

  // The speaker side (R44): whether the ID uses the speaker service, and
  // removing its speaker link when the user chooses "delete the speakers too".
  struct SpeakerHooks {
    std::function<bool(const std::string& club_id)> has_speakers;
    std::function<void(const std::string& club_id)> delete_speakers;
  };
  void set_speaker_hooks(SpeakerHooks hooks) { speakers_ = std::move(hooks); }

  struct Registration {
    std::string nickname;
    std::string device_code;
    std::string access_password;  // R32, or
    std::string link_code;        // R33 (with terms_agreed)
    bool terms_agreed = false;
  };
  // Errors: "unknown_unit", "unit_firmware_outdated" (R13), "wrong_access_password" (R32),
  // "terms_not_agreed" (R33), "link_code_*" (R53), "phone_limit" (R40),
  // "nickname_taken" (R41), "one_unit_per_app" (R3).
  Result<const Phone*> register_phone(const std::string& club_id, const Registration& r);
  std::vector<const Phone*> phones_of(const std::string& club_id) const;
  std::vector<const Phone*> users_of_unit(const std::string& device_code) const;
  // R44: removes the ID's app registrations (and speakers when asked).
  void delete_account(const std::string& club_id, bool delete_speakers);

  std::string_view name() const override { return "app"; }
  void add_routes(ApiRoutes& routes) override;
  nlohmann::json snapshot() const override;
  Status restore(const nlohmann::json& snapshot) override;

 private:
  std::string new_id(std::string_view prefix, int digits);

  sim::Engine& engine_;
  ClubIdService& club_ids_;
  UnitDirectory& units_;
  FirmwareDistribution& firmware_;
  CloudEvents& events_;
  AppBackendOptions options_;
  SpeakerHooks speakers_;
  std::map<std::string, Phone> phones_;                  // by id
  std::map<std::string, ModelChangeCode> change_codes_;  // by code
};

}  // namespace hemsrig::cloud
