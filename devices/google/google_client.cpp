#include "devices/google/google_client.hpp"

#include <memory>

namespace hemsrig::google {

namespace {

using nlohmann::json;

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += http::percent_encode(k) + "=" + http::percent_encode(v);
  }
  return out;
}

// An OAuth error body {"error","error_description"} as an Error.
Error oauth_refusal(const http::HttpResponse& res) {
  json body = json::parse(res.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return make_error(body["error"].get<std::string>(), body.value("error_description", ""));
  }
  return make_error("protocol", "HTTP " + std::to_string(res.status) + ": " + res.body);
}

}  // namespace

GoogleClient::GoogleClient(sim::Engine& engine, GoogleClientOptions options)
    : engine_(engine), options_(std::move(options)) {}

std::string GoogleClient::new_id(const char* prefix) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = prefix;
  for (int i = 0; i < 16; ++i) id += kHex[engine_.rng()() & 0xF];
  return id;
}

void GoogleClient::post_form(const std::string& path,
                             const std::vector<std::pair<std::string, std::string>>& fields,
                             std::function<void(Result<http::HttpResponse>)> done) {
  http::http_request(engine_, "POST", options_.cloud_url + path, form_encode(fields),
                     {{"Content-Type", "application/x-www-form-urlencoded"}}, std::move(done),
                     options_.http);
}

void GoogleClient::link(const std::string& email, const std::string& password, StatusDone done,
                        bool allow) {
  const std::string state = new_id("st-");
  const std::string target =
      "/oauth/authorize?client_id=" + http::percent_encode(options_.client_id) +
      "&redirect_uri=" + http::percent_encode(options_.redirect_uri) + "&state=" + state +
      "&response_type=code&user_locale=ja-JP";
  // 1. Google opens the consent page in the user's browser.
  http::http_request(
      engine_, "GET", options_.cloud_url + target, "", {},
      [this, email, password, state, allow, done](Result<http::HttpResponse> page) {
        if (!page) return done(page.error());
        if (page->status != 200) return done(oauth_refusal(*page));
        // 2. The user logs in and presses "allow" (or "deny").
        std::vector<std::pair<std::string, std::string>> form = {
            {"client_id", options_.client_id},
            {"redirect_uri", options_.redirect_uri},
            {"state", state},
            {"response_type", "code"},
            {"email", email},
            {"password", password},
            {"decision", allow ? "allow" : "deny"}};
        if (!options_.google_account.empty()) {
          form.emplace_back("google_account", options_.google_account);
        }
        post_form("/oauth/authorize", form, [this, state, done](Result<http::HttpResponse> res) {
          if (!res) return done(res.error());
          if (res->status != 302 || res->header("Location") == nullptr) {
            return done(oauth_refusal(*res));
          }
          // 3. The browser lands on Google's redirect URI with code and state.
          const std::string location = *res->header("Location");
          if (location.rfind(options_.redirect_uri, 0) != 0) {
            return done(make_error("protocol", "redirected elsewhere: " + location));
          }
          auto q = location.find('?');
          auto params = http::parse_query(q == std::string::npos ? "" : location.substr(q + 1));
          if (params.contains("error")) return done(make_error(params["error"], location));
          if (params["state"] != state) {
            return done(make_error("state_mismatch", "the redirect's state is not ours"));
          }
          if (params["code"].empty()) return done(make_error("protocol", "no code: " + location));
          exchange(params["code"], done);
        });
      },
      options_.http);
}

void GoogleClient::exchange(const std::string& code, StatusDone done) {
  // 4. Google's server swaps the code for tokens.
  post_form("/oauth/token",
            {{"grant_type", "authorization_code"},
             {"code", code},
             {"redirect_uri", options_.redirect_uri},
             {"client_id", options_.client_id},
             {"client_secret", options_.client_secret}},
            [this, done](Result<http::HttpResponse> res) {
              if (!res) return done(res.error());
              if (res->status != 200) return done(oauth_refusal(*res));
              json body = json::parse(res->body, nullptr, false);
              if (!body.is_object() || !body.contains("access_token") ||
                  !body.contains("refresh_token")) {
                return done(make_error("protocol", "token answer without tokens: " + res->body));
              }
              access_token_ = body["access_token"].get<std::string>();
              refresh_token_ = body["refresh_token"].get<std::string>();
              done(ok_status());
            });
}

void GoogleClient::refresh(StatusDone done) {
  if (refresh_token_.empty()) return done(make_error("not_linked", "no refresh token"));
  post_form("/oauth/token",
            {{"grant_type", "refresh_token"},
             {"refresh_token", refresh_token_},
             {"client_id", options_.client_id},
             {"client_secret", options_.client_secret}},
            [this, done](Result<http::HttpResponse> res) {
              if (!res) return done(res.error());
              if (res->status != 200) {
                Error e = oauth_refusal(*res);
                if (e.code == "invalid_grant") {
                  // Google drops a link whose refresh token is refused.
                  access_token_.clear();
                  refresh_token_.clear();
                }
                return done(e);
              }
              json body = json::parse(res->body, nullptr, false);
              if (!body.is_object() || !body.contains("access_token")) {
                return done(make_error("protocol", "refresh answer without a token"));
              }
              access_token_ = body["access_token"].get<std::string>();
              done(ok_status());
            });
}

