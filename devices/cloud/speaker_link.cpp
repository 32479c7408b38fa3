#include "devices/cloud/speaker_link.hpp"

#include <algorithm>

#include "devices/aiseg2/utf8.hpp"
#include "devices/cloud/smart_home_devices.hpp"

namespace hemsrig::cloud {

namespace {

constexpr std::size_t kMaxNicknameLength = 20;  // rig's choice; the manual gives none

std::optional<std::uint16_t> class_of(const ApplianceState& a) {
  return parse_class_code(a.class_code);
}

Status check_nickname(const std::string& nickname) {
  auto chars = aiseg2::decode_utf8(nickname);
  if (nickname.empty() || !chars || chars->size() > kMaxNicknameLength) {
    return make_error("invalid_field", "nickname: 1 to 20 characters of UTF-8 text");
  }
  return ok_status();
}

}  // namespace

std::string_view to_string(SpeakerStep s) {
  switch (s) {
    case SpeakerStep::PrivacyPolicy:
      return "privacy_policy";
    case SpeakerStep::Appliances:
      return "appliances";
    case SpeakerStep::Link:
      return "link";
    case SpeakerStep::Terms:
      return "terms";
  }
  return "?";
}

SpeakerLinkService::SpeakerLinkService(sim::Engine& engine, ClubIdService& club_ids,
                                       UnitDirectory& units, AppBackend& app, OAuthStore& oauth,
                                       CloudEvents& events)
    : engine_(engine),
      club_ids_(club_ids),
      units_(units),
      app_(app),
      oauth_(oauth),
      events_(events) {
  units_.on_unit_changed([this](const UnitRecord& unit) {
    if (unit.online && unit_stale_.contains(unit.device_code)) tell_unit(unit.device_code);
  });
}

Result<std::string> SpeakerLinkService::unit_in_use(const std::string& club_id,
                                                    const std::string& device_code) const {
  // DOMAIN R3: the ID's app registered exactly one unit; that is the one.
  std::string unit;
  for (const Phone* p : app_.phones_of(club_id)) unit = p->device_code;
  if (unit.empty()) {
    return make_error("speaker_unit_not_in_use",
                      "register the unit in the app first; the speaker link is only for units "
                      "already in use (DOMAIN R60)");
  }
  if (!device_code.empty()) {
    auto wanted = normalize_device_code(device_code);
    if (!wanted || *wanted != unit) {
      return make_error("speaker_unit_not_in_use",
                        "device code " + device_code + " is not the unit this CLUB ID's app uses");
    }
  }
  const UnitRecord* record = units_.find(unit);
  if (record == nullptr || !record->server.registered) {
    return make_error("speaker_unit_not_in_use",
                      "the unit's server service is not registered (DOMAIN R60, R1)");
  }
  return unit;
}

Result<const SpeakerRegistration*> SpeakerLinkService::start(const std::string& club_id,
                                                             const std::string& nickname,
                                                             const std::string& device_code) {
  if (users_.contains(club_id)) {
    return make_error("speaker_already_registered",
                      "this CLUB ID already uses the speaker service");
  }
  if (Status s = check_nickname(nickname); !s) return s.error();
  auto unit = unit_in_use(club_id, device_code);
  if (!unit) return unit.error();
  return begin(club_id, nickname, *unit);
}

Result<const SpeakerRegistration*> SpeakerLinkService::start_by_qr(
    const std::string& club_id, const std::string& nickname, const std::string& device_code,
    const std::string& confirmation_code) {
  if (users_.contains(club_id)) {
    return make_error("speaker_already_registered",
                      "this CLUB ID already uses the speaker service");
  }
  if (Status s = check_nickname(nickname); !s) return s.error();
  // DOMAIN R60, R1: the QR code comes from a unit whose server service is
  // registered; its codes must be that registration's (R37/R54).
  auto dc = normalize_device_code(device_code);
  const UnitRecord* record = dc ? units_.find(*dc) : nullptr;
  if (record == nullptr || !record->server.registered || record->server.confirmation_code.empty() ||
      record->server.confirmation_code != confirmation_code) {
    return make_error("speaker_qr_invalid",
                      "the QR code does not belong to an AiSEG2 whose server service is "
                      "registered: register the server service on the unit, then read the QR "
                      "code of スマートスピーカー設定 > ID登録 again (DOMAIN R60)");
  }
  return begin(club_id, nickname, *dc);
}

Result<const SpeakerRegistration*> SpeakerLinkService::begin(const std::string& club_id,
                                                             const std::string& nickname,
                                                             const std::string& unit) {
  const UnitRecord* record = units_.find(unit);
  bool any_voice =
      record != nullptr && std::any_of(record->appliances.begin(), record->appliances.end(),
                                       [](const ApplianceState& a) {
                                         auto c = class_of(a);
                                         return c && voice_class(*c) != nullptr;
                                       });
  if (!any_voice) {
    return make_error("speaker_no_appliances",
                      "the unit has no registered appliance that voice can control (DOMAIN R60)");
  }
  // DOMAIN R61: at most 4 CLUB IDs per unit.
  if (users_of_unit(unit).size() >= kMaxSpeakerUsersPerUnit) {
    return make_error("speaker_user_limit",
                      "4 CLUB IDs already use the speaker service on this unit (DOMAIN R61)");
  }
  SpeakerRegistration& r = registrations_[club_id];
  r = SpeakerRegistration{club_id, nickname, unit, SpeakerStep::PrivacyPolicy, {}};
  events_.emit("cloud.speaker_registration", {{"club_id", club_id}, {"device_code", unit}});
  return &r;
}

Status SpeakerLinkService::privacy_policy(const std::string& club_id, bool accept) {
  auto it = registrations_.find(club_id);
  if (it == registrations_.end()) {
    return make_error("speaker_registration_missing", "start the speaker registration first");
  }
  if (it->second.step != SpeakerStep::PrivacyPolicy) {
    return make_error("speaker_step_order", "the privacy policy was already answered");
  }
  if (!accept) {
    // DOMAIN R62: declining goes back; nothing is registered.
    registrations_.erase(it);
    events_.emit("cloud.speaker_declined", {{"club_id", club_id}});
    return ok_status();
  }
  it->second.step = SpeakerStep::Appliances;
  return ok_status();
}

Status SpeakerLinkService::check_appliances(const std::string& device_code,
                                            const std::vector<std::string>& keys) const {
  if (keys.empty()) {
    return make_error("speaker_no_appliances", "choose at least one appliance for voice control");
  }
  const UnitRecord* record = units_.find(device_code);
  std::set<std::string> seen;
  for (const std::string& key : keys) {
    if (!seen.insert(key).second) return make_error("invalid_field", "appliance " + key + " twice");
    const ApplianceState* a = record == nullptr ? nullptr : record->appliance(key);
    if (a == nullptr) {
      return make_error("appliance_unknown", "the unit has no registered appliance " + key);
    }
    auto c = class_of(*a);
    if (!c || voice_class(*c) == nullptr) {
      return make_error("appliance_not_voice_capable", "'" + a->name + "' (class " + a->class_code +
                                                           ") cannot be controlled by voice");
    }
  }
  return ok_status();
}

Status SpeakerLinkService::choose_appliances(const std::string& club_id,
                                             const std::vector<std::string>& keys) {
  auto it = registrations_.find(club_id);
  if (it == registrations_.end()) {
    return make_error("speaker_registration_missing", "start the speaker registration first");
  }
  if (it->second.step != SpeakerStep::Appliances && it->second.step != SpeakerStep::Link) {
    return make_error("speaker_step_order", "accept the privacy policy first (DOMAIN R62)");
  }
  if (Status s = check_appliances(it->second.device_code, keys); !s) return s;
  it->second.appliances = keys;
  it->second.step = SpeakerStep::Link;
  return ok_status();
}

Status SpeakerLinkService::may_link(const std::string& club_id) const {
  if (users_.contains(club_id)) return ok_status();
  auto it = registrations_.find(club_id);
  if (it == registrations_.end() || it->second.step != SpeakerStep::Link) {
    return make_error("speaker_registration_missing",
                      "choose the appliances for voice control in the speaker registration "
                      "before linking a Google account (DOMAIN R62)");
  }
  return ok_status();
}

Result<const SpeakerUser*> SpeakerLinkService::complete(const std::string& club_id,
                                                        bool accept_terms) {
  auto it = registrations_.find(club_id);
  if (it == registrations_.end()) {
    return make_error("speaker_registration_missing", "start the speaker registration first");
  }
  if (it->second.step != SpeakerStep::Link) {
    return make_error("speaker_step_order", "choose the appliances for voice control first");
  }
  if (!oauth_.linked(club_id)) {
    return make_error("speaker_not_linked",
                      "link the CLUB ID with a Google account first (DOMAIN R62)");
  }
  if (!accept_terms) {
    return make_error("speaker_terms_declined", "the speaker terms must be accepted (DOMAIN R62)");
  }
  const SpeakerRegistration r = it->second;
  if (users_of_unit(r.device_code).size() >= kMaxSpeakerUsersPerUnit) {
    return make_error("speaker_user_limit",
                      "4 CLUB IDs already use the speaker service on this unit (DOMAIN R61)");
  }
  registrations_.erase(it);
  SpeakerUser& u = users_[club_id];
  u = SpeakerUser{club_id, r.nickname, r.device_code, r.appliances, new_agent_id(), engine_.now()};
  events_.emit("cloud.speaker_registered",
               {{"club_id", club_id}, {"device_code", r.device_code}, {"nickname", r.nickname}});
  tell_unit(r.device_code);
  return &u;
}

Status SpeakerLinkService::change_appliances(const std::string& club_id,
                                             const std::vector<std::string>& keys) {
  auto it = users_.find(club_id);
  if (it == users_.end()) {
    return make_error("speaker_registration_missing", "this CLUB ID does not use the speakers");
  }
  if (Status s = check_appliances(it->second.device_code, keys); !s) return s;
  it->second.appliances = keys;
  return ok_status();
}

void SpeakerLinkService::remove(const std::string& club_id) {
  registrations_.erase(club_id);
  oauth_.revoke(club_id);
  auto it = users_.find(club_id);
  if (it == users_.end()) return;
  std::string unit = it->second.device_code;
  users_.erase(it);
  events_.emit("cloud.speaker_removed", {{"club_id", club_id}, {"device_code", unit}});
  tell_unit(unit);
}

const SpeakerUser* SpeakerLinkService::user(const std::string& club_id) const {
  auto it = users_.find(club_id);
  return it == users_.end() ? nullptr : &it->second;
}

const SpeakerUser* SpeakerLinkService::user_by_agent(const std::string& agent_user_id) const {
  for (const auto& [id, u] : users_) {
    if (u.agent_user_id == agent_user_id) return &u;
  }
  return nullptr;
}

const SpeakerRegistration* SpeakerLinkService::registration(const std::string& club_id) const {
  auto it = registrations_.find(club_id);
  return it == registrations_.end() ? nullptr : &it->second;
}

std::vector<const SpeakerUser*> SpeakerLinkService::users_of_unit(
    const std::string& device_code) const {
  std::vector<const SpeakerUser*> out;
  for (const auto& [id, u] : users_) {
    if (u.device_code == device_code) out.push_back(&u);
  }
  std::sort(out.begin(), out.end(), [](const SpeakerUser* a, const SpeakerUser* b) {
    return a->registered_at < b->registered_at;
  });
  return out;
}

std::optional<std::string> SpeakerLinkService::notice_recipient(
    const std::string& device_code, const std::string& token_club_id) const {
  const SpeakerUser* u = user(token_club_id);
  if (u == nullptr || u->device_code != device_code) return std::nullopt;
  return u->club_id;
}

void SpeakerLinkService::tell_unit(const std::string& device_code) {
  unit_stale_.insert(device_code);
  if (unit_sending_.contains(device_code)) return;  // the answer sends again if stale
  nlohmann::json users = nlohmann::json::array();
  for (const SpeakerUser* u : users_of_unit(device_code)) {
    users.push_back({{"nickname", u->nickname}, {"club_id", u->club_id}});
  }
  unit_stale_.erase(device_code);
  unit_sending_.insert(device_code);
  units_.send_command(device_code, {{"kind", "speaker_users"}, {"users", users}},
                      [this, device_code](Result<nlohmann::json> result) {
                        unit_sending_.erase(device_code);
                        bool ok = result.ok() && result->value("ok", false);
                        if (!ok) unit_stale_.insert(device_code);  // again when it is back
                        if (unit_stale_.contains(device_code) && units_.online(device_code) && ok) {
                          tell_unit(device_code);
                        }
                      });
}

std::string SpeakerLinkService::new_agent_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "agent-";
  for (int i = 0; i < 16; ++i) id += kHex[engine_.rng()() & 0xF];
  return id;
}

}  // namespace hemsrig::cloud
