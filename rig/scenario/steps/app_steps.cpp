// App steps: the scripted Smart HEMS service app (devices/app), one per
// `app:` id, speaking only the cloud's public API and the home LAN. Sign up
// and verify by mail (R20/R21), log in (R22), search the LAN for the unit
// (R30/R31), register a phone by access password (R32) or link code
// (R33/R53), and any other call of the API (`app_call`). A refusal of the
// cloud is the step's error (its code, for `expect_error:`). Checks: `app:`
// (the last answer of an app), `mail:` and `sms:` (the cloud's outbox).
#include <fmt/format.h>

#include "devices/app/app_client.hpp"
#include "devices/cloud/mock_cloud.hpp"
#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

using nlohmann::json;

// Plain YAML (maps, lists, scalars) as JSON: numbers and booleans as YAML 1.2 reads them.
json to_json(const YAML::Node& n) {
  if (!n || n.IsNull()) return nullptr;
  if (n.IsMap()) {
    json o = json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    json a = json::array();
    for (const auto& v : n) a.push_back(to_json(v));
    return a;
  }
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: always a string
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos &&
      s.find('-', 1) == std::string::npos && s != "-") {
    try {
      return std::stoll(s);
    } catch (...) {
    }
  }
  return s;
}

app::AppClient& app_of(RunContext& ctx, const std::string& id) {
  auto& slot = ctx.apps[id];
  if (!slot) {
    app::AppClientOptions o;
    o.http.ca_pem = ctx.world().cloud_ca_pem();  // a cloud with tls: trust the rig's test CA
    // DOMAIN R30: the phone is on the home LAN; it searches where the world's units answer.
    for (const auto& us : ctx.world().spec().units) {
      if (auto* u = ctx.world().unit(us.id); u != nullptr && u->ssdp_endpoint().second != 0) {
        o.ssdp_port = u->ssdp_endpoint().second;
        break;
      }
    }
    slot = std::make_unique<app::AppClient>(ctx.engine(), ctx.world().cloud_url(), o);
  }
  return *slot;
}

// Runs the world until the app's call answered; the answer becomes the app's last.
Status await(RunContext& ctx, const std::string& id,
             const std::function<void(app::AppClient&, app::AppClient::Done)>& start) {
  if (ctx.world().cloud() == nullptr) {
    return make_error("no_cloud", "the scenario's world has no cloud (add a `cloud:` section)");
  }
  std::optional<app::AppAnswer> answer;
  start(app_of(ctx, id), [&answer](app::AppAnswer a) { answer = std::move(a); });
  if (!ctx.run_until([&] { return answer.has_value(); }, sim::minutes(2))) {
    return ctx.expectation_failed(fmt::format("app {} gets an answer from the cloud", id),
                                  "no answer within 2 minutes of scenario time");
  }
  ctx.app_answers[id] = *answer;
  ctx.record("app:" + id, answer->ok() ? "answer" : "refused",
             fmt::format("{} {}", answer->status, answer->error_code()));
  if (answer->ok()) return ok_status();
  return make_error(answer->error_code(), answer->error_message().empty()
                                              ? answer->body.dump()
                                              : answer->error_message());
}

std::string device_code_of(RunContext& ctx, const std::string& unit) {
  return ctx.unit(unit).device_code().digits();
}

std::unique_ptr<Step> parse_sign_up(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'app_sign_up'", {"app", "email", "password"})) return nullptr;
  auto id = p.reader().string(params, "app", true);
  auto email = p.reader().string(params, "email", true);
  auto password = p.reader().string(params, "password", true);
  if (!id || !email || !password) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) {
    ctx.values["app." + *id + ".email"] = *email;
    ctx.values["app." + *id + ".password"] = *password;
    return await(ctx, *id,
                 [&](app::AppClient& a, auto done) { a.sign_up(*email, *password, done); });
  });
}

