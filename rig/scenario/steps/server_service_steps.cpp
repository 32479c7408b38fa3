// Server-service steps: a person at the unit's サーバーサービス screens
// (DOMAIN R50-R54): open, type the device code (R51), press a button (by its
// label or its English name), type the confirmation code (`shown` types the
// one the unit issued, R54), fill in the household (every field required,
// R54), issue a link code for a CLUB ID (R53), and use a link code as the
// cloud would (`code: issued`). Checks: `screen:` (the current screen's id,
// fields, texts), `server_service:` (registered or not, R52) and `link_code:`.
#include <fmt/format.h>

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

using aiseg2::Button;

const std::vector<std::pair<std::string, Button>> kButtons{
    {"decide", Button::Decide},
    {"ok", Button::Ok},
    {"next", Button::Next},
    {"back", Button::Back},
    {"agree_and_next", Button::AgreeAndNext},
    {"continue", Button::Continue},
    {"finish", Button::Finish},
    {"registration_status", Button::RegistrationStatus},
    {"new_registration", Button::NewRegistration},
    {"app_settings", Button::AppSettings},
    {"speaker_settings", Button::SpeakerSettings},
    {"issue_link_code", Button::IssueLinkCode},
};

// Keeps the screen the unit shows now, and the codes it shows.
Status shown(RunContext& ctx, const std::string& unit, Result<aiseg2::Screen> screen) {
  if (!screen) return screen.error();
  for (const char* f : {"confirmation_code", "link_code"}) {
    if (auto it = screen->fields.find(f); it != screen->fields.end() && !it->second.empty())
      ctx.values[unit + "." + f] = it->second;
  }
  ctx.screens[unit] = std::move(*screen);
  return ok_status();
}

std::optional<std::string> text_field(StepParser& p, const YAML::Node& params, const char* key,
                                      bool required) {
  return p.reader().string(params, key, required);
}

std::unique_ptr<Step> parse_open(StepParser& p, const YAML::Node& params) {
  if (params && params.IsMap() && !p.fields(params, "'service_open'", {"unit"})) return nullptr;
  auto unit = p.unit(params);
  if (!unit) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit](RunContext& ctx) {
    return shown(ctx, unit, ctx.unit(unit).server_service().open());
  });
}

std::unique_ptr<Step> parse_device_code(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'service_device_code'", {"unit", "code"})) return nullptr;
  auto unit = p.unit(params);
  auto code = text_field(p, params, "code", true);
  if (!unit || !code) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit, code = *code](RunContext& ctx) {
    return shown(ctx, unit, ctx.unit(unit).server_service().enter_device_code(code));
  });
}

std::unique_ptr<Step> parse_press(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'service_press'", {"unit", "button"})) return nullptr;
  auto unit = p.unit(params);
  auto name = text_field(p, params, "button", true);
  if (!unit || !name) return nullptr;
  std::optional<Button> button;
  std::vector<std::string> names;
  for (const auto& [n, b] : kButtons) {
    names.push_back(n);
    if (*name == n || *name == aiseg2::label(b)) button = b;
  }
  if (!button) {
    const std::string hint = rig::did_you_mean(*name, names);
    std::string all;
    for (const auto& [n, b] : kButtons)
      all += fmt::format("{}{} ({})", all.empty() ? "" : ", ", n, aiseg2::label(b));
    p.reader().error(
        params["button"],
        fmt::format("unknown button '{}'{}; expected one of: {}", *name,
                    hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint), all));
    return nullptr;
  }
  return std::make_unique<FunctionStep>([unit = *unit, b = *button](RunContext& ctx) {
    return shown(ctx, unit, ctx.unit(unit).server_service().press(b));
  });
}

std::unique_ptr<Step> parse_confirmation(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'service_confirmation_code'", {"unit", "code"})) return nullptr;
  auto unit = p.unit(params);
  auto code = text_field(p, params, "code", true);
  if (!unit || !code) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit, code = *code](RunContext& ctx) {
    std::string typed = code;
    if (code == "shown") typed = ctx.values[unit + ".confirmation_code"];  // DOMAIN R54
    return shown(ctx, unit, ctx.unit(unit).server_service().enter_confirmation_code(typed));
  });
}

