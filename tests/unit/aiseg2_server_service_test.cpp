// The unit's server-service screens (DOMAIN R50-R54) and its link codes (R53).
#include "devices/aiseg2/link_code.hpp"
#include "devices/aiseg2/server_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sim/core/engine.hpp"

using namespace hemsrig;
using namespace hemsrig::aiseg2;
using namespace std::chrono_literals;

namespace {

DeviceCode code_of(const char* text) {
  auto c = DeviceCode::parse(text);
  EXPECT_TRUE(c.ok());
  return *c;
}

HouseholdInfo kadoma() {
  HouseholdInfo h;
  h.prefecture = "大阪府";
  h.region = "大阪府";
  h.municipality = "門真市";
  h.household_size = 3;
  h.building = BuildingType::Detached;
  h.energy = Energy::ElectricityAndGas;
  return h;
}

bool has_line(const Screen& s, const std::string& text) {
  return std::find(s.lines.begin(), s.lines.end(), text) != s.lines.end();
}

// A service past the gate, on the settings menu.
struct Fixture {
  sim::Engine engine;
  ServerService service;
  explicit Fixture(ServerServiceOptions options = {})
      : service(engine, code_of("99999-50072"), std::move(options)) {
    service.open();
    auto s = service.enter_device_code("99999-50072");
    EXPECT_TRUE(s.ok()) << s.error().message;
  }

  // Settings -> ... -> household information screen. Returns the issued confirmation code.
  std::string walk_to_household() {
    auto s = service.press(Button::NewRegistration);
    EXPECT_TRUE(s.ok());
    if (s->id == ScreenId::OverwriteWarning) s = service.press(Button::Continue);
    EXPECT_EQ(s->id, ScreenId::RegistrationNotes);
    s = service.press(Button::Ok);
    EXPECT_EQ(s->id, ScreenId::RegistrationSteps);
    s = service.press(Button::Next);
    EXPECT_EQ(s->id, ScreenId::Terms);
    s = service.press(Button::AgreeAndNext);
    EXPECT_EQ(s->id, ScreenId::ConfirmationCodeIssued);
    const std::string code = s->fields.at("confirmation_code");
    s = service.press(Button::Next);
    EXPECT_EQ(s->id, ScreenId::ConfirmationCodeEntry);
    s = service.enter_confirmation_code(code);
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(s->id, ScreenId::HouseholdInfo);
    return code;
  }

  // The whole new registration, ending on the service guide.
  Screen register_unit() {
    walk_to_household();
    auto s = service.enter_household(kadoma());
    EXPECT_TRUE(s.ok());
    s = service.press(Button::Decide);
    EXPECT_TRUE(s.ok());
    return *s;
  }
};

}  // namespace

// DOMAIN R51: nothing behind the gate until this unit's device code is typed.
TEST(ServerService, ScreensNeedTheDeviceCodeFirst) {
  sim::Engine engine;
  ServerService service(engine, code_of("99999-50072"));
  Screen gate = service.open();
  EXPECT_EQ(gate.id, ScreenId::DeviceCodeEntry);
  EXPECT_EQ(gate.fields.at("gate"), "closed");
  EXPECT_EQ(gate.clock, "2026/06/01 00:00");  // the engine's epoch, in Japan time

  auto before = service.press(Button::RegistrationStatus);
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code, "gate_closed");
  EXPECT_NE(before.error().message.find("DOMAIN R51"), std::string::npos);

  auto wrong = service.enter_device_code("99999-50073");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "device_code_mismatch");
  EXPECT_NE(wrong.error().message.find("DOMAIN R51"), std::string::npos);
  EXPECT_EQ(service.current(), ScreenId::DeviceCodeEntry);
  EXPECT_FALSE(service.press(Button::NewRegistration).ok());

  auto malformed = service.enter_device_code("99999-5007");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, "device_code_format");
  EXPECT_EQ(service.current(), ScreenId::DeviceCodeEntry);

  auto right = service.enter_device_code("9999950072");  // without the hyphen too
  ASSERT_TRUE(right.ok()) << right.error().message;
  EXPECT_EQ(right->id, ScreenId::Settings);

  // Leaving shuts the gate again.
  ASSERT_TRUE(service.press(Button::Finish).ok());
  EXPECT_EQ(service.current(), ScreenId::DeviceCodeEntry);
  EXPECT_FALSE(service.press(Button::RegistrationStatus).ok());
}