void GoogleClient::intent(const std::string& intent, json payload, JsonDone done,
                          bool may_refresh) {
  // A disconnected user gets no more calls.
  if (!linked()) return done(make_error("not_linked", "the account is not linked"));
  json input = {{"intent", intent}};
  if (!payload.is_null()) input["payload"] = payload;
  const json request = {{"requestId", new_id("req-")}, {"inputs", {input}}};
  ++calls_;
  http::http_request(
      engine_, "POST", options_.cloud_url + "/smarthome/fulfillment", request.dump(),
      {{"Content-Type", "application/json;charset=UTF-8"},
       {"Authorization", "Bearer " + access_token_}},
      [this, intent, payload, done, may_refresh,
       request_id = request["requestId"]](Result<http::HttpResponse> res) {
        if (!res) return done(res.error());
        json body = json::parse(res->body, nullptr, false);
        if (!body.is_object()) {
          return done(make_error("protocol",
                                 "HTTP " + std::to_string(res->status) + " without a JSON body"));
        }
        std::string error;
        if (body.contains("payload") && body["payload"].is_object()) {
          error = body["payload"].value("errorCode", "");
        }
        if (res->status == 401 && error == "authExpired" && may_refresh) {
          // Google refreshes the access token and tries once more.
          return refresh([this, intent, payload, done](Status s) {
            if (!s) return done(make_error("authExpired", s.error().message));
            this->intent(intent, payload, done, false);
          });
        }
        if (res->status != 200 || !error.empty()) {
          return done(make_error(error.empty() ? "protocol" : error, body.dump()));
        }
        // DISCONNECT answers an empty object; every other intent echoes the
        // requestId.
        if (intent != "action.devices.DISCONNECT" &&
            body.value("requestId", json()) != request_id) {
          return done(make_error("protocol", "requestId not echoed"));
        }
        done(body);
      },
      options_.http);  // https: the CA to trust, like every other call
}

void GoogleClient::sync(JsonDone done) {
  intent("action.devices.SYNC", nullptr, [this, done](Result<json> res) {
    if (res) {
      const json& p = (*res)["payload"];
      agent_user_id_ = p.value("agentUserId", "");
      devices_.clear();
      for (const json& d : p.value("devices", json::array())) {
        SyncedDevice s;
        s.id = d.value("id", "");
        s.type = d.value("type", "");
        s.name = d.contains("name") ? d["name"].value("name", "") : "";
        s.traits = d.value("traits", std::vector<std::string>{});
        s.attributes = d.value("attributes", json::object());
        devices_.push_back(std::move(s));
      }
    }
    done(std::move(res));
  });
}

void GoogleClient::query(const std::vector<std::string>& ids, JsonDone done) {
  json devices = json::array();
  for (const auto& id : ids) devices.push_back({{"id", id}});
  intent("action.devices.QUERY", {{"devices", devices}}, std::move(done));
}

void GoogleClient::execute(const std::vector<std::string>& ids, const std::string& command,
                           const json& params, JsonDone done) {
  json devices = json::array();
  for (const auto& id : ids) devices.push_back({{"id", id}});
  intent("action.devices.EXECUTE",
         {{"commands",
           {{{"devices", devices}, {"execution", {{{"command", command}, {"params", params}}}}}}}},
         std::move(done));
}

void GoogleClient::disconnect(StatusDone done) {
  intent("action.devices.DISCONNECT", nullptr, [this, done](Result<json> res) {
    // Whatever the answer, Google forgets the link.
    access_token_.clear();
    refresh_token_.clear();
    devices_.clear();
    if (!res) return done(res.error());
    done(ok_status());
  });
}

void GoogleClient::say(const std::string& utterance,
                       std::function<void(Result<VoiceOutcome>)> done) {
  auto spoken = parse_utterance(utterance);
  if (!spoken) return done(spoken.error());
  auto act = [this, command = *spoken, done] {
    auto device = resolve(devices_, command);
    if (!device) return done(device.error());
    const SyncedDevice d = **device;
    execute({d.id}, command.command, command.params, [d, command, done](Result<json> res) {
      if (!res) return done(res.error());
      VoiceOutcome out{d.id, d.name, command.command, "", "", json::object()};
      for (const json& c : (*res)["payload"].value("commands", json::array())) {
        const json ids = c.value("ids", json::array());
        if (std::find(ids.begin(), ids.end(), json(d.id)) == ids.end()) continue;
        out.status = c.value("status", "");
        out.error_code = c.value("errorCode", "");
        out.states = c.value("states", json::object());
      }
      if (out.status.empty()) return done(make_error("protocol", "no answer for the device"));
      done(out);
    });
  };
  if (!devices_.empty()) return act();
  sync([act, done](Result<json> res) {
    if (!res) return done(res.error());
    act();
  });
}

}  // namespace hemsrig::google