std::unique_ptr<Step> parse_login(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'app_login'", {"app", "email", "password", "sms_phone"})) return nullptr;
  auto id = p.reader().string(params, "app", true);
  auto email = p.reader().string(params, "email");
  auto password = p.reader().string(params, "password");
  auto sms_phone = p.reader().string(params, "sms_phone");
  if (!id) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) -> Status {
    const std::string e = email.value_or(ctx.values["app." + *id + ".email"]);
    const std::string pw = password.value_or(ctx.values["app." + *id + ".password"]);
    ctx.values["app." + *id + ".email"] = e;
    ctx.values["app." + *id + ".password"] = pw;
    auto st = await(ctx, *id, [&](app::AppClient& a, auto done) { a.login(e, pw, done); });
    if (!st || !sms_phone) return st;
    // DOMAIN R22: two-step verification: the code arrives by SMS.
    std::optional<std::string> code;
    app_of(ctx, *id).read_sms_code(*sms_phone, [&](std::string c) { code = std::move(c); });
    ctx.run_until([&] { return code.has_value(); }, sim::minutes(1));
    if (!code || code->empty()) {
      return ctx.expectation_failed("an SMS with a code to " + *sms_phone, "no SMS arrived");
    }
    return await(ctx, *id, [&](app::AppClient& a, auto done) { a.login_sms(*code, done); });
  });
}

std::unique_ptr<Step> parse_find_unit(StepParser& p, const YAML::Node& params) {
  if (params && params.IsMap() && !p.fields(params, "'app_find_unit'", {"app"})) return nullptr;
  std::optional<std::string> id = params.IsScalar() ? std::optional<std::string>(params.Scalar())
                                                    : p.reader().string(params, "app", true);
  if (!id) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) -> Status {
    std::optional<Result<std::string>> found;
    app_of(ctx, *id).find_unit([&](Result<std::string> r) { found = std::move(r); });
    ctx.run_until([&] { return found.has_value(); }, sim::minutes(1));
    if (!found) return make_error("unit_not_found", "the LAN search did not end");
    ctx.record("app:" + *id, found->ok() ? "unit_found" : "unit_not_found",
               found->ok() ? **found : found->error().message);
    if (!found->ok()) return found->error();  // DOMAIN R31
    ctx.values["app." + *id + ".unit_location"] = **found;
    return ok_status();
  });
}

std::unique_ptr<Step> parse_register(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'app_register'",
                {"app", "unit", "nickname", "access_password", "link_code", "terms_agreed",
                 "device_code"}))
    return nullptr;
  auto id = p.reader().string(params, "app", true);
  auto unit = p.unit(params);
  auto nickname = p.reader().string(params, "nickname", true);
  auto password = p.reader().string(params, "access_password");
  auto link_code = p.reader().string(params, "link_code");
  auto terms = p.reader().boolean(params, "terms_agreed");
  auto typed_code = p.reader().string(params, "device_code");
  if (!id || !unit || !nickname) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) {
    json r{{"nickname", *nickname},
           {"device_code", typed_code.value_or(device_code_of(ctx, *unit))}};
    if (password) r["access_password"] = *password;
    if (link_code) {
      // `issued`: the code the unit showed last for this unit (DOMAIN R53).
      r["link_code"] = *link_code == "issued" ? ctx.values[*unit + ".link_code"] : *link_code;
    }
    if (terms) r["terms_agreed"] = *terms;
    return await(ctx, *id, [&](app::AppClient& a, auto done) { a.register_phone(r, done); });
  });
}

// Any API call: {app, method, path, body, save: {name: /json/pointer}}; `%{name}` in the
// path or in body strings is replaced by a value saved by an earlier step (`${...}` is the
// scenario's variables, replaced when the file is loaded).
std::string substitute(RunContext& ctx, std::string text) {
  std::size_t at = 0;
  while ((at = text.find("%{", at)) != std::string::npos) {
    const auto end = text.find('}', at);
    if (end == std::string::npos) break;
    const std::string name = text.substr(at + 2, end - at - 2);
    auto it = ctx.values.find(name);
    if (it == ctx.values.end()) {
      at = end + 1;
      continue;
    }
    text.replace(at, end - at + 1, it->second);
    at += it->second.size();
  }
  return text;
}

json substitute(RunContext& ctx, const json& j) {
  if (j.is_string()) return substitute(ctx, j.get<std::string>());
  if (j.is_object() || j.is_array()) {
    json out = j;
    for (auto it = out.begin(); it != out.end(); ++it) *it = substitute(ctx, *it);
    return out;
  }
  return j;
}

