#include "devices/aiseg2/server_service.hpp"

#include <array>
#include <cstdio>
#include <random>

namespace hemsrig::aiseg2 {

namespace {

constexpr std::array<std::string_view, 47> kPrefectures{
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"};

}  // namespace

Status validate(const HouseholdInfo& info, int max_household_size) {
  std::string missing;
  auto need = [&](bool present, std::string_view name) {
    if (!present) missing += (missing.empty() ? "" : ", ") + std::string(name);
  };
  need(!info.prefecture.empty(), "都道府県 (prefecture)");
  need(!info.region.empty(), "地域 (region)");
  need(!info.municipality.empty(), "市町村 (municipality)");
  need(info.household_size.has_value(), "世帯人数 (household size)");
  need(info.building.has_value(), "建物種別 (building type)");
  need(info.energy.has_value(), "利用エネルギー (energy)");
  if (!missing.empty()) {
    return make_error("household_incomplete",
                      "household information: " + missing +
                          " missing; every field is required (DOMAIN R54, 全項目必須)");
  }
  bool known = false;
  for (auto p : kPrefectures) known = known || p == info.prefecture;
  if (!known) {
    return make_error("household_invalid", "household information: 都道府県 '" + info.prefecture +
                                               "' is not one of the 47 prefectures (DOMAIN R35)");
  }
  if (*info.household_size < 1 || *info.household_size > max_household_size) {
    return make_error("household_invalid",
                      "household information: 世帯人数 " + std::to_string(*info.household_size) +
                          " is outside 1.." + std::to_string(max_household_size) +
                          " (the rig's range; DOMAIN R35)");
  }
  return ok_status();
}

ServerService::ServerService(sim::Engine& engine, DeviceCode code, ServerServiceOptions options)
    : engine_(engine),
      code_(std::move(code)),
      options_(std::move(options)),
      link_codes_(engine, options_.link_codes),
      registration_(options_.registration) {}

Screen ServerService::open() {
  reset_flow();
  current_ = ScreenId::DeviceCodeEntry;
  return render(current_);
}

void ServerService::reset_flow() {
  pending_code_.clear();
  pending_household_.reset();
  wiped_on_last_registration_ = false;
  last_link_code_.reset();
}

Screen ServerService::show() const {
  return render(current_);
}

Error ServerService::wrong_screen(std::string_view what) const {
  if (current_ == ScreenId::DeviceCodeEntry) {
    return make_error("gate_closed",
                      "the server-service screens need this unit's device code typed in first "
                      "(DOMAIN R51)");
  }
  return make_error("wrong_screen", std::string(what) + " is not possible on the current screen (" +
                                        std::string(to_string(current_)) + ")");
}

Result<Screen> ServerService::go(ScreenId next) {
  current_ = next;
  return render(current_);
}

Result<Screen> ServerService::enter_device_code(std::string_view typed) {
  if (current_ != ScreenId::DeviceCodeEntry) {
    return make_error("wrong_screen", "the device code is asked only on the device-code screen");
  }
  auto parsed = DeviceCode::parse(typed);
  if (!parsed) {
    auto e = parsed.error();
    e.message += " (DOMAIN R51)";
    return e;
  }
  if (!(*parsed == code_)) {  // DOMAIN R51: typed code must be this unit's
    return make_error("device_code_mismatch", "device code " + parsed->printed() +
                                                  " is not this unit's; the server-service "
                                                  "screens stay closed (DOMAIN R51)");
  }
  return go(ScreenId::Settings);
}

std::string ServerService::issue_confirmation_code() {
  // DOMAIN R37/R54: 6 digits. Rig's choice: uniform over 000000-999999.
  std::uniform_int_distribution<int> dist(0, 999999);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06d", dist(engine_.rng()));
  return buf;
}

Result<Screen> ServerService::press(Button b) {
  if (current_ == ScreenId::DeviceCodeEntry) return wrong_screen(label(b));
  const Screen here = render(current_);
  bool on_screen = false;
  for (const auto& l : here.buttons) on_screen = on_screen || l == label(b);
  if (!on_screen) {
    std::string list;
    for (const auto& l : here.buttons) list += (list.empty() ? "" : ", ") + l;
    return make_error("button_not_on_screen",
                      "button " + std::string(label(b)) + " is not on the screen " +
                          std::string(to_string(current_)) + " (buttons: " + list + ")");
  }
  auto need_registered = [&]() -> Status {
    if (registered()) return ok_status();
    return make_error("server_service_unregistered",
                      std::string(label(b)) +
                          ": the server service is not registered on this unit; register it "
                          "first (新規登録, DOMAIN R1, R54)");
  };
  switch (current_) {
    case ScreenId::DeviceCodeEntry:
      break;
    case ScreenId::Settings:
      switch (b) {
        case Button::RegistrationStatus:
          return go(ScreenId::RegistrationStatus);  // R52
        case Button::NewRegistration:
          reset_flow();
          // DOMAIN R50: a registered unit warns before anything else.
          return go(registered() ? ScreenId::OverwriteWarning : ScreenId::RegistrationNotes);
        case Button::AppSettings:
          if (auto st = need_registered(); !st) return st.error();
          return go(ScreenId::AppSettings);
        case Button::SpeakerSettings:
          if (auto st = need_registered(); !st) return st.error();
          return go(ScreenId::SpeakerSettings);
        case Button::Finish:
          return open();
        default:
          break;
      }
      break;
    case ScreenId::RegistrationStatus:
      return go(ScreenId::Settings);
    case ScreenId::OverwriteWarning:
      if (b == Button::Continue) return go(ScreenId::RegistrationNotes);
      reset_flow();
      return go(ScreenId::Settings);
    case ScreenId::RegistrationNotes:
      if (b == Button::Ok) return go(ScreenId::RegistrationSteps);
      reset_flow();
      return go(ScreenId::Settings);
    case ScreenId::RegistrationSteps:
      return go(b == Button::Next ? ScreenId::Terms : ScreenId::RegistrationNotes);
    case ScreenId::Terms:
      if (b == Button::AgreeAndNext) {
        if (pending_code_.empty()) pending_code_ = issue_confirmation_code();
        return go(ScreenId::ConfirmationCodeIssued);
      }
      return go(ScreenId::RegistrationSteps);
    case ScreenId::ConfirmationCodeIssued:
      return go(b == Button::Next ? ScreenId::ConfirmationCodeEntry : ScreenId::Terms);
    case ScreenId::ConfirmationCodeEntry:
      if (b == Button::Next) return enter_confirmation_code("");
      return go(ScreenId::ConfirmationCodeIssued);
    case ScreenId::HouseholdInfo:
      if (b == Button::Next) return enter_household(pending_household_.value_or(HouseholdInfo{}));
      return go(ScreenId::ConfirmationCodeEntry);
    case ScreenId::Confirm:
      if (b == Button::Decide) {
        const bool overwrote = registered();
        registration_ = Registration{pending_code_, *pending_household_, engine_.now()};
        wiped_on_last_registration_ = overwrote;
        // DOMAIN R50: the accumulated data is lost when an earlier
        // registration is overwritten.
        if (overwrote && on_history_wiped_) on_history_wiped_();
        if (on_registered_) on_registered_(*registration_);
        if (on_changed_) on_changed_();
        return go(ScreenId::ServiceGuide);
      }
      return go(ScreenId::HouseholdInfo);
    case ScreenId::ServiceGuide:
      if (b == Button::SpeakerSettings) return go(ScreenId::SpeakerSettings);
      reset_flow();
      return go(ScreenId::Settings);
    case ScreenId::AppSettings:
      if (b == Button::IssueLinkCode) {
        return make_error("link_code_needs_club_id",
                          "連携コード発行: say for which CLUB ID (issue_link_code(club_id)); link "
                          "codes are issued per CLUB ID (DOMAIN R53)");
      }
      return go(ScreenId::Settings);
    case ScreenId::LinkCodeIssued:
      last_link_code_.reset();
      return go(ScreenId::Settings);
    case ScreenId::SpeakerSettings:
      return go(ScreenId::Settings);
  }
  return make_error("button_not_on_screen", "unhandled button " + std::string(label(b)));
}

Result<Screen> ServerService::enter_confirmation_code(std::string_view typed) {
  if (current_ != ScreenId::ConfirmationCodeEntry) return wrong_screen("確認コード入力");
  if (typed.empty()) {
    return make_error("confirmation_code_missing",
                      "確認コード: type the confirmation code shown on the previous screen "
                      "(DOMAIN R54)");
  }
  if (typed != pending_code_) {  // DOMAIN R54: a wrong confirmation code is rejected
    return make_error("confirmation_code_mismatch",
                      "確認コード '" + std::string(typed) +
                          "' does not match the code issued on the previous screen; 戻る shows it "
                          "again (DOMAIN R54)");
  }
  return go(ScreenId::HouseholdInfo);
}

Result<Screen> ServerService::enter_household(const HouseholdInfo& info) {
  if (current_ != ScreenId::HouseholdInfo) return wrong_screen("ご家庭情報設定");
  if (auto st = validate(info, options_.max_household_size); !st) return st.error();
  pending_household_ = info;
  return go(ScreenId::Confirm);
}

Result<Screen> ServerService::issue_link_code(std::string_view club_id) {
  if (current_ != ScreenId::AppSettings) return wrong_screen("連携コード発行");
  if (club_id.empty()) {
    return make_error("link_code_needs_club_id",
                      "連携コード発行: a CLUB ID is needed; link codes are issued per CLUB ID "
                      "(DOMAIN R53)");
  }
  last_link_code_ = link_codes_.issue(club_id);
  if (on_changed_) on_changed_();
  return go(ScreenId::LinkCodeIssued);
}

}  // namespace hemsrig::aiseg2
