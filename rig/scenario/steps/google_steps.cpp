// Google steps: a scripted Google (devices/google) per `google:` id, speaking
// only the cloud's public OAuth and Smart Home fulfilment APIs. Link a CLUB ID
// (R62; one Google account per ID, R61), SYNC, QUERY, say an utterance
// ("リビングエアコンをつけて": SYNC then EXECUTE, R65's generic-name failure
// is the error device_ambiguous), DISCONNECT. A refusal is the step's error
// (its code, for `expect_error:`). Check: `google:` (the last outcome).
#include <fmt/format.h>

#include "devices/cloud/mock_cloud.hpp"
#include "devices/google/google_client.hpp"
#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

using nlohmann::json;

google::GoogleClient& google_of(RunContext& ctx, const std::string& id,
                                const std::string& account = {}) {
  auto& slot = ctx.googles[id];
  if (!slot) {
    google::GoogleClientOptions o;
    o.cloud_url = ctx.world().cloud_url();
    o.http.ca_pem = ctx.world().cloud_ca_pem();  // a cloud with tls: trust the rig's test CA
    o.google_account = account.empty() ? id + "@gmail.com" : account;
    slot = std::make_unique<google::GoogleClient>(ctx.engine(), o);
  }
  return *slot;
}

// Runs the world until `start`'s callback ran; its outcome becomes the client's last.
Status await(RunContext& ctx, const std::string& id, const std::string& what,
             const std::function<void(std::function<void(Status, json)>)>& start) {
  if (ctx.world().cloud() == nullptr) {
    return make_error("no_cloud", "the scenario's world has no cloud (add a `cloud:` section)");
  }
  std::optional<std::pair<Status, json>> out;
  start([&out](Status st, json j) { out.emplace(std::move(st), std::move(j)); });
  if (!ctx.run_until([&] { return out.has_value(); }, sim::minutes(2))) {
    return ctx.expectation_failed(fmt::format("google {} gets an answer to {}", id, what),
                                  "no answer within 2 minutes of scenario time");
  }
  json last = out->second;
  last["step"] = what;
  last["error"] = out->first ? "" : out->first.error().code;
  ctx.google_last[id] = last;
  ctx.record("google:" + id, what, out->first ? "ok" : out->first.error().code);
  return out->first;
}

std::optional<std::string> google_id(StepParser& p, const YAML::Node& params) {
  if (params.IsScalar()) return params.Scalar();
  return p.reader().string(params, "google", true);
}

std::unique_ptr<Step> parse_link(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'google_link'", {"google", "account", "email", "password", "allow"}))
    return nullptr;
  auto id = google_id(p, params);
  auto account = p.reader().string(params, "account");
  auto email = p.reader().string(params, "email", true);
  auto password = p.reader().string(params, "password", true);
  auto allow = p.reader().boolean(params, "allow");
  if (!id || !email || !password) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) {
    auto& g = google_of(ctx, *id, account.value_or(""));
    return await(ctx, *id, "link", [&](auto done) {
      g.link(
          *email, *password, [done](Status st) { done(std::move(st), json::object()); },
          allow.value_or(true));
    });
  });
}

std::unique_ptr<Step> parse_sync(StepParser& p, const YAML::Node& params) {
  if (params.IsMap() && !p.fields(params, "'google_sync'", {"google"})) return nullptr;
  auto id = google_id(p, params);
  if (!id) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) {
    auto& g = google_of(ctx, *id);
    return await(ctx, *id, "sync", [&](auto done) {
      g.sync([done](Result<json> r) {
        if (!r) return done(r.error(), json::object());
        done(ok_status(), json{{"response", *r}});
      });
    });
  });
}

std::unique_ptr<Step> parse_say(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'google_say'", {"google", "utterance"})) return nullptr;
  auto id = google_id(p, params);
  auto utterance = p.reader().string(params, "utterance", true);
  if (!id || !utterance) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) -> Status {
    auto& g = google_of(ctx, *id);
    auto st = await(ctx, *id, "say", [&](auto done) {
      g.say(*utterance, [done](Result<google::VoiceOutcome> r) {
        if (!r) return done(r.error(), json::object());
        json j{{"device", r->device_name}, {"device_id", r->device_id},   {"command", r->command},
               {"status", r->status},      {"error_code", r->error_code}, {"states", r->states}};
        if (r->status != "SUCCESS") {
          return done(make_error(r->error_code.empty() ? r->status : r->error_code,
                                 fmt::format("{} answered {} {}", r->device_name, r->status,
                                             r->error_code)),
                      j);
        }
        done(ok_status(), j);
      });
    });
    return st;
  });
}