std::unique_ptr<Step> parse_call(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'app_call'", {"app", "method", "path", "body", "save"})) return nullptr;
  auto id = p.reader().string(params, "app", true);
  auto method = p.reader().string(params, "method", true);
  auto path = p.reader().string(params, "path", true);
  if (!id || !method || !path) return nullptr;
  static const std::vector<std::string> kMethods{"GET", "POST", "PUT", "DELETE", "PATCH"};
  if (std::find(kMethods.begin(), kMethods.end(), *method) == kMethods.end()) {
    p.reader().error(
        params["method"],
        fmt::format("'method' must be GET, POST, PUT, DELETE or PATCH, found '{}'", *method));
    return nullptr;
  }
  json body = params["body"] ? to_json(params["body"]) : json(nullptr);
  std::vector<std::pair<std::string, std::string>> save;
  if (const auto s = params["save"]) {
    if (!s.IsMap()) {
      p.reader().error(s, "'save' must be a map of names to JSON pointers (/phone_id)");
      return nullptr;
    }
    for (const auto& kv : s) {
      const std::string ptr = kv.second.as<std::string>();
      if (ptr.empty() || ptr[0] != '/') {
        p.reader().error(kv.second, "a JSON pointer starts with '/': " + ptr);
        return nullptr;
      }
      save.emplace_back(kv.first.as<std::string>(), ptr);
    }
  }
  return std::make_unique<FunctionStep>([=](RunContext& ctx) -> Status {
    const json b = substitute(ctx, body);
    auto st = await(ctx, *id, [&](app::AppClient& a, auto done) {
      a.call(*method, substitute(ctx, *path), b, done);
    });
    const auto& answer = ctx.app_answers[*id];
    for (const auto& [name, ptr] : save) {
      const json::json_pointer jp(ptr);
      if (answer.body.is_object() && answer.body.contains(jp)) {
        const json& v = answer.body.at(jp);
        ctx.values[name] = v.is_string() ? v.get<std::string>() : v.dump();
      }
    }
    return st;
  });
}

// DOMAIN R62: the appliances for voice control, named by their world ids
// (their keys on the unit depend on the addresses the run gave them).
std::unique_ptr<Step> parse_speaker_appliances(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'app_speaker_appliances'", {"app", "appliances"})) return nullptr;
  auto id = p.reader().string(params, "app", true);
  const auto list = params["appliances"];
  if (!id) return nullptr;
  if (!list || !list.IsSequence()) {
    p.reader().error(params, "'appliances' must be a list of appliance ids of the world");
    return nullptr;
  }
  std::vector<std::string> ids;
  for (const auto& item : list) {
    auto a = p.appliance(item);
    if (!a) return nullptr;
    ids.push_back(*a);
  }
  return std::make_unique<FunctionStep>([=](RunContext& ctx) {
    json keys = json::array();
    for (const auto& a : ids) keys.push_back(ctx.unit_key(a));
    return await(ctx, *id, [&](app::AppClient& a, auto done) {
      a.call("PUT", "/v1/speaker/registration/appliances", json{{"appliances", keys}}, done);
    });
  });
}

// DOMAIN R60, R62 (manual p46-51), the speaker-only path: the phone reads the
// QR code the unit shows at スマートスピーカー設定 > ID登録 and, logged in with
// the CLUB ID (app_login), starts the speaker registration for that unit
// without any app registration. The unit must be showing that screen.
std::unique_ptr<Step> parse_speaker_qr(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'app_speaker_qr'", {"app", "unit", "nickname"})) return nullptr;
  auto id = p.reader().string(params, "app", true);
  auto unit = p.unit(params);
  auto nickname = p.reader().string(params, "nickname", true);
  if (!id || !unit || !nickname) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) -> Status {
    const aiseg2::Screen screen = ctx.unit(*unit).server_service().show();
    auto qr = screen.fields.find("id_registration_qr");
    if (screen.id != aiseg2::ScreenId::SpeakerSettings || qr == screen.fields.end()) {
      return ctx.expectation_failed(
          fmt::format("unit {} shows the QR code of スマートスピーカー設定 > ID登録", *unit),
          fmt::format("the screen {} ({})", aiseg2::to_string(screen.id), screen.title));
    }
    ctx.values["app." + *id + ".speaker_qr"] = qr->second;
    const json body{{"nickname", *nickname}, {"qr", qr->second}};
    return await(ctx, *id, [&](app::AppClient& a, auto done) {
      a.call("POST", "/v1/speaker/registration", body, done);
    });
  });
}

