// Unit: one simulated AiSEG2 (MKN704, MKN705 or MKN713), put together from
// its parts: an ECHONET Lite controller node (0x05FF01) that finds and drives
// the appliances, the registry with the names a person gave them, firmware
// (updated over HTTP from the cloud), the server-service screens, lighting
// and voice scenes, and the local web pages behind digest auth.
//
// It reaches appliances only through ECHONET Lite frames and the cloud only
// through HTTP, so either side can be the real thing. A reboot (after a
// firmware update) or a power cycle really restarts it: the node's socket
// closes and reopens, 0xD5 is announced again, the appliances are
// rediscovered and the web server listens again; the registry and scenes
// survive, as the unit's flash keeps them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "devices/aiseg2/appliance_controller.hpp"
#include "devices/aiseg2/appliance_registry.hpp"
#include "devices/aiseg2/cloud_session.hpp"
#include "devices/aiseg2/device_code.hpp"
#include "devices/aiseg2/energy_history.hpp"
#include "devices/aiseg2/firmware.hpp"
#include "devices/aiseg2/lighting_scene.hpp"
#include "devices/aiseg2/model.hpp"
#include "devices/aiseg2/server_service.hpp"
#include "devices/aiseg2/voice_scene.hpp"
#include "devices/echonet/node.hpp"
#include "sim/core/engine.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::http {
class HttpServer;
class Router;
}  // namespace hemsrig::http

namespace hemsrig::aiseg2 {

class UnitWebSite;

struct UnitOptions {
  std::string id = "hems";
  std::string model = "MKN704";             // DOMAIN R2: MKN704, MKN705 or MKN713
  std::string device_code = "99999-50072";  // DOMAIN R32: printed with a hyphen
  std::string access_password;              // empty: the factory value (the 10 digits)
  std::string firmware = "Ver.2.97I-03";
  sim::Ipv4 address;      // its ECHONET Lite node on the fabric
  std::string cloud_url;  // the cloud's base URL; empty: no cloud (checks fail offline)
  // An https cloud_url: the CA certificate(s) to trust, PEM (the rig's TestCa); empty: the
  // system's CAs. Used by the unit channel and by firmware checks and downloads.
  std::string cloud_ca_pem;
  // The unit channel to that cloud (docs/unit-channel.md); its cloud_url is the one above.
  CloudSessionOptions cloud_session;
  std::string web_address;     // where the local pages listen; empty: no web server
  std::uint16_t web_port = 0;  // 0: a free port (the real unit uses 80)
  // DOMAIN R30/R31: the app finds the unit by an SSDP search on the home LAN.
  // Off the LAN (false) the unit stays silent, so the link-code path can be tested.
  bool on_lan = true;
  std::uint16_t ssdp_port = 1900;            // 0: a free port (tests running side by side)
  std::string ssdp_interface = "127.0.0.1";  // where the group 239.255.255.250 is joined
  FirmwareOptions firmware_options;
  ServerServiceOptions server_service;  // e.g. start registered (a unit already in use)
  // Where the energy history is kept; shared so that it outlives the unit
  // object (a store on disk in `serve`). Empty: a store in memory.
  std::shared_ptr<HistoryStore> history;
  ControllerOptions controller;
  // Names a person gave the appliances on the unit, by "address/eoj"
  // ("127.10.0.1/0x013001"); others get their class title.
  std::map<std::string, std::string> appliance_names;
};

class Unit {
 public:
  static Result<std::unique_ptr<Unit>> create(sim::Engine& engine, sim::Fabric& fabric,
                                              const echonet::ProfileLibrary& profiles,
                                              UnitOptions options);
  ~Unit();
  Unit(const Unit&) = delete;
  Unit& operator=(const Unit&) = delete;

  // Power switch. A cut stops everything at once; power back boots the unit
  // (the firmware decides which version, see firmware.hpp).
  Status power_on();
  void power_off();
  bool powered() const { return powered_; }
  // Up: booted and on the network (node, controller, web).
  bool up() const { return up_; }

  const UnitOptions& options() const { return options_; }
  const ModelInfo& model() const { return *model_; }
  const DeviceCode& device_code() const { return code_; }
  AccessPassword& access_password() { return password_; }

  echonet::Node& node() { return *node_; }
  const echonet::Node& node() const { return *node_; }
  ApplianceController& controller() { return *controller_; }
  ApplianceRegistry& registry() { return registry_; }
  Firmware& firmware() { return *firmware_; }
  const Firmware& firmware() const { return *firmware_; }
  ServerService& server_service() { return *server_service_; }
  LightingSceneBook& lighting_scenes() { return lighting_scenes_; }
  HistoryStore& history() { return *history_; }
  EnergyAccounting& energy() { return *energy_; }
  VoiceSceneBook& voice_scenes() { return *voice_scenes_; }
  // The session with the cloud; nullptr without a cloud.
  CloudSession* cloud_session() { return cloud_session_.get(); }
  // DOMAIN R50: goes up by one each time a re-registration wiped the history.
  std::uint64_t history_epoch() const { return history_epoch_; }
  // DOMAIN R32: the user changes the access password (the cloud hears of it).
  Status change_access_password(std::string_view text);
  // Tells the cloud (if any) that something it keeps a copy of changed.
  void cloud_state_changed();
  // DOMAIN R70: sets every appliance of the scene through the controller;
  // `on_done` gets each appliance's outcome and resulting state.
  Status run_voice_scene(std::string_view name, std::function<void(SceneRun)> on_done);
  // The registry key of the appliance with this name on the unit, if exactly one.
  std::optional<std::string> key_of(const std::string& name) const;

  // "http://127.0.0.1:PORT" while up and serving; empty otherwise.
  std::string web_url() const;
  // Where the unit answers SSDP searches while up (group address and port); port 0 when not.
  std::pair<std::string, std::uint16_t> ssdp_endpoint() const;
  // DOMAIN R30/R31: move the unit onto or off the phone's LAN.
  void set_on_lan(bool on);

  struct Parts;  // the pieces that need a stable address (in the .cpp)

 private:
  Unit(sim::Engine& engine, UnitOptions options, const ModelInfo& model, DeviceCode code);
  void start_network();
  void stop_network();
  void on_controller_event(const ControllerEvent& e);
  void refresh_web();
  // The unit channel's bodies and commands (unit_cloud.cpp).
  nlohmann::json cloud_hello() const;
  nlohmann::json cloud_state() const;
  void cloud_execute(const nlohmann::json& command, std::function<void(nlohmann::json)> done);
  ApplianceCommander& commander();

  sim::Engine& engine_;
  UnitOptions options_;
  const ModelInfo* model_;
  DeviceCode code_;
  AccessPassword password_;
  std::unique_ptr<echonet::Node> node_;
  std::unique_ptr<ApplianceController> controller_;
  ApplianceRegistry registry_;
  std::unique_ptr<FirmwareSource> firmware_source_;
  std::unique_ptr<Firmware> firmware_;
  std::unique_ptr<ServerService> server_service_;
  std::shared_ptr<HistoryStore> history_;
  std::unique_ptr<EnergyAccounting> energy_;
  LightingSceneBook lighting_scenes_;
  std::unique_ptr<VoiceSceneBook> voice_scenes_;
  std::unique_ptr<CloudSession> cloud_session_;
  std::uint64_t history_epoch_ = 0;
  std::unique_ptr<Parts> parts_;
  bool powered_ = false;
  bool up_ = false;
};

}  // namespace hemsrig::aiseg2
