// The unit's server-service screens (サーバーサービス, DOMAIN R50-R54, manual
// p37-45) as actions: each button press or form entry returns the Screen the
// unit would then show (title, body lines, buttons, machine-readable fields),
// or an Error saying why the unit refused and citing the rule. The web face
// renders a Screen; tests read its fields.
//
// Texts are the manual's where it gives them (titles, the overwrite warning,
// the confirmation-code and household pages, the confirm page); where the
// manual only shows a picture (registration status, notes, steps, terms) the
// wording is ours and marked so in server_service_screens.cpp. Clock in titles: the
// engine's calendar time in JST. Single-threaded (the engine's thread).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "devices/aiseg2/device_code.hpp"
#include "devices/aiseg2/link_code.hpp"
#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

enum class ScreenId {
  DeviceCodeEntry,         // 機器コード入力: the gate (R51); also "closed"
  Settings,                // サーバーサービス設定: the menu
  RegistrationStatus,      // 登録状況確認 (R52)
  OverwriteWarning,        // 注意: re-registration loses the history (R50)
  RegistrationNotes,       // ご登録の注意
  RegistrationSteps,       // 登録手順
  Terms,                   // 規約同意
  ConfirmationCodeIssued,  // 確認コード発行 (R37, R54)
  ConfirmationCodeEntry,   // 確認コード入力 (R54)
  HouseholdInfo,           // ご家庭情報設定 (R35, R54)
  Confirm,                 // 確認
  ServiceGuide,            // サービス案内
  AppSettings,             // アプリ設定
  LinkCodeIssued,          // 連携コード発行 (R53)
  SpeakerSettings,         // スマートスピーカー設定
};
std::string_view to_string(ScreenId id);

// The buttons of the screens, by their labels.
enum class Button {
  Decide,              // 決定
  Ok,                  // 了解
  Next,                // 次へ
  Back,                // 戻る
  AgreeAndNext,        // 同意し次へ
  Continue,            // 続ける (overwrite warning: go on anyway; label is ours)
  Finish,              // 終了
  RegistrationStatus,  // 登録状況確認
  NewRegistration,     // 新規登録
  AppSettings,         // アプリ設定
  SpeakerSettings,     // スマートスピーカー設定
  IssueLinkCode,       // 連携コード発行
};
std::string_view label(Button b);

struct Screen {
  ScreenId id = ScreenId::DeviceCodeEntry;
  std::string title;                 // "サーバーサービス設定 確認コード入力"
  std::string clock;                 // "2026/06/01 00:00" (JST)
  std::string breadcrumb;            // the registration steps, on their screens
  std::vector<std::string> lines;    // body, as shown; table rows as "項目\t値"
  std::vector<std::string> buttons;  // labels, in screen order
  // Machine-readable: "registered" = "true", "confirmation_code" = "909580", ...
  std::map<std::string, std::string> fields;
};

enum class BuildingType { Detached, Apartment };           // 戸建て / 集合住宅
enum class Energy { ElectricityOnly, ElectricityAndGas };  // 電気のみ / 電気・ガス併用
std::string_view label(BuildingType b);
std::string_view label(Energy e);

// ご家庭情報 (DOMAIN R35): every field required (R54). Missing = empty string
// or nullopt. The prefecture must be one of the 47; region and municipality
// are free text (the unit's select lists are not public); household size
// 1..ServerServiceOptions::max_household_size (rig's choice).
struct HouseholdInfo {
  std::string prefecture;                // 都道府県 "大阪府"
  std::string region;                    // 地域 "大阪府"
  std::string municipality;              // 市町村 "門真市"
  std::optional<int> household_size;     // 世帯人数
  std::optional<BuildingType> building;  // 建物種別
  std::optional<Energy> energy;          // 利用エネルギー
};
// Ok, or Error "household_incomplete" naming every missing field (Japanese
// label and English), or "household_invalid".
Status validate(const HouseholdInfo& info, int max_household_size = 10);

