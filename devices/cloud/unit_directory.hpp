// UnitDirectory: what the cloud knows of each AiSEG2 unit, by device code (10
// digits, no hyphen): model, firmware, access password, whether it is online
// (its heartbeats, docs/unit-channel.md), its server-service registration
// (DOMAIN R35-R37, R50-R54), its appliances with their raw ECHONET Lite state,
// lighting and voice scenes and link codes (R53), as the unit reports them.
// It also holds the command queue of the unit channel: send_command() queues
// a command for the unit's long poll and calls back with the unit's result.
// Single-threaded (the engine's thread).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "sim/core/engine.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::cloud {

struct UnitDirectoryOptions {
  sim::Duration heartbeat_interval = sim::seconds(60);
  int missed_heartbeats = 3;  // then the unit is offline for the cloud
  sim::Duration poll_wait = sim::seconds(25);
  sim::Duration command_timeout = sim::seconds(10);
};

struct ApplianceState {
  std::string key;         // "127.10.0.1/0x013001"
  std::string name;        // the name given on the unit (R65: the spoken name)
  std::string class_code;  // "0x0130"
  bool online = true;
  std::map<std::string, std::string> state;  // EPC "0x80" -> EDT "30" (hex)
};

struct LightingSceneInfo {
  std::string appliance;
  std::string name;
  int number = 0;
};

struct VoiceSceneInfo {
  std::string name;
  std::vector<std::string> appliances;
};

struct LinkCodeInfo {
  std::string code;
  std::string club_id;
  sim::Time expires_at{0};
  bool used = false;
};

// R35: every field required.
struct Household {
  std::string prefecture;
  std::string region;
  std::string municipality;
  int household_size = 0;
  std::string building;  // "detached" | "apartment"
  std::string energy;    // "electricity_only" | "electricity_and_gas"
};

// R36: unit prices in yen with at most 2 decimals, kept as the text sent ("27.50").
struct Prices {
  std::string electricity_company;
  std::string electricity_plan;
  std::string sell;   // yen per kWh sold
  std::string water;  // yen per m3
  std::string gas;    // yen per m3
};

struct ServerRegistration {
  bool registered = false;
  std::string confirmation_code;  // R37: 6 digits
  bool confirmed = false;         // R54: the code was typed back
  std::optional<Household> household;
  std::optional<Prices> prices;
  int history_epoch = 0;  // R50: goes up with each re-registration
};

struct UnitRecord {
  std::string device_code;  // 10 digits
  std::string model;
  std::string firmware;
  std::string access_password;
  bool online = false;
  sim::Time last_heartbeat{0};
  ServerRegistration server;
  std::vector<ApplianceState> appliances;
  std::vector<LightingSceneInfo> lighting_scenes;
  std::vector<VoiceSceneInfo> voice_scenes;
  std::vector<LinkCodeInfo> link_codes;

  const ApplianceState* appliance(const std::string& key) const;
};

// "99999-50072" or "9999950072" -> "9999950072"; nullopt unless 10 digits.
std::optional<std::string> normalize_device_code(std::string_view text);

class UnitDirectory : public CloudService {
 public:
  UnitDirectory(sim::Engine& engine, CloudEvents& events, UnitDirectoryOptions options = {});
  ~UnitDirectory() override;

  const UnitDirectoryOptions& options() const { return options_; }
  const UnitRecord* find(const std::string& device_code) const;
  UnitRecord* find_mutable(const std::string& device_code);
  std::vector<const UnitRecord*> all() const;
  // A record for a unit the cloud has not heard from (the app's server-service flow).
  UnitRecord& ensure(const std::string& device_code);
  bool online(const std::string& device_code) const;

  // Queues `command` (an object with "kind"; an "id" is added) for the unit's
  // long poll. `done` runs once with the unit's result object, or an Error
  // "deviceOffline" (the unit has no live session) or "timeout" (no result
  // within options().command_timeout).
  void send_command(const std::string& device_code, nlohmann::json command,
                    std::function<void(Result<nlohmann::json>)> done);

  // R53: a link code the unit reported for `club_id`, valid and unused; marks
  // it used and tells the unit (command link_code_used). Errors
  // "link_code_invalid", "link_code_expired", "link_code_used".
  Status consume_link_code(const std::string& device_code, const std::string& code,
                           const std::string& club_id);

  // Called after a unit's state report was applied, and when it goes online/offline.
  void on_unit_changed(std::function<void(const UnitRecord&)> fn) {
    changed_observers_.push_back(std::move(fn));
  }

  // --- the unit channel (docs/unit-channel.md), used by its routes ---
  struct Hello {
    std::string session;
  };
  Result<Hello> hello(const nlohmann::json& body);
  // The device code of a live channel session, or nullopt.
  std::optional<std::string> session_unit(std::string_view session) const;
  Status apply_state(const std::string& device_code, const nlohmann::json& body);
  // Answers with the commands waiting now, or parks until one comes or `wait` passes.
  void poll(const std::string& device_code, sim::Duration wait, http::Responder respond);
  Status complete(const std::string& device_code, const std::string& command_id,
                  const nlohmann::json& result);

  std::string_view name() const override { return "units"; }
  void add_routes(ApiRoutes& routes) override;  // the unit channel and the unit's status
  nlohmann::json snapshot() const override;
  Status restore(const nlohmann::json& snapshot) override;

 private:
  struct PendingCommand {
    std::string id;
    nlohmann::json command;
    std::function<void(Result<nlohmann::json>)> done;
    sim::TimerId timeout = 0;
    bool delivered = false;
  };
  struct Channel {
    std::string session;
    std::deque<std::string> queue;                  // ids not yet delivered
    std::map<std::string, PendingCommand> pending;  // by id
    http::Responder waiting;                        // a parked long poll
    sim::Engine::Parked parked;
    sim::TimerId wait_timer = 0;
    sim::TimerId heartbeat_timer = 0;
  };
  void heartbeat(const std::string& device_code);
  void set_online(UnitRecord& unit, bool online);
  void flush_poll(Channel& ch);
  void fail_all(Channel& ch, const std::string& code, const std::string& message);
  void notify(const UnitRecord& unit);

  sim::Engine& engine_;
  CloudEvents& events_;
  UnitDirectoryOptions options_;
  std::map<std::string, UnitRecord> units_;                   // by device code
  std::map<std::string, Channel> channels_;                   // by device code
  std::map<std::string, std::string, std::less<>> sessions_;  // session -> device code
  std::vector<std::function<void(const UnitRecord&)>> changed_observers_;
  std::uint64_t next_command_ = 1;
};

}  // namespace hemsrig::cloud
