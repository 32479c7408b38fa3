// hemsrig.App and hemsrig.Google: the scripted Smart HEMS service app
// (devices/app) and the scripted Google (devices/google) of a world, with the
// same actions, the same waiting (at most 2 minutes of simulated time, the GIL
// released) and the same refusals as the scenario steps app_* and google_*
// (rig/scenario/steps): a refusal raises hemsrig.Refused with the cloud's code,
// the rule it names and the text the user would see.
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "devices/cloud/mock_cloud.hpp"
#include "errors.hpp"
#include "handles.hpp"

namespace hemsrig::py {

namespace pyb = pybind11;
using namespace pybind11::literals;
using nlohmann::json;

namespace {

// As long as a step waits for the cloud (rig/scenario/steps).
constexpr sim::Duration kAnswerTimeout = sim::minutes(2);

pyb::object to_python(const json& j) {
  if (j.is_null()) return pyb::none();
  return pyb::module_::import("json").attr("loads")(j.dump());
}

json from_python(const pyb::handle& o) {
  if (o.is_none()) return nullptr;
  const std::string text =
      pyb::module_::import("json").attr("dumps")(o, "ensure_ascii"_a = false).cast<std::string>();
  return json::parse(text);
}

void require_started(PyWorld& w, const std::string& who) {
  if (!w.started()) {
    raise_error(make_error("not_started", who + ": start the world first (world.start())"));
  }
}

pyb::dict answer_dict(const app::AppAnswer& a) {
  const std::string code = a.error_code();
  return pyb::dict("status"_a = a.status, "json"_a = to_python(a.body),
                   "error"_a = code.empty() ? pyb::object(pyb::none()) : pyb::cast(code),
                   "message"_a = a.error_message());
}

// The cloud's refusal as hemsrig.Refused: its code, its message, its rule.
[[noreturn]] void raise_answer(const app::AppAnswer& a) {
  std::string rule;
  if (a.body.is_object() && a.body.contains("error") && a.body["error"].is_object()) {
    rule = a.body["error"].value("rule", std::string{});
  }
  const std::string message = a.error_message().empty() ? a.body.dump() : a.error_message();
  raise_refused(Error{a.error_code(), message}, rule);
}

// Runs the world until the app's call answered; keeps it as the app's last answer.
app::AppAnswer await_app(AppRef& r,
                         const std::function<void(app::AppClient&, app::AppClient::Done)>& start,
                         bool check = true) {
  PyWorld& w = *r.world;
  require_started(w, "app " + r.id);
  PyWorld::AppSlot& slot = w.app_slot(r.id);
  auto answer = std::make_shared<std::optional<app::AppAnswer>>();
  start(*slot.client, [answer](app::AppAnswer a) { *answer = std::move(a); });
  if (!w.run_until_native([answer] { return answer->has_value(); }, kAnswerTimeout)) {
    raise_error(make_error("timeout", fmt::format("app {}: no answer from the cloud within 2 "
                                                  "minutes of simulated time",
                                                  r.id)));
  }
  slot.last = **answer;
  if (check && !slot.last->ok()) raise_answer(*slot.last);
  return *slot.last;
}

// Runs the world until a Google call ended; keeps its outcome as the client's last.
json await_google(GoogleRef& r, const std::string& what,
                  const std::function<void(std::function<void(Status, json)>)>& start) {
  PyWorld& w = *r.world;
  require_started(w, "google " + r.id);
  PyWorld::GoogleSlot& slot = w.google_slot(r.id, "");
  auto out = std::make_shared<std::optional<std::pair<Status, json>>>();
  start([out](Status st, json j) { out->emplace(std::move(st), std::move(j)); });
  if (!w.run_until_native([out] { return out->has_value(); }, kAnswerTimeout)) {
    raise_error(make_error("timeout", fmt::format("google {}: no answer to {} within 2 minutes "
                                                  "of simulated time",
                                                  r.id, what)));
  }
  auto& [st, j] = **out;
  slot.last = j;
  slot.last["step"] = what;
  slot.last["error"] = st ? "" : st.error().code;
  if (!st) raise_refused(st.error());
  return j;
}

std::string device_code_of(PyWorld& w, const std::string& unit) {
  return w.unit(unit).device_code().digits();
}

}  // namespace

PyWorld::AppSlot& PyWorld::app_slot(const std::string& id) {
  AppSlot& slot = apps_[id];
  if (slot.client) return slot;
  if (world_->cloud() == nullptr) {
    apps_.erase(id);
    raise_error(
        make_error("no_cloud", "the world has no cloud (add a `cloud:` section to the world)"));
  }
  app::AppClientOptions o;
  o.http.ca_pem = world_->cloud_ca_pem();  // a cloud with tls: trust the rig's test CA
  // DOMAIN R30: the phone is on the home LAN; it searches where the world's units answer.
  for (const auto& us : world_->spec().units) {
    if (auto* u = world_->unit(us.id); u != nullptr && u->ssdp_endpoint().second != 0) {
      o.ssdp_port = u->ssdp_endpoint().second;
      break;
    }
  }
  slot.client = std::make_unique<app::AppClient>(engine(), world_->cloud_url(), o);
  return slot;
}

PyWorld::GoogleSlot& PyWorld::google_slot(const std::string& id, const std::string& account) {
  GoogleSlot& slot = googles_[id];
  if (slot.client) return slot;
  if (world_->cloud() == nullptr) {
    googles_.erase(id);
    raise_error(
        make_error("no_cloud", "the world has no cloud (add a `cloud:` section to the world)"));
  }
  google::GoogleClientOptions o;
  o.cloud_url = world_->cloud_url();
  o.http.ca_pem = world_->cloud_ca_pem();
  slot.account = account.empty() ? id + "@gmail.com" : account;
  o.google_account = slot.account;
  slot.client = std::make_unique<google::GoogleClient>(engine(), o);
  return slot;
}

void bind_clients(pyb::module_& m) {
  pyb::class_<AppRef>(m, "App",
                      "The scripted Smart HEMS service app on one phone (world.app(id)): the "
                      "cloud's public API and the home LAN only, as the YAML app_* steps.")
      .def_property_readonly("id", [](AppRef& r) { return r.id; })
      .def(
          "sign_up",
          [](AppRef& r, const std::string& email, const std::string& password) {
            auto& slot = r.world->app_slot(r.id);
            slot.email = email;
            slot.password = password;
            return answer_dict(await_app(r, [&](app::AppClient& a, app::AppClient::Done done) {
              a.sign_up(email, password, std::move(done));
            }));
          },
          "email"_a, "password"_a,
          "DOMAIN R20/R21: signs up a CLUB ID, reads the verification mail and opens its link. "
          "Raises Refused (password_rule R20, ...).")
      .def(
          "login",
          [](AppRef& r, std::optional<std::string> email, std::optional<std::string> password,
             std::optional<std::string> sms_phone) {
            auto& slot = r.world->app_slot(r.id);
            const std::string e = email.value_or(slot.email);
            const std::string pw = password.value_or(slot.password);
            slot.email = e;
            slot.password = pw;
            app::AppAnswer a = await_app(r, [&](app::AppClient& c, app::AppClient::Done done) {
              c.login(e, pw, std::move(done));
            });
            if (!sms_phone) return answer_dict(a);
            // DOMAIN R22: two-step verification: the code arrives by SMS.
            auto code = std::make_shared<std::optional<std::string>>();
            slot.client->read_sms_code(*sms_phone, [code](std::string c) { *code = std::move(c); });
            r.world->run_until_native([code] { return code->has_value(); }, sim::minutes(1));
            if (!*code || (*code)->empty()) {
              raise_refused(make_error(
                  "sms_missing", "no SMS with a code arrived at " + *sms_phone + " (DOMAIN R22)"));
            }
            return answer_dict(await_app(r, [&](app::AppClient& c, app::AppClient::Done done) {
              c.login_sms(**code, std::move(done));
            }));
          },
          pyb::kw_only(), "email"_a = pyb::none(), "password"_a = pyb::none(),
          "sms_phone"_a = pyb::none(),
          "Logs in (by default with the sign-up's e-mail and password); with sms_phone, "
          "completes two-step verification with the code the SMS brought (DOMAIN R22).")
      .def(
          "find_unit",
          [](AppRef& r) {
            PyWorld& w = *r.world;
            require_started(w, "app " + r.id);
            auto& slot = w.app_slot(r.id);
            auto found = std::make_shared<std::optional<Result<std::string>>>();
            slot.client->find_unit([found](Result<std::string> res) { *found = std::move(res); });
            w.run_until_native([found] { return found->has_value(); }, sim::minutes(1));
            if (!*found) raise_refused(make_error("unit_not_found", "the LAN search did not end"));
            if (!**found) raise_refused((**found).error());  // DOMAIN R31
            return ***found;
          },
          "DOMAIN R30: searches the home LAN for the unit; returns its description URL. Raises "
          "Refused unit_not_found (R31) when no unit answers.")
      .def(
          "register",
          [](AppRef& r, const std::string& unit, const std::string& nickname,
             std::optional<std::string> access_password, std::optional<std::string> link_code,
             std::optional<bool> terms_agreed, std::optional<std::string> device_code) {
            if (access_password.has_value() == link_code.has_value()) {
              raise_error(
                  make_error("invalid_argument",
                             "give either access_password (DOMAIN R32) or link_code (R33)"));
            }
            json body{{"nickname", nickname},
                      {"device_code", device_code.value_or(device_code_of(*r.world, unit))}};
            if (access_password) body["access_password"] = *access_password;
            if (link_code) body["link_code"] = *link_code;
            if (terms_agreed) body["terms_agreed"] = *terms_agreed;
            return answer_dict(await_app(r, [&](app::AppClient& a, app::AppClient::Done done) {
              a.register_phone(body, std::move(done));
            }));
          },
          "unit"_a, "nickname"_a, pyb::kw_only(), "access_password"_a = pyb::none(),
          "link_code"_a = pyb::none(), "terms_agreed"_a = pyb::none(),
          "device_code"_a = pyb::none(),
          "DOMAIN R32/R33: registers this phone on the unit, by the access password or by a "
          "link code issued on the unit (R53). device_code: what the user typed (default: the "
          "unit's own).")
      .def(
          "call",
          [](AppRef& r, const std::string& method, const std::string& path, const pyb::object& body,
             bool check) {
            static const std::vector<std::string> kMethods{"GET", "POST", "PUT", "DELETE", "PATCH"};
            if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
              raise_error(
                  make_error("invalid_argument",
                             "method must be GET, POST, PUT, DELETE or PATCH, not " + method));
            }
            const json b = from_python(body);
            return answer_dict(await_app(
                r,
                [&](app::AppClient& a, app::AppClient::Done done) {
                  a.call(method, path, b, std::move(done));
                },
                check));
          },
          "method"_a, "path"_a, "json"_a = pyb::none(), pyb::kw_only(), "check"_a = true,
          "Any call of the cloud's API with the app's login session. Raises Refused when the "
          "cloud says no, unless check=False.")
      .def(
          "speaker_appliances",
          [](AppRef& r, const std::vector<std::string>& appliances, const std::string& unit) {
            json keys = json::array();
            aiseg2::Unit& u = r.world->unit(unit);
            for (const auto& a : appliances) keys.push_back(r.world->appliance_key(u, a));
            return answer_dict(await_app(r, [&](app::AppClient& a, app::AppClient::Done done) {
              a.call("PUT", "/v1/speaker/registration/appliances", json{{"appliances", keys}},
                     std::move(done));
            }));
          },
          "appliances"_a, pyb::kw_only(), "unit"_a = "hems",
          "DOMAIN R62: the appliances for voice control (world ids, keys or names on the unit).")
      .def_property_readonly(
          "last",
          [](AppRef& r) -> pyb::object {
            auto& slot = r.world->app_slot(r.id);
            if (!slot.last) return pyb::none();
            return answer_dict(*slot.last);
          },
          "The last answer: {status, json, error, message}, or None before any call.")
      .def_property_readonly("session",
                             [](AppRef& r) { return r.world->app_slot(r.id).client->session(); })
      .def_property_readonly("phone_id",
                             [](AppRef& r) { return r.world->app_slot(r.id).client->phone_id(); })
      .def("__repr__", [](AppRef& r) { return "<App " + r.id + ">"; });