std::unique_ptr<Step> parse_disconnect(StepParser& p, const YAML::Node& params) {
  if (params.IsMap() && !p.fields(params, "'google_disconnect'", {"google"})) return nullptr;
  auto id = google_id(p, params);
  if (!id) return nullptr;
  return std::make_unique<FunctionStep>([=](RunContext& ctx) {
    auto& g = google_of(ctx, *id);
    return await(ctx, *id, "disconnect", [&](auto done) {
      g.disconnect([done](Status st) { done(std::move(st), json::object()); });
    });
  });
}

// expect: {google: {google: g, status: SUCCESS, device: リビングエアコン, error: deviceOffline,
//                   devices: 3, states: {on: true}}}
std::unique_ptr<Check> parse_google_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'google' check",
                {"google", "status", "device", "error", "devices", "states", "linked"}))
    return nullptr;
  auto id = p.reader().string(params, "google", true);
  auto status = p.reader().string(params, "status");
  auto device = p.reader().string(params, "device");
  auto error = p.reader().string(params, "error");
  auto devices = p.reader().integer(params, "devices", 0, 10000);
  auto linked = p.reader().boolean(params, "linked");
  std::vector<std::pair<std::string, std::string>> states;
  if (const auto s = params["states"]; s && s.IsMap()) {
    for (const auto& kv : s) states.emplace_back(kv.first.as<std::string>(), kv.second.Scalar());
  }
  if (!id) return nullptr;
  std::string expected = fmt::format("google {}'s last outcome", *id);
  if (status) expected += " " + *status;
  if (device) expected += " on " + *device;
  if (error) expected += " error " + *error;
  if (devices) expected += fmt::format(" with {} devices synced", *devices);
  if (linked) expected += *linked ? " (linked)" : " (not linked)";
  for (const auto& [k, v] : states) expected += fmt::format(" {}={}", k, v);
  return std::make_unique<FunctionCheck>(
      expected, [=](RunContext& ctx) -> std::optional<std::string> {
        auto it = ctx.google_last.find(*id);
        const json last = it == ctx.google_last.end() ? json::object() : it->second;
        const std::string seen = last.dump();
        if (linked) {
          auto g = ctx.googles.find(*id);
          const bool is = g != ctx.googles.end() && g->second->linked();
          if (is != *linked) return is ? "linked" : "not linked";
        }
        if (devices) {
          auto g = ctx.googles.find(*id);
          const auto n = g == ctx.googles.end() ? 0 : g->second->devices().size();
          if (static_cast<std::int64_t>(n) != *devices) return fmt::format("{} devices", n);
        }
        if (status && last.value("status", std::string{}) != *status) return seen;
        if (device && last.value("device", std::string{}) != *device) return seen;
        if (error && last.value("error", std::string{}) != *error) return seen;
        for (const auto& [k, v] : states) {
          if (!last.contains("states") || !last["states"].contains(k)) return seen;
          const json& got = last["states"][k];
          const std::string text = got.is_string() ? got.get<std::string>() : got.dump();
          if (text != v) return seen;
        }
        return std::nullopt;
      });
}

const RegisterStep reg_link{
    {"google_link",
     "google_link: {google: g, account: taro@gmail.com, email: taro@example.jp, password: ..., "
     "allow: true}",
     parse_link}};
const RegisterStep reg_sync{{"google_sync", "google_sync: {google: g}", parse_sync}};
const RegisterStep reg_say{
    {"google_say", "google_say: {google: g, utterance: リビングエアコンをつけて}", parse_say}};
const RegisterStep reg_disconnect{
    {"google_disconnect", "google_disconnect: {google: g}", parse_disconnect}};
const RegisterCheck reg_check{
    {"google",
     "google: {google: g, status: SUCCESS, device: ..., error: ..., devices: N, states: {on: "
     "true}, linked: true}",
     parse_google_check}};

}  // namespace
}  // namespace hemsrig::scenario