// DOMAIN R52: registration status shows registered / not registered.
TEST(ServerService, RegistrationStatusShowsRegisteredOrNot) {
  Fixture f;
  auto s = f.service.press(Button::RegistrationStatus);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->id, ScreenId::RegistrationStatus);
  EXPECT_EQ(s->fields.at("registered"), "false");
  EXPECT_EQ(s->fields.at("status"), "not_registered");
  EXPECT_TRUE(has_line(*s, "サーバーサービスに登録されていません。"));
  ASSERT_EQ(f.service.press(Button::Ok)->id, ScreenId::Settings);

  f.register_unit();
  ASSERT_TRUE(f.service.press(Button::Finish).ok());
  s = f.service.press(Button::RegistrationStatus);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->fields.at("registered"), "true");
  EXPECT_EQ(s->fields.at("status"), "registered");
  EXPECT_TRUE(has_line(*s, "サーバーサービスに登録済みです。"));
}

// DOMAIN R54 (and R37): terms -> code issued -> code typed back -> household -> confirm ->
// service guide.
TEST(ServerService, NewRegistrationWalksTheManualsSteps) {
  Fixture f;
  const std::string code = f.walk_to_household();
  ASSERT_EQ(code.size(), 6u);
  EXPECT_TRUE(std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }));

  auto confirm = f.service.enter_household(kadoma());
  ASSERT_TRUE(confirm.ok()) << confirm.error().message;
  EXPECT_EQ(confirm->id, ScreenId::Confirm);
  EXPECT_EQ(confirm->title, "サーバーサービス設定 確認");
  EXPECT_EQ(confirm->breadcrumb,
            "規約同意 > 確認コード発行 > 確認コード入力 > 家庭情報 > 確認 > サービス案内");
  // The manual's confirm page, p45.
  EXPECT_TRUE(has_line(*confirm, "機器コード\t9999950072"));
  EXPECT_TRUE(has_line(*confirm, "確認コード\t" + code));
  EXPECT_TRUE(has_line(*confirm, "地域\t大阪府- 大阪府- 門真市"));
  EXPECT_TRUE(has_line(*confirm, "世帯人数\t3人"));
  EXPECT_TRUE(has_line(*confirm, "建物種別\t戸建て"));
  EXPECT_TRUE(has_line(*confirm, "利用エネルギー\t電気・ガス併用"));
  EXPECT_EQ(confirm->fields.at("building_type"), "detached");
  EXPECT_EQ(confirm->fields.at("energy"), "electricity_and_gas");
  EXPECT_FALSE(f.service.registered()) << "nothing is registered before 決定";

  auto guide = f.service.press(Button::Decide);
  ASSERT_TRUE(guide.ok());
  EXPECT_EQ(guide->id, ScreenId::ServiceGuide);
  EXPECT_EQ(guide->fields.at("history_wiped"), "false");
  ASSERT_TRUE(f.service.registered());
  EXPECT_EQ(f.service.registration()->confirmation_code, code);
  EXPECT_EQ(f.service.registration()->household.municipality, "門真市");
}

// The confirmation code comes from engine.rng(): same seed, same code.
TEST(ServerService, ConfirmationCodeIsDeterministicPerSeed) {
  Fixture a;
  Fixture b;
  EXPECT_EQ(a.walk_to_household(), b.walk_to_household());
}

// DOMAIN R54: a wrong confirmation code is rejected; the screen stays.
TEST(ServerService, WrongConfirmationCodeRefused) {
  Fixture f;
  ASSERT_TRUE(f.service.press(Button::NewRegistration).ok());
  ASSERT_TRUE(f.service.press(Button::Ok).ok());
  ASSERT_TRUE(f.service.press(Button::Next).ok());
  const std::string code = f.service.press(Button::AgreeAndNext)->fields.at("confirmation_code");
  ASSERT_TRUE(f.service.press(Button::Next).ok());
  const std::string wrong = code == "000000" ? "000001" : "000000";
  for (const std::string& typed : {wrong, code.substr(0, 5), code + "0", std::string()}) {
    auto r = f.service.enter_confirmation_code(typed);
    ASSERT_FALSE(r.ok()) << typed;
    EXPECT_NE(r.error().message.find("DOMAIN R54"), std::string::npos);
    EXPECT_EQ(f.service.current(), ScreenId::ConfirmationCodeEntry);
  }
  auto next = f.service.press(Button::Next);  // 次へ with nothing typed
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, "confirmation_code_missing");
  // 戻る shows the same code again.
  EXPECT_EQ(f.service.press(Button::Back)->fields.at("confirmation_code"), code);
  ASSERT_TRUE(f.service.press(Button::Next).ok());
  EXPECT_TRUE(f.service.enter_confirmation_code(code).ok());
}