  pyb::class_<GoogleRef>(m, "Google",
                         "The scripted Google (world.google(id)): OAuth account linking and "
                         "Smart Home SYNC/QUERY/EXECUTE/DISCONNECT, as the YAML google_* steps.")
      .def_property_readonly("id", [](GoogleRef& r) { return r.id; })
      .def_property_readonly("account",
                             [](GoogleRef& r) { return r.world->google_slot(r.id, "").account; })
      .def(
          "link",
          [](GoogleRef& r, const std::string& email, const std::string& password, bool allow) {
            auto& g = *r.world->google_slot(r.id, "").client;
            await_google(r, "link", [&](auto done) {
              g.link(
                  email, password, [done](Status st) { done(std::move(st), json::object()); },
                  allow);
            });
          },
          "email"_a, "password"_a, pyb::kw_only(), "allow"_a = true,
          "DOMAIN R62: links the CLUB ID with this Google account (login, then 'allow' or "
          "'deny'). Raises Refused (google_account_already_linked R61, access_denied, ...).")
      .def(
          "sync",
          [](GoogleRef& r) {
            auto& g = *r.world->google_slot(r.id, "").client;
            return to_python(await_google(r, "sync", [&](auto done) {
              g.sync([done](Result<json> res) {
                if (!res) return done(res.error(), json::object());
                done(ok_status(), *res);
              });
            }));
          },
          "SYNC: the appliances the speaker may drive; returns the response body.")
      .def(
          "query",
          [](GoogleRef& r, const std::vector<std::string>& ids) {
            auto& g = *r.world->google_slot(r.id, "").client;
            return to_python(await_google(r, "query", [&](auto done) {
              g.query(ids, [done](Result<json> res) {
                if (!res) return done(res.error(), json::object());
                done(ok_status(), *res);
              });
            }));
          },
          "device_ids"_a, "QUERY the states of devices (ids from sync()); returns the body.")
      .def(
          "execute",
          [](GoogleRef& r, const std::vector<std::string>& ids, const std::string& command,
             const pyb::object& params) {
            auto& g = *r.world->google_slot(r.id, "").client;
            const json p = params.is_none() ? json::object() : from_python(params);
            return to_python(await_google(r, "execute", [&](auto done) {
              g.execute(ids, command, p, [done](Result<json> res) {
                if (!res) return done(res.error(), json::object());
                done(ok_status(), *res);
              });
            }));
          },
          "device_ids"_a, "command"_a, "params"_a = pyb::none(),
          "EXECUTE a command (action.devices.commands.OnOff, ...); returns the body.")
      .def(
          "say",
          [](GoogleRef& r, const std::string& utterance) {
            auto& g = *r.world->google_slot(r.id, "").client;
            return to_python(await_google(r, "say", [&](auto done) {
              g.say(utterance, [done](Result<google::VoiceOutcome> res) {
                if (!res) return done(res.error(), json::object());
                json j{{"device", res->device_name},    {"device_id", res->device_id},
                       {"command", res->command},       {"status", res->status},
                       {"error_code", res->error_code}, {"states", res->states}};
                if (res->status != "SUCCESS") {
                  return done(make_error(res->error_code.empty() ? res->status : res->error_code,
                                         fmt::format("{} answered {} {}", res->device_name,
                                                     res->status, res->error_code)),
                              j);
                }
                done(ok_status(), j);
              });
            }));
          },
          "utterance"_a,
          "Says 'リビングエアコンをつけて': SYNC when needed, then EXECUTE on the one device the "
          "name means. Returns {device, device_id, command, status, error_code, states}; raises "
          "Refused when the speaker fails (device_ambiguous for a generic name, DOMAIN R65).")
      .def(
          "disconnect",
          [](GoogleRef& r) {
            auto& g = *r.world->google_slot(r.id, "").client;
            await_google(r, "disconnect", [&](auto done) {
              g.disconnect([done](Status st) { done(std::move(st), json::object()); });
            });
          },
          "DISCONNECT: the user unlinks the service in Google Home.")
      .def_property_readonly(
          "linked", [](GoogleRef& r) { return r.world->google_slot(r.id, "").client->linked(); })
      .def_property_readonly(
          "devices",
          [](GoogleRef& r) {
            pyb::list out;
            for (const auto& d : r.world->google_slot(r.id, "").client->devices()) {
              out.append(pyb::dict("id"_a = d.id, "name"_a = d.name, "type"_a = d.type));
            }
            return out;
          },
          "The devices of the last SYNC: [{id, name, type}].")
      .def_property_readonly(
          "agent_user_id",
          [](GoogleRef& r) { return r.world->google_slot(r.id, "").client->agent_user_id(); })
      .def_property_readonly(
          "last", [](GoogleRef& r) { return to_python(r.world->google_slot(r.id, "").last); },
          "The last outcome, as the YAML `google:` check reads it ({step, error, ...}).")
      .def("__repr__", [](GoogleRef& r) { return "<Google " + r.id + ">"; });
}

}  // namespace hemsrig::py
