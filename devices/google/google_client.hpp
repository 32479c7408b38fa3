// GoogleClient: a scripted Google (Assistant + Home Graph + account linking)
// that speaks only the public wire APIs of the vendor cloud, over HTTP:
// OAuth 2.0 authorization-code linking (the consent page, login + "allow",
// the redirect's code and state, the token exchange, refresh on authExpired),
// and Smart Home intents SYNC / QUERY / EXECUTE / DISCONNECT in Google's
// JSON shapes. say() turns an utterance into those calls by the SYNC names
// (utterance.hpp). Asynchronous on the Engine like http_request: each `done`
// runs once on the engine's thread; the client must outlive its calls.
// After DISCONNECT (or a refresh refused) it makes no more calls.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "devices/google/utterance.hpp"
#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"
#include "sim/http/http_client.hpp"

namespace hemsrig::google {

struct GoogleClientOptions {
  std::string cloud_url;  // "http://127.0.0.1:PORT"
  std::string client_id = "google-smart-home";
  std::string client_secret = "hemsrig-google-secret";
  std::string redirect_uri = "https://oauth-redirect.googleusercontent.com/r/hemsrig";
  // The Google account doing the linking; sent as the rig's `google_account`
  // (DOMAIN R61: one Google account per CLUB ID). Empty: not sent.
  std::string google_account;
  http::HttpClientOptions http;
};

// What one spoken command did.
struct VoiceOutcome {
  std::string device_id;
  std::string device_name;
  std::string command;
  std::string status;      // "SUCCESS" | "ERROR" | "OFFLINE" ...
  std::string error_code;  // Google's errorCode when not SUCCESS
  nlohmann::json states = nlohmann::json::object();
};

class GoogleClient {
 public:
  GoogleClient(sim::Engine& engine, GoogleClientOptions options);

  using StatusDone = std::function<void(Status)>;
  using JsonDone = std::function<void(Result<nlohmann::json>)>;

  // Account linking with the CLUB ID's e-mail and password. Errors: the
  // OAuth error code of the refusing step ("invalid_redirect_uri",
  // "login_failed", "google_account_already_linked", "access_denied",
  // "invalid_grant", ...), "state_mismatch", "offline", "protocol".
  // `allow` false presses "deny" on the consent page.
  void link(const std::string& email, const std::string& password, StatusDone done,
            bool allow = true);
  // A new access token from the refresh token. Errors: the OAuth error code.
  void refresh(StatusDone done);

  // The intents. `done` gets the whole response body (requestId echoed) on
  // 200, or an Error whose code is the global errorCode (authFailure, ...).
  // SYNC also keeps the devices for say().
  void sync(JsonDone done);
  void query(const std::vector<std::string>& ids, JsonDone done);
  void execute(const std::vector<std::string>& ids, const std::string& command,
               const nlohmann::json& params, JsonDone done);
  void disconnect(StatusDone done);

  // "リビングエアコンを25度にして": SYNC first when no devices are known,
  // then EXECUTE on the one device the name means. Errors: those of
  // parse_utterance and resolve (device_unknown, device_ambiguous, ...), and
  // of the calls.
  void say(const std::string& utterance, std::function<void(Result<VoiceOutcome>)> done);

  bool linked() const { return !refresh_token_.empty(); }
  const std::string& access_token() const { return access_token_; }
  const std::string& agent_user_id() const { return agent_user_id_; }
  const std::vector<SyncedDevice>& devices() const { return devices_; }
  std::size_t calls() const { return calls_; }  // fulfilment requests sent

 private:
  void post_form(const std::string& path, const std::vector<std::pair<std::string, std::string>>& f,
                 std::function<void(Result<http::HttpResponse>)> done);
  void exchange(const std::string& code, StatusDone done);
  void intent(const std::string& intent, nlohmann::json payload, JsonDone done,
              bool may_refresh = true);
  std::string new_id(const char* prefix);

  sim::Engine& engine_;
  GoogleClientOptions options_;
  std::string access_token_;
  std::string refresh_token_;
  std::string agent_user_id_;
  std::vector<SyncedDevice> devices_;
  std::size_t calls_ = 0;
};

}  // namespace hemsrig::google
