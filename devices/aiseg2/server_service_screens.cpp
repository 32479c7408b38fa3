// How the server-service screens look: titles, texts, buttons and fields per
// ScreenId. Texts are the manual's (p37-45) where it gives them; lines marked
// "wording ours" stand where the manual only shows a picture.
#include "devices/aiseg2/server_service.hpp"

#include <chrono>
#include <cstdio>

namespace hemsrig::aiseg2 {

namespace {

constexpr std::string_view kBreadcrumb =
    "規約同意 > 確認コード発行 > 確認コード入力 > 家庭情報 > 確認 > サービス案内";  // manual p44
constexpr std::string_view kOverwriteWarning =
    "すでにサーバーサービス登録済みの方が、再度サーバーサービス登録をされると、"
    "今まで蓄積されたデータが上書きされて消えてしまいます。";  // manual p37, p43

// "2026/06/01 09:00": the unit's clock is Japan time (UTC+9, no DST).
std::string jst_clock(sim::CalendarTime t) {
  using namespace std::chrono;
  const auto local = floor<minutes>(t) + hours(9);
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{local - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d/%02u/%02u %02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return buf;
}

std::string validity_text(sim::Duration d) {
  const auto m = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  if (m > 0 && m % 60 == 0) return std::to_string(m / 60) + "時間";
  if (m > 0) return std::to_string(m) + "分";
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "秒";
}

std::string row(std::string_view item, std::string_view value) {
  return std::string(item) + "\t" + std::string(value);
}

std::string or_prompt(const std::string& s) {
  return s.empty() ? "選択してください" : s;
}

}  // namespace

std::string_view to_string(ScreenId id) {
  switch (id) {
    case ScreenId::DeviceCodeEntry:
      return "device_code_entry";
    case ScreenId::Settings:
      return "settings";
    case ScreenId::RegistrationStatus:
      return "registration_status";
    case ScreenId::OverwriteWarning:
      return "overwrite_warning";
    case ScreenId::RegistrationNotes:
      return "registration_notes";
    case ScreenId::RegistrationSteps:
      return "registration_steps";
    case ScreenId::Terms:
      return "terms";
    case ScreenId::ConfirmationCodeIssued:
      return "confirmation_code_issued";
    case ScreenId::ConfirmationCodeEntry:
      return "confirmation_code_entry";
    case ScreenId::HouseholdInfo:
      return "household_info";
    case ScreenId::Confirm:
      return "confirm";
    case ScreenId::ServiceGuide:
      return "service_guide";
    case ScreenId::AppSettings:
      return "app_settings";
    case ScreenId::LinkCodeIssued:
      return "link_code_issued";
    case ScreenId::SpeakerSettings:
      return "speaker_settings";
  }
  return "?";
}

std::string_view label(Button b) {
  switch (b) {
    case Button::Decide:
      return "決定";
    case Button::Ok:
      return "了解";
    case Button::Next:
      return "次へ";
    case Button::Back:
      return "戻る";
    case Button::AgreeAndNext:
      return "同意し次へ";
    case Button::Continue:
      return "続ける";
    case Button::Finish:
      return "終了";
    case Button::RegistrationStatus:
      return "登録状況確認";
    case Button::NewRegistration:
      return "新規登録";
    case Button::AppSettings:
      return "アプリ設定";
    case Button::SpeakerSettings:
      return "スマートスピーカー設定";
    case Button::IssueLinkCode:
      return "連携コード発行";
  }
  return "?";
}

std::string_view label(BuildingType b) {
  return b == BuildingType::Detached ? "戸建て" : "集合住宅";
}

std::string_view label(Energy e) {
  return e == Energy::ElectricityOnly ? "電気のみ" : "電気・ガス併用";
}

Screen ServerService::render(ScreenId id) const {
  Screen s;
  s.id = id;
  s.clock = jst_clock(engine_.calendar_now());
  const std::string base = "サーバーサービス設定";
  auto registration_page = [&](std::string_view step) {
    s.title = base + " " + std::string(step);
    s.breadcrumb = std::string(kBreadcrumb);
  };
  switch (id) {
    case ScreenId::DeviceCodeEntry:
      s.title = "サーバーサービス";
      s.lines = {"「機器コード」を入力して決定をタップしてください。",
                 "機器コードはAiSEG2本体、取扱説明書の裏表紙またはバージョン情報画面に表示されて"
                 "います。"};  // manual p37
      s.buttons = {"決定"};
      s.fields["gate"] = "closed";
      break;
    case ScreenId::Settings:
      s.title = base;
      s.buttons = {"登録状況確認", "新規登録", "アプリ設定", "スマートスピーカー設定", "終了"};
      s.fields["gate"] = "open";
      s.fields["registered"] = registered() ? "true" : "false";
      break;
    case ScreenId::RegistrationStatus:  // DOMAIN R52 (wording ours: the manual shows a picture)
      s.title = base + " 登録状況確認";
      s.lines = {registered() ? "サーバーサービスに登録済みです。"
                              : "サーバーサービスに登録されていません。"};
      s.buttons = {"了解"};
      s.fields["registered"] = registered() ? "true" : "false";
      if (registered())
        s.fields["status"] = "registered";
      else
        s.fields["status"] = "not_registered";
      break;
    case ScreenId::OverwriteWarning:  // DOMAIN R50 (text: manual p37, p43)
      s.title = base + " 注意";
      s.lines = {"注意", std::string(kOverwriteWarning)};
      s.buttons = {"戻る", "続ける"};
      s.fields["warning"] = "overwrite_loses_history";
      break;
    case ScreenId::RegistrationNotes:  // wording ours
      s.title = base + " ご登録の注意";
      s.lines = {"ご登録の注意を確認し、了解をタップしてください。",
                 std::string(kOverwriteWarning)};
      s.buttons = {"戻る", "了解"};
      break;
    case ScreenId::RegistrationSteps:  // wording ours; the steps are the manual's
      s.title = base + " 登録手順";
      s.lines = {"登録手順", std::string(kBreadcrumb)};
      s.buttons = {"戻る", "次へ"};
      break;
    case ScreenId::Terms:
      registration_page("規約同意");
      s.lines = {"サーバーサービスご利用規約を確認し、同意し次へをタップしてください。"};
      s.buttons = {"戻る", "同意し次へ"};
      break;
    case ScreenId::ConfirmationCodeIssued:  // manual p44 step 10
      registration_page("確認コード発行");
      s.lines = {"確認コード", pending_code_, "この数字が確認コードになります。",
                 "必ずメモしてください。"};
      s.buttons = {"戻る", "次へ"};
      s.fields["confirmation_code"] = pending_code_;
      break;
    case ScreenId::ConfirmationCodeEntry:  // manual p44 step 11
      registration_page("確認コード入力");
      s.lines = {"確認のため、前画面でお知らせした「確認コード」を入力してください。",
                 "確認コード"};
      s.buttons = {"戻る", "次へ"};
      break;
    case ScreenId::HouseholdInfo: {  // manual p44 step 12
      registration_page("ご家庭情報設定");
      const HouseholdInfo h = pending_household_.value_or(HouseholdInfo{});
      s.lines = {"ご家庭の情報を入力してください。",
                 "都道府県 - 地域 - 市町村の順でお選び下さい。",
                 row("都道府県", or_prompt(h.prefecture)),
                 row("地域", or_prompt(h.region)),
                 row("市町村", or_prompt(h.municipality)),
                 row("世帯人数", h.household_size ? std::to_string(*h.household_size) + "人"
                                                  : "選択してください"),
                 row("建物種別", "戸建て / 集合住宅"),
                 row("利用エネルギー", "電気のみ / 電気・ガス併用"),
                 "※全項目必須になります。"};
      s.buttons = {"戻る", "次へ"};
      break;
    }
    case ScreenId::Confirm: {  // manual p45 step 13
      registration_page("確認");
      const HouseholdInfo h = pending_household_.value_or(HouseholdInfo{});
      const std::string region = h.prefecture + "- " + h.region + "- " + h.municipality;
      const std::string size = h.household_size ? std::to_string(*h.household_size) + "人" : "";
      const std::string building = h.building ? std::string(label(*h.building)) : "";
      const std::string energy = h.energy ? std::string(label(*h.energy)) : "";
      s.lines = {"以下が設定内容です。ご確認ください。",
                 row("機器コード", code_.digits()),  // the manual shows it without hyphen
                 row("確認コード", pending_code_),
                 row("地域", region),
                 row("世帯人数", size),
                 row("建物種別", building),
                 row("利用エネルギー", energy)};
      s.buttons = {"戻る", "決定"};
      s.fields = {
          {"device_code", code_.digits()},
          {"confirmation_code", pending_code_},
          {"region", region},
          {"household_size", h.household_size ? std::to_string(*h.household_size) : ""},
          {"building_type", h.building == BuildingType::Apartment ? "apartment" : "detached"},
          {"energy",
           h.energy == Energy::ElectricityAndGas ? "electricity_and_gas" : "electricity_only"}};
      if (registered()) s.fields["overwrites_registration"] = "true";
      break;
    }
    case ScreenId::ServiceGuide:  // manual p45 step 14
      registration_page("サービス案内");
      s.lines = {"サーバーサービスの新規登録が完了しました。"};
      if (wiped_on_last_registration_) {
        s.lines.push_back("今まで蓄積されたデータは上書きされ、消去されました。");  // DOMAIN R50
      }
      s.buttons = {"スマートスピーカー設定", "終了"};
      s.fields["registered"] = "true";
      s.fields["history_wiped"] = wiped_on_last_registration_ ? "true" : "false";
      break;
    case ScreenId::AppSettings:
      s.title = base + " アプリ設定";
      s.lines = {"※連携コードはCLUB Panasonic IDごとに発行してください。",
                 "1度入力した連携コードは再度使用できません。"};  // manual p39
      s.buttons = {"連携コード発行", "戻る"};
      break;
    case ScreenId::LinkCodeIssued:  // manual p40 steps 8-9
      s.title = base + " 連携コード発行";
      s.lines = {"連携コード", last_link_code_ ? last_link_code_->code : "",
                 "※スマートフォンアプリで入力が必要になります。",
                 "発行して" + validity_text(link_codes_.options().lifetime) + "のみ有効です。"};
      s.buttons = {"終了"};
      if (last_link_code_) {
        s.fields["link_code"] = last_link_code_->code;
        s.fields["club_id"] = last_link_code_->club_id;
        s.fields["expires_at"] =
            jst_clock(engine_.epoch() + std::chrono::duration_cast<sim::CalendarTime::duration>(
                                            last_link_code_->expires_at));
      }
      break;
    case ScreenId::SpeakerSettings:
      s.title = "スマートスピーカー設定";
      s.lines = {"登録済みのスピーカー利用者"};
      if (speaker_users_.empty()) s.lines.push_back("登録されている利用者はいません。");
      for (const auto& u : speaker_users_) s.lines.push_back(u.nickname);
      s.buttons = {"戻る"};
      s.fields["speaker_users"] = std::to_string(speaker_users_.size());
      for (std::size_t i = 0; i < speaker_users_.size(); ++i) {
        s.fields["speaker_user." + std::to_string(i + 1)] = speaker_users_[i].nickname;
      }
      if (registration_) {
        // DOMAIN R60, R62 (manual p46): ID登録 shows a QR code that a phone reads
        // to register a CLUB ID for the speakers without the app. Its content
        // (the manual shows only the picture) is the rig's: the cloud's page
        // with the device code and the confirmation code (R37/R54), which the
        // cloud checks against the registration (docs/cloud-api.md).
        s.lines.push_back(
            "ID登録: スマートフォン・タブレットなどで2次元コードを読み込んで、"
            "CLUB Panasonic IDの登録を行ってください。");
        s.fields["id_registration_qr"] = "/speaker/id-registration?device_code=" + code_.digits() +
                                         "&confirmation_code=" + registration_->confirmation_code;
      }
      break;
  }
  return s;
}

}  // namespace hemsrig::aiseg2