struct Registration {
  std::string confirmation_code;
  HouseholdInfo household;
  sim::Time registered_at{0};
};

struct SpeakerUser {
  std::string nickname;
  std::string club_id;
};

struct ServerServiceOptions {
  LinkCodeOptions link_codes;
  // Start already registered (a world whose unit is in use).
  std::optional<Registration> registration;
  int max_household_size = 10;
};

class ServerService {
 public:
  ServerService(sim::Engine& engine, DeviceCode code, ServerServiceOptions options = {});

  // DOMAIN R50: called when a registration overwrites an earlier one, at the
  // final 決定 (the point of no return): the unit's accumulated data is lost.
  void set_on_history_wiped(std::function<void()> fn) { on_history_wiped_ = std::move(fn); }
  // Called after anything the cloud is told of changed: a registration, a link code issued.
  void set_on_changed(std::function<void()> fn) { on_changed_ = std::move(fn); }
  // Called when a registration completes (the cloud hooks in here later).
  void set_on_registered(std::function<void(const Registration&)> fn) {
    on_registered_ = std::move(fn);
  }

  // メニュー > 設定 > サーバーサービス: the device-code prompt. Also what the
  // unit shows after close(). Ends any session in progress.
  Screen open();
  Screen close() { return open(); }
  // DOMAIN R51: the typed code must be this unit's (with or without hyphen),
  // else refused (device_code_format / device_code_mismatch) and the gate
  // stays shut. No lockout after failures (the manual names none).
  Result<Screen> enter_device_code(std::string_view typed);

  // A button of the current screen. Refused: "gate_closed" (R51) before the
  // device code, "button_not_on_screen" for a button the screen lacks,
  // "server_service_unregistered" for アプリ設定 / スマートスピーカー設定 on an
  // unregistered unit (rig's choice: the app needs the registration, R1),
  // "confirmation_code_missing" / "household_incomplete" for 次へ on an empty
  // form.
  Result<Screen> press(Button b);

  // 確認コード入力 > 次へ (DOMAIN R54): wrong code refused, screen unchanged.
  Result<Screen> enter_confirmation_code(std::string_view typed);
  // ご家庭情報設定 > 次へ (DOMAIN R54): every field required.
  Result<Screen> enter_household(const HouseholdInfo& info);
  // アプリ設定 > 連携コード発行 (DOMAIN R53): for the CLUB ID the user means
  // the code for (the screen itself does not ask; the rig needs to know).
  Result<Screen> issue_link_code(std::string_view club_id);

  ScreenId current() const { return current_; }
  Screen show() const;  // the current screen again

  bool registered() const { return registration_.has_value(); }
  const std::optional<Registration>& registration() const { return registration_; }
  const DeviceCode& device_code() const { return code_; }

  // The cloud consumes link codes here.
  LinkCodeBook& link_codes() { return link_codes_; }
  // Speaker users shown on スマートスピーカー設定 (data; the cloud fills it).
  void set_speaker_users(std::vector<SpeakerUser> users) { speaker_users_ = std::move(users); }
  const std::vector<SpeakerUser>& speaker_users() const { return speaker_users_; }

 private:
  Result<Screen> go(ScreenId next);
  Error wrong_screen(std::string_view what) const;
  std::string issue_confirmation_code();
  Screen render(ScreenId id) const;
  void reset_flow();

  sim::Engine& engine_;
  DeviceCode code_;
  ServerServiceOptions options_;
  LinkCodeBook link_codes_;
  std::optional<Registration> registration_;
  std::vector<SpeakerUser> speaker_users_;
  std::function<void()> on_history_wiped_;
  std::function<void(const Registration&)> on_registered_;
  std::function<void()> on_changed_;

  ScreenId current_ = ScreenId::DeviceCodeEntry;
  // The registration in progress.
  std::string pending_code_;
  std::optional<HouseholdInfo> pending_household_;
  bool wiped_on_last_registration_ = false;
  std::optional<LinkCode> last_link_code_;
};

}  // namespace hemsrig::aiseg2
