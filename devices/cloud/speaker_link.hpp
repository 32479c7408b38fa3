// SpeakerLinkService: the smart speaker link service (DOMAIN R60-R66). A CLUB
// ID whose app uses a unit registers as a speaker user in the steps of R62:
// nickname -> privacy policy (declining registers nothing) -> the appliances
// for voice control -> account linking with Google (OAuth, oauth_service.hpp)
// -> speaker terms -> done. At most 4 CLUB IDs per unit (R61), one Google
// account per CLUB ID (R61, kept by the OAuthStore), any number of speakers
// (the cloud never sees them). The unit's スマートスピーカー設定 lists the
// speaker users: the unit gets a `speaker_users` command whenever they change.
// Routes under /v1/speaker, each behind a CLUB ID login (bearer session).
// Single-threaded (the engine's thread).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "devices/cloud/app_backend.hpp"
#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "devices/cloud/club_id.hpp"
#include "devices/cloud/oauth_store.hpp"
#include "devices/cloud/unit_directory.hpp"

namespace hemsrig::cloud {

inline constexpr std::size_t kMaxSpeakerUsersPerUnit = 4;  // DOMAIN R61

struct SpeakerUser {
  std::string club_id;
  std::string nickname;
  std::string device_code;
  std::vector<std::string> appliances;  // keys chosen for voice control (R62)
  std::string agent_user_id;            // what Google knows the user as
  sim::Time registered_at{0};
};

// An R62 flow under way.
enum class SpeakerStep { PrivacyPolicy, Appliances, Link, Terms };
std::string_view to_string(SpeakerStep s);

struct SpeakerRegistration {
  std::string club_id;
  std::string nickname;
  std::string device_code;
  SpeakerStep step = SpeakerStep::PrivacyPolicy;
  std::vector<std::string> appliances;
};

class SpeakerLinkService : public CloudService {
 public:
  SpeakerLinkService(sim::Engine& engine, ClubIdService& club_ids, UnitDirectory& units,
                     AppBackend& app, OAuthStore& oauth, CloudEvents& events);

  // R62 step 1. The unit is the one the ID's app registered (R3); a
  // `device_code` given must be it. Errors: speaker_unit_not_in_use (R60: no
  // app registration of a unit, or its server service not registered),
  // speaker_no_appliances (R60), speaker_user_limit (R61: 4 IDs already),
  // speaker_already_registered, invalid_field (nickname empty or over 20 characters).
  Result<const SpeakerRegistration*> start(const std::string& club_id, const std::string& nickname,
                                           const std::string& device_code);
  // R62 step 1 of the speaker-only path (manual p42, p46-51): no app. On the
  // unit, スマートスピーカー設定 > ID登録 shows a QR code that carries the
  // unit's device code and its server-service confirmation code (R37/R54; the
  // manual is silent on the content, this is the rig's choice); the phone
  // reads it and logs in with the CLUB ID in the browser. The same checks as
  // start() otherwise. Errors: speaker_qr_invalid (no registered unit with
  // these codes: R60, R1), and those of start().
  Result<const SpeakerRegistration*> start_by_qr(const std::string& club_id,
                                                 const std::string& nickname,
                                                 const std::string& device_code,
                                                 const std::string& confirmation_code);
  // Step 2. Declining discards the registration: nothing is registered (R62).
  // Errors: speaker_registration_missing, speaker_step_order.
  Status privacy_policy(const std::string& club_id, bool accept);
  // Step 3: keys of the unit's registered appliances that voice can drive.
  // Errors: speaker_registration_missing, speaker_step_order,
  // speaker_no_appliances (empty list), appliance_unknown,
  // appliance_not_voice_capable, invalid_field (a key twice).
  Status choose_appliances(const std::string& club_id, const std::vector<std::string>& keys);
  // Step 4 happens at /oauth/authorize; this says whether the ID may link
  // now: a registration waiting for its link, or a registered speaker user
  // (relinking). Error speaker_registration_missing.
  Status may_link(const std::string& club_id) const;
  // Steps 5-7: terms accepted, the ID linked with Google -> registered.
  // Errors: speaker_registration_missing, speaker_step_order,
  // speaker_terms_declined, speaker_not_linked, speaker_user_limit (R61, checked again).
  Result<const SpeakerUser*> complete(const std::string& club_id, bool accept_terms);

  // A later change of the appliances for voice (same checks as step 3).
  Status change_appliances(const std::string& club_id, const std::vector<std::string>& keys);
  // Removes the ID's speaker use and its Google link (R44 "delete the
  // speakers too", a withdrawn ID, or the user's own choice). Idempotent.
  void remove(const std::string& club_id);

  const SpeakerUser* user(const std::string& club_id) const;
  const SpeakerUser* user_by_agent(const std::string& agent_user_id) const;
  const SpeakerRegistration* registration(const std::string& club_id) const;
  std::vector<const SpeakerUser*> users_of_unit(const std::string& device_code) const;
  bool linked(const std::string& club_id) const { return oauth_.linked(club_id); }
  // DOMAIN R66: mail notices go to the CLUB ID linked to the Google account
  // that set the speaker up, i.e. the owner of the token the call came with,
  // never to the unit's other speaker users. nullopt when that ID is not a
  // speaker user of the unit.
  std::optional<std::string> notice_recipient(const std::string& device_code,
                                              const std::string& token_club_id) const;

  std::string_view name() const override { return "speaker_link"; }
  void add_routes(ApiRoutes& routes) override;
  nlohmann::json snapshot() const override;
  Status restore(const nlohmann::json& snapshot) override;

 private:
  Result<std::string> unit_in_use(const std::string& club_id, const std::string& device_code) const;
  // The checks and the record of step 1 shared by start() and start_by_qr().
  Result<const SpeakerRegistration*> begin(const std::string& club_id, const std::string& nickname,
                                           const std::string& unit);
  Status check_appliances(const std::string& device_code,
                          const std::vector<std::string>& keys) const;
  // Tells the unit who its speaker users are; retried when the unit is back.
  void tell_unit(const std::string& device_code);
  std::string new_agent_id();

  sim::Engine& engine_;
  ClubIdService& club_ids_;
  UnitDirectory& units_;
  AppBackend& app_;
  OAuthStore& oauth_;
  CloudEvents& events_;
  std::map<std::string, SpeakerUser> users_;                  // by CLUB ID
  std::map<std::string, SpeakerRegistration> registrations_;  // by CLUB ID
  std::set<std::string> unit_stale_;  // device codes whose unit has an old list
  std::set<std::string> unit_sending_;
};

}  // namespace hemsrig::cloud