std::unique_ptr<Step> parse_household(StepParser& p, const YAML::Node& params) {
  if (!p.fields(
          params, "'service_household'",
          {"unit", "prefecture", "region", "municipality", "household_size", "building", "energy"}))
    return nullptr;
  auto unit = p.unit(params);
  if (!unit) return nullptr;
  aiseg2::HouseholdInfo info;  // fields left out stay empty: R54 refuses them on the unit
  info.prefecture = text_field(p, params, "prefecture", false).value_or("");
  info.region = text_field(p, params, "region", false).value_or("");
  info.municipality = text_field(p, params, "municipality", false).value_or("");
  if (auto n = p.reader().integer(params, "household_size", -1000, 1000))
    info.household_size = static_cast<int>(*n);
  if (auto b = text_field(p, params, "building", false)) {
    if (*b == "detached" || *b == "戸建て")
      info.building = aiseg2::BuildingType::Detached;
    else if (*b == "apartment" || *b == "集合住宅")
      info.building = aiseg2::BuildingType::Apartment;
    else
      p.reader().error(params["building"],
                       fmt::format("'building' must be detached (戸建て) or apartment (集合住宅), "
                                   "found '{}'",
                                   *b));
  }
  if (auto e = text_field(p, params, "energy", false)) {
    if (*e == "electricity_only" || *e == "電気のみ")
      info.energy = aiseg2::Energy::ElectricityOnly;
    else if (*e == "electricity_and_gas" || *e == "電気・ガス併用")
      info.energy = aiseg2::Energy::ElectricityAndGas;
    else
      p.reader().error(params["energy"],
                       fmt::format("'energy' must be electricity_only (電気のみ) or "
                                   "electricity_and_gas (電気・ガス併用), found '{}'",
                                   *e));
  }
  if (p.reader().failed()) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit, info](RunContext& ctx) {
    return shown(ctx, unit, ctx.unit(unit).server_service().enter_household(info));
  });
}

std::unique_ptr<Step> parse_link_code(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'service_link_code'", {"unit", "club_id"})) return nullptr;
  auto unit = p.unit(params);
  auto club = text_field(p, params, "club_id", true);
  if (!unit || !club) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit, club = *club](RunContext& ctx) {
    return shown(ctx, unit, ctx.unit(unit).server_service().issue_link_code(club));
  });
}

std::unique_ptr<Step> parse_link_code_use(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'link_code_use'", {"unit", "code", "club_id"})) return nullptr;
  auto unit = p.unit(params);
  auto code = text_field(p, params, "code", true);
  auto club = text_field(p, params, "club_id", false);
  if (!unit || !code) return nullptr;
  return std::make_unique<FunctionStep>(
      [unit = *unit, code = *code, club](RunContext& ctx) -> Status {
        const std::string c = code == "issued" ? ctx.values[unit + ".link_code"] : code;
        auto& book = ctx.unit(unit).server_service().link_codes();  // DOMAIN R53
        auto r = club ? book.consume(c, *club) : book.consume(c);
        if (!r) return r.error();
        return ok_status();
      });
}