// expect: {app: {app: taro, status: 200, error: phone_limit, body: {/phone_id: ...}}}
std::unique_ptr<Check> parse_app_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'app' check", {"app", "status", "error", "body"})) return nullptr;
  auto id = p.reader().string(params, "app", true);
  auto status = p.reader().integer(params, "status", 0, 599);
  auto error = p.reader().string(params, "error");
  if (!id) return nullptr;
  json body = params["body"] ? to_json(params["body"]) : json(nullptr);
  std::string expected = fmt::format("app {}'s last answer", *id);
  if (status) expected += fmt::format(" status {}", *status);
  if (error) expected += fmt::format(" error {}", *error);
  if (!body.is_null()) expected += " with " + body.dump();
  return std::make_unique<FunctionCheck>(
      expected, [=](RunContext& ctx) -> std::optional<std::string> {
        auto it = ctx.app_answers.find(*id);
        if (it == ctx.app_answers.end()) return "the app has made no call";
        const auto& a = it->second;
        const std::string seen = fmt::format("status {} {}", a.status, a.body.dump());
        if (status && a.status != *status) return seen;
        if (error && a.error_code() != *error) return seen;
        if (body.is_object()) {
          for (const auto& [ptr, want] : body.items()) {
            const json::json_pointer jp(ptr.empty() || ptr[0] != '/' ? "/" + ptr : ptr);
            if (!a.body.is_object() || !a.body.contains(jp) || a.body.at(jp) != want) return seen;
          }
        }
        return std::nullopt;
      });
}

// expect: {mail: {to: taro@example.jp, count: 1, subject: 確認, body: 帰宅, delivered: true}}
std::unique_ptr<Check> parse_mail_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'mail' check", {"to", "count", "subject", "body", "delivered"}))
    return nullptr;
  auto to = p.reader().string(params, "to", true);
  auto count = p.reader().integer(params, "count", 0, 100000);
  auto subject = p.reader().string(params, "subject");
  auto body = p.reader().string(params, "body");
  auto delivered = p.reader().boolean(params, "delivered");
  if (!to) return nullptr;
  std::string expected = fmt::format("mail to {}", *to);
  if (subject) expected += " with '" + *subject + "' in the subject";
  if (body) expected += " with '" + *body + "' in the body";
  if (delivered) expected += *delivered ? ", delivered" : ", not delivered";
  expected += count ? fmt::format(": {} of them", *count) : ": at least one";
  return std::make_unique<FunctionCheck>(
      expected, [=](RunContext& ctx) -> std::optional<std::string> {
        if (ctx.world().cloud() == nullptr) return "the world has no cloud";
        std::int64_t n = 0;
        std::string subjects;
        for (const auto* m : ctx.world().cloud()->outbox().mails(*to)) {
          subjects += (subjects.empty() ? "" : ", ") + ("'" + m->subject + "'");
          if (subject && m->subject.find(*subject) == std::string::npos) continue;
          if (body && m->body.find(*body) == std::string::npos) continue;
          if (delivered && m->delivered != *delivered) continue;
          ++n;
        }
        if (count ? n == *count : n > 0) return std::nullopt;
        return fmt::format("{} matching mail(s); mails to {}: {}", n, *to,
                           subjects.empty() ? "none" : subjects);
      });
}

std::unique_ptr<Check> parse_sms_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'sms' check", {"to", "count"})) return nullptr;
  auto to = p.reader().string(params, "to", true);
  auto count = p.reader().integer(params, "count", 0, 100000);
  if (!to) return nullptr;
  return std::make_unique<FunctionCheck>(
      fmt::format("SMS to {}: {}", *to, count ? std::to_string(*count) : "at least one"),
      [=](RunContext& ctx) -> std::optional<std::string> {
        if (ctx.world().cloud() == nullptr) return "the world has no cloud";
        const auto n = static_cast<std::int64_t>(ctx.world().cloud()->outbox().sms(*to).size());
        if (count ? n == *count : n > 0) return std::nullopt;
        return fmt::format("{} SMS", n);
      });
}