// DOMAIN R54 / R35: every household field is required; each missing one is named.
TEST(ServerService, EveryHouseholdFieldRequired) {
  Fixture f;
  f.walk_to_household();
  struct Case {
    void (*drop)(HouseholdInfo&);
    const char* name;
  };
  const Case cases[] = {
      {[](HouseholdInfo& h) { h.prefecture.clear(); }, "都道府県"},
      {[](HouseholdInfo& h) { h.region.clear(); }, "地域"},
      {[](HouseholdInfo& h) { h.municipality.clear(); }, "市町村"},
      {[](HouseholdInfo& h) { h.household_size.reset(); }, "世帯人数"},
      {[](HouseholdInfo& h) { h.building.reset(); }, "建物種別"},
      {[](HouseholdInfo& h) { h.energy.reset(); }, "利用エネルギー"},
  };
  const char* all[] = {"都道府県", "地域", "市町村", "世帯人数", "建物種別", "利用エネルギー"};
  for (const Case& c : cases) {
    HouseholdInfo h = kadoma();
    c.drop(h);
    auto r = f.service.enter_household(h);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, "household_incomplete");
    EXPECT_NE(r.error().message.find(c.name), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("DOMAIN R54"), std::string::npos);
    for (const char* other : all) {
      if (std::string(other) == c.name) continue;
      // 地域 is part of no other label, so the message names exactly the missing field.
      EXPECT_EQ(r.error().message.find(std::string(other) + " ("), std::string::npos)
          << c.name << " missing, but the message names " << other;
    }
    EXPECT_EQ(f.service.current(), ScreenId::HouseholdInfo);
  }
  // 次へ on the empty form names them all.
  auto empty = f.service.press(Button::Next);
  ASSERT_FALSE(empty.ok());
  for (const char* name : all) EXPECT_NE(empty.error().message.find(name), std::string::npos);

  HouseholdInfo bad = kadoma();
  bad.prefecture = "大坂府";
  EXPECT_EQ(f.service.enter_household(bad).error().code, "household_invalid");
  bad = kadoma();
  bad.household_size = 0;
  EXPECT_EQ(f.service.enter_household(bad).error().code, "household_invalid");
  EXPECT_TRUE(f.service.enter_household(kadoma()).ok());
}

// DOMAIN R50: re-registering warns first; going on anyway wipes the unit's history.
TEST(ServerService, ReRegistrationWarnsThenWipesHistory) {
  Fixture f;
  int wiped = 0;
  f.service.set_on_history_wiped([&] { ++wiped; });

  // First registration: no warning, nothing wiped.
  auto first = f.service.press(Button::NewRegistration);
  EXPECT_EQ(first->id, ScreenId::RegistrationNotes);
  ASSERT_TRUE(f.service.press(Button::Back).ok());
  Screen guide = f.register_unit();
  EXPECT_EQ(guide.fields.at("history_wiped"), "false");
  EXPECT_EQ(wiped, 0);
  ASSERT_TRUE(f.service.press(Button::Finish).ok());

  // Second: the overwrite warning comes first; backing out changes nothing.
  auto warning = f.service.press(Button::NewRegistration);
  ASSERT_TRUE(warning.ok());
  EXPECT_EQ(warning->id, ScreenId::OverwriteWarning);
  EXPECT_TRUE(has_line(*warning,
                       "すでにサーバーサービス登録済みの方が、再度サーバーサービス登録をされると、"
                       "今まで蓄積されたデータが上書きされて消えてしまいます。"));
  EXPECT_EQ(f.service.press(Button::Back)->id, ScreenId::Settings);
  EXPECT_EQ(wiped, 0);
  const std::string old_code = f.service.registration()->confirmation_code;

  // Going on anyway: wiped at 決定, exactly once, and the screen says so.
  guide = f.register_unit();
  EXPECT_EQ(wiped, 1);
  EXPECT_EQ(guide.id, ScreenId::ServiceGuide);
  EXPECT_EQ(guide.fields.at("history_wiped"), "true");
  EXPECT_TRUE(has_line(guide, "今まで蓄積されたデータは上書きされ、消去されました。"));
  EXPECT_TRUE(f.service.registered());
}

TEST(ServerService, ButtonsNotOnTheScreenAreRefused) {
  Fixture f;
  auto r = f.service.press(Button::Decide);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "button_not_on_screen");
  EXPECT_FALSE(f.service.enter_confirmation_code("123456").ok());
  EXPECT_FALSE(f.service.enter_household(kadoma()).ok());
  EXPECT_EQ(f.service.current(), ScreenId::Settings);
}