std::unique_ptr<Check> parse_screen_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'screen'", {"unit", "id", "fields", "title", "text", "buttons"}))
    return nullptr;
  auto unit = p.unit(params);
  if (!unit) return nullptr;
  auto id = text_field(p, params, "id", false);
  auto title = text_field(p, params, "title", false);
  auto text = text_field(p, params, "text", false);
  std::map<std::string, std::string> fields;
  if (const YAML::Node f = params["fields"]) {
    if (!f.IsMap()) {
      p.reader().error(f, "'fields' must map field names to values, e.g. {status: registered}");
      return nullptr;
    }
    for (const auto& kv : f) fields[scalar(kv.first)] = scalar(kv.second);
  }
  std::string expected = fmt::format("unit {} screen", *unit);
  if (id) expected += " " + *id;
  for (const auto& [k, v] : fields) expected += fmt::format(" {}={}", k, v);
  if (title) expected += fmt::format(" title containing '{}'", *title);
  if (text) expected += fmt::format(" text containing '{}'", *text);
  return std::make_unique<FunctionCheck>(
      expected, [=, unit = *unit](RunContext& ctx) -> std::optional<std::string> {
        const aiseg2::Screen s = ctx.unit(unit).server_service().show();
        std::string body;
        for (const auto& l : s.lines) body += l + "\n";
        std::string wrong;
        if (id && std::string(aiseg2::to_string(s.id)) != *id)
          wrong += " id " + std::string(aiseg2::to_string(s.id));
        for (const auto& [k, v] : fields) {
          auto it = s.fields.find(k);
          const std::string got = it == s.fields.end() ? "(absent)" : it->second;
          if (got != v) wrong += fmt::format(" {}={}", k, got);
        }
        if (title && s.title.find(*title) == std::string::npos) wrong += " title '" + s.title + "'";
        if (text && body.find(*text) == std::string::npos) wrong += " text '" + body + "'";
        if (wrong.empty()) return std::nullopt;
        return fmt::format("unit {} screen{}", unit, wrong);
      });
}

std::unique_ptr<Check> parse_service_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'server_service'", {"unit", "registered"})) return nullptr;
  auto unit = p.unit(params);
  auto reg = p.reader().boolean(params, "registered");
  if (!unit || !reg) {
    if (unit && !reg && !p.reader().failed())
      p.reader().error(params, "missing 'registered' (true or false)");
    return nullptr;
  }
  return std::make_unique<FunctionCheck>(
      fmt::format("unit {} server service {}", *unit, *reg ? "registered" : "not registered"),
      [unit = *unit, want = *reg](RunContext& ctx) -> std::optional<std::string> {
        const bool is = ctx.unit(unit).server_service().registered();
        if (is == want) return std::nullopt;
        return fmt::format("unit {} server service {}", unit, is ? "registered" : "not registered");
      });
}

std::unique_ptr<Check> parse_link_code_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'link_code'", {"unit", "club_id", "live"})) return nullptr;
  auto unit = p.unit(params);
  auto club = text_field(p, params, "club_id", true);
  auto live = p.reader().boolean(params, "live");
  if (!unit || !club) return nullptr;
  const bool want = live.value_or(true);
  return std::make_unique<FunctionCheck>(
      fmt::format("unit {}: a {}live link code for {}", *unit, want ? "" : "no ", *club),
      [unit = *unit, club = *club, want](RunContext& ctx) -> std::optional<std::string> {
        auto code = ctx.unit(unit).server_service().link_codes().live_code(club);
        if (code.has_value() == want) return std::nullopt;
        return code ? fmt::format("live code {} for {}", code->code, club)
                    : fmt::format("no live link code for {}", club);
      });
}

const RegisterStep open_step{{"service_open", "service_open: UNIT", parse_open}};
const RegisterStep code_step{
    {"service_device_code", "service_device_code: {unit, code: 99999-50072}", parse_device_code}};
const RegisterStep press_step{
    {"service_press", "service_press: {unit, button: new_registration | 新規登録}", parse_press}};
const RegisterStep confirm_step{{"service_confirmation_code",
                                 "service_confirmation_code: {unit, code: shown | 123456}",
                                 parse_confirmation}};
const RegisterStep household_step{
    {"service_household",
     "service_household: {unit, prefecture, region, municipality, household_size, building, "
     "energy}",
     parse_household}};
const RegisterStep link_step{
    {"service_link_code", "service_link_code: {unit, club_id}", parse_link_code}};
const RegisterStep link_use_step{
    {"link_code_use", "link_code_use: {unit, code: issued | CODE, club_id}", parse_link_code_use}};
const RegisterCheck screen_check{
    {"screen", "screen: {unit, id, fields: {k: v}, title, text}", parse_screen_check}};
const RegisterCheck service_check{
    {"server_service", "server_service: {unit, registered: true}", parse_service_check}};
const RegisterCheck link_check{
    {"link_code", "link_code: {unit, club_id, live: true}", parse_link_code_check}};

}  // namespace
}  // namespace hemsrig::scenario