// expect: {cloud_unit: {unit: hems, online: true, registered: true, firmware: ..., appliances: 8}}
// What the cloud knows of a unit from the unit channel (docs/unit-channel.md).
std::unique_ptr<Check> parse_cloud_unit_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'cloud_unit' check",
                {"unit", "dut", "online", "registered", "firmware", "appliances"}))
    return nullptr;
  // A controller DUT (docs/dut.md) stands for a unit: the cloud knows it by its device code.
  std::optional<std::string> dut_code;
  if (params && params.IsMap() && params["dut"]) {
    for (const auto& d : p.world().duts) {
      if (d.id == scalar(params["dut"])) dut_code = d.device_code;
    }
    if (!dut_code) {
      p.reader().error(params["dut"], fmt::format("unknown DUT '{}'", scalar(params["dut"])));
      return nullptr;
    }
  }
  auto unit =
      dut_code ? std::optional<std::string>("dut " + scalar(params["dut"])) : p.unit(params);
  auto online = p.reader().boolean(params, "online");
  auto registered = p.reader().boolean(params, "registered");
  auto firmware = p.reader().string(params, "firmware");
  auto appliances = p.reader().integer(params, "appliances", 0, 10000);
  if (!unit) return nullptr;
  std::string expected = fmt::format("the cloud's record of unit {}", *unit);
  if (online) expected += *online ? " online" : " offline";
  if (registered) expected += *registered ? ", server service registered" : ", not registered";
  if (firmware) expected += ", firmware " + *firmware;
  if (appliances) expected += fmt::format(", {} appliances", *appliances);
  return std::make_unique<FunctionCheck>(
      expected, [=](RunContext& ctx) -> std::optional<std::string> {
        if (ctx.world().cloud() == nullptr) return "the world has no cloud";
        std::string digits;
        if (dut_code) {
          for (char c : *dut_code)
            if (c >= '0' && c <= '9') digits += c;
        } else {
          digits = ctx.unit(*unit).device_code().digits();
        }
        const auto* r = ctx.world().cloud()->units().find(digits);
        if (r == nullptr) return "the cloud has not heard of the unit";
        const std::string seen =
            fmt::format("online {}, registered {}, firmware {}, {} appliances", r->online,
                        r->server.registered, r->firmware, r->appliances.size());
        if (online && r->online != *online) return seen;
        if (registered && r->server.registered != *registered) return seen;
        if (firmware && r->firmware != *firmware) return seen;
        if (appliances && static_cast<std::int64_t>(r->appliances.size()) != *appliances)
          return seen;
        return std::nullopt;
      });
}

const RegisterStep reg_sign_up{
    {"app_sign_up", "app_sign_up: {app: taro, email: taro@example.jp, password: abc12345}",
     parse_sign_up}};
const RegisterStep reg_login{
    {"app_login", "app_login: {app: taro, email: ..., password: ..., sms_phone: 090...}",
     parse_login}};
const RegisterStep reg_find{{"app_find_unit", "app_find_unit: {app: taro}", parse_find_unit}};
const RegisterStep reg_register{
    {"app_register",
     "app_register: {app: taro, unit: hems, nickname: たろう, access_password: ... | link_code: "
     "issued, terms_agreed: true}",
     parse_register}};
const RegisterStep reg_call{
    {"app_call",
     "app_call: {app: taro, method: POST, path: /v1/app/..., body: {...}, save: {name: /ptr}}",
     parse_call}};
const RegisterStep reg_speaker_appliances{
    {"app_speaker_appliances", "app_speaker_appliances: {app: taro, appliances: [living_ac]}",
     parse_speaker_appliances}};
const RegisterStep reg_speaker_qr{{"app_speaker_qr",
                                   "app_speaker_qr: {app: hanako, unit: hems, nickname: はなこ}",
                                   parse_speaker_qr}};
const RegisterCheck reg_app_check{
    {"app", "app: {app: taro, status: 200, error: phone_limit, body: {/phone_id: ...}}",
     parse_app_check}};
const RegisterCheck reg_mail_check{
    {"mail", "mail: {to: taro@example.jp, count: 1, subject: ..., body: ..., delivered: true}",
     parse_mail_check}};
const RegisterCheck reg_cloud_unit_check{
    {"cloud_unit",
     "cloud_unit: {unit: hems | dut: fw, online: true, registered: true, firmware: ..., "
     "appliances: 8}",
     parse_cloud_unit_check}};
const RegisterCheck reg_sms_check{{"sms", "sms: {to: 09012345678, count: 1}", parse_sms_check}};

}  // namespace
}  // namespace hemsrig::scenario
