// AppClient: a scripted "Smart HEMS service app" on one phone, for when no
// real app is in the loop. It speaks only what a real app can reach: the
// cloud's public JSON API (docs/cloud-api.md) and the home LAN, where it
// searches for the unit by SSDP (DOMAIN R30; not found is R31's error).
//
// Every call answers through a callback on the engine's thread with an
// AppAnswer (status 0 when the cloud cannot be reached). The client keeps
// what the app keeps: the CLUB ID login session, a pending SMS challenge
// (R22) and its phone id once registered (R3: one unit per app).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"
#include "sim/http/http_client.hpp"

namespace hemsrig::app {

struct AppAnswer {
  int status = 0;  // HTTP status; 0: the cloud could not be reached
  nlohmann::json body;
  std::string transport_error;  // why, when status is 0
  bool ok() const { return status >= 200 && status < 300; }
  // The cloud's error code ("phone_limit"), or "" on success.
  std::string error_code() const;
  std::string error_message() const;
};

struct AppClientOptions {
  http::HttpClientOptions http;
  // Where the app searches the LAN (DOMAIN R30): the SSDP group and port, sent
  // out of this interface, and how long it waits for an answer (wall clock).
  std::string ssdp_group = "239.255.255.250";
  std::uint16_t ssdp_port = 1900;
  std::string lan_interface = "127.0.0.1";
  std::chrono::milliseconds search_timeout{500};
};

class AppClient {
 public:
  using Done = std::function<void(AppAnswer)>;

  AppClient(sim::Engine& engine, std::string cloud_url, AppClientOptions options = {});
  ~AppClient();
  AppClient(const AppClient&) = delete;
  AppClient& operator=(const AppClient&) = delete;

  // Any call of the cloud's API, with the login session when there is one.
  void call(const std::string& method, const std::string& path, nlohmann::json body, Done done);

  // DOMAIN R20/R21: signs up, reads the verification mail the cloud sent and
  // opens its link (on the same device). Answers the link's answer.
  void sign_up(const std::string& email, const std::string& password, Done done);
  // Logs in; keeps the session, or the SMS challenge of two-step verification (R22).
  void login(const std::string& email, const std::string& password, Done done);
  // Completes a login with the code from the SMS the cloud sent (R22).
  void login_sms(const std::string& code, Done done);
  // The code in the newest SMS to `phone` (read from the outbox like a phone would).
  void read_sms_code(const std::string& phone, std::function<void(std::string code)> done);
  // DOMAIN R30/R31: searches the LAN for the unit; answers its description URL,
  // or Error "unit_not_found" (the app's "AiSEG2 not found" screen).
  void find_unit(std::function<void(Result<std::string>)> done);
  // DOMAIN R32/R33: registers this phone; keeps the phone id.
  void register_phone(const nlohmann::json& registration, Done done);

  const std::string& session() const { return session_; }
  const std::string& phone_id() const { return phone_id_; }
  void forget_session() { session_.clear(); }
  const std::string& cloud_url() const { return cloud_url_; }
  const AppClientOptions& options() const { return options_; }

 private:
  sim::Engine& engine_;
  std::string cloud_url_;
  AppClientOptions options_;
  std::string session_;
  std::string challenge_;
  std::string phone_id_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace hemsrig::app