// DOMAIN R53 through the screens: アプリ設定 > 連携コード発行 shows the code and its 1 hour.
TEST(ServerService, LinkCodeScreenShowsCodeAndValidity) {
  Fixture f;
  auto refused = f.service.press(Button::AppSettings);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "server_service_unregistered");

  f.register_unit();
  ASSERT_TRUE(f.service.press(Button::Finish).ok());
  ASSERT_EQ(f.service.press(Button::AppSettings)->id, ScreenId::AppSettings);
  auto issued = f.service.issue_link_code("taro@example.jp");
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->id, ScreenId::LinkCodeIssued);
  EXPECT_TRUE(has_line(*issued, "発行して1時間のみ有効です。"));
  const std::string code = issued->fields.at("link_code");
  EXPECT_TRUE(has_line(*issued, code));
  EXPECT_EQ(f.service.press(Button::Finish)->id, ScreenId::Settings);

  auto used = f.service.link_codes().consume(code, "taro@example.jp");
  ASSERT_TRUE(used.ok()) << used.error().message;
  EXPECT_FALSE(f.service.link_codes().consume(code).ok());
}

TEST(ServerService, SpeakerSettingsListsSpeakerUsers) {
  Fixture f;
  f.register_unit();
  auto s = f.service.press(Button::SpeakerSettings);  // from the service guide
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->id, ScreenId::SpeakerSettings);
  EXPECT_EQ(s->fields.at("speaker_users"), "0");
  f.service.set_speaker_users({{"たろう", "taro@example.jp"}, {"はなこ", "hanako@example.jp"}});
  Screen again = f.service.show();
  EXPECT_EQ(again.fields.at("speaker_users"), "2");
  EXPECT_EQ(again.fields.at("speaker_user.1"), "たろう");
  EXPECT_EQ(again.fields.at("speaker_user.2"), "はなこ");
  EXPECT_TRUE(has_line(again, "はなこ"));
}

// DOMAIN R53: valid for 1 hour: still good at 59:59, refused at 60:00.
TEST(LinkCode, ValidUntilOneHourExactly) {
  sim::Engine engine;
  LinkCodeBook book(engine);
  const LinkCode early = book.issue("a@example.jp");
  const LinkCode late = book.issue("b@example.jp");
  EXPECT_EQ(early.code.size(), 8u);
  EXPECT_EQ(early.expires_at - early.issued_at, std::chrono::hours(1));

  engine.run_for(59min + 59s);
  auto ok = book.consume(early.code);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->club_id, "a@example.jp");

  engine.run_for(1s);  // now exactly 60:00 after issue
  EXPECT_FALSE(book.live_code("b@example.jp").has_value());
  auto expired = book.consume(late.code);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "link_code_expired");
  EXPECT_NE(expired.error().message.find("issue a new one"), std::string::npos);
  EXPECT_NE(expired.error().message.find("DOMAIN R53"), std::string::npos);

  // A new one works again.
  const LinkCode fresh = book.issue("b@example.jp");
  EXPECT_TRUE(book.consume(fresh.code).ok());
}

// DOMAIN R53: single use.
TEST(LinkCode, WorksOnce) {
  sim::Engine engine;
  LinkCodeBook book(engine);
  const LinkCode lc = book.issue("a@example.jp");
  EXPECT_TRUE(book.consume(lc.code).ok());
  auto again = book.consume(lc.code);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "link_code_used");
  EXPECT_NE(again.error().message.find("DOMAIN R53"), std::string::npos);
  EXPECT_FALSE(book.live_code("a@example.jp").has_value());
}

// DOMAIN R53: per CLUB ID; a new code for the same ID replaces the old one, others stay.
TEST(LinkCode, NewCodeForTheSameIdReplacesTheOld) {
  sim::Engine engine;
  LinkCodeBook book(engine);
  const LinkCode first = book.issue("a@example.jp");
  const LinkCode other = book.issue("b@example.jp");
  const LinkCode second = book.issue("a@example.jp");
  EXPECT_NE(first.code, second.code);
  auto old = book.consume(first.code);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, "link_code_replaced");
  EXPECT_EQ(book.live_code("a@example.jp")->code, second.code);
  EXPECT_TRUE(book.consume(second.code).ok());
  EXPECT_TRUE(book.consume(other.code).ok());
}

TEST(LinkCode, CodeOfAnotherIdRefusedWithoutUsingItUp) {
  sim::Engine engine;
  LinkCodeBook book(engine);
  const LinkCode lc = book.issue("a@example.jp");
  auto wrong = book.consume(lc.code, "b@example.jp");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "link_code_other_id");
  EXPECT_TRUE(book.consume(lc.code, "a@example.jp").ok());
  EXPECT_EQ(book.consume("00000000").error().code, "link_code_unknown");
}

TEST(LinkCode, LifetimeIsAParameter) {
  sim::Engine engine;
  LinkCodeBook book(engine, LinkCodeOptions{30min, 8});
  const LinkCode a = book.issue("a@example.jp");
  const LinkCode b = book.issue("b@example.jp");
  engine.run_for(29min + 59s);
  EXPECT_TRUE(book.consume(a.code).ok());
  engine.run_for(1s);
  EXPECT_EQ(book.consume(b.code).error().code, "link_code_expired");
}
