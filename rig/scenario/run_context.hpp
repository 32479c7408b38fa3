// RunContext: what a running scenario's steps and checks share: the world,
// the events and ECHONET Lite frames seen so far, the last screen and scene
// run of each unit, and the scenario's deadline in scenario time.
//
// One per scenario run; single-threaded like the world's engine.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "devices/aiseg2/server_service.hpp"
#include "devices/app/app_client.hpp"
#include "devices/google/google_client.hpp"
#include "devices/aiseg2/voice_scene.hpp"
#include "rig/world/world.hpp"
#include "sim/echonet/frame.hpp"

namespace hemsrig::scenario {

// Something that happened: a firmware event, an appliance found or lost by a
// unit, a scene run. `source` is the unit's id.
struct EventRecord {
  sim::Time t{0};
  std::string source;
  std::string kind;    // "update_failed", "discovered", "scene_run", ...
  std::string detail;  // version, appliance, reason
};

// An ECHONET Lite frame on the fabric (each once, when sent).
struct FrameRecord {
  sim::Time t{0};
  sim::UdpEndpoint from;
  sim::UdpEndpoint to;
  echonet::Frame frame;
};

class RunContext {
 public:
  // Frames kept for `frame` checks: the most recent ones (a week of polling is millions).
  static constexpr std::size_t kFrameWindow = 20000;

  RunContext(rig::World& world, sim::Time deadline);
  RunContext(const RunContext&) = delete;
  RunContext& operator=(const RunContext&) = delete;

  rig::World& world() { return world_; }
  sim::Engine& engine() { return world_.engine(); }
  // Ids were checked at load time; these never return null for them.
  aiseg2::Unit& unit(const std::string& id);
  echonet::EchonetObject& appliance(const std::string& id);
  echonet::Node& node_of(const std::string& appliance_id);
  // The unit's key for a world appliance ("127.10.0.1/0x013001").
  std::string unit_key(const std::string& appliance_id);
  // The world appliance id of a unit key, or the key itself.
  std::string appliance_id_of(const std::string& unit_key);

  // Runs the world until pred() holds or `timeout` of scenario time passed,
  // never past the scenario's deadline. Returns pred()'s final value.
  bool run_until(const std::function<bool()>& pred, sim::Duration timeout);
  // Runs the world for `d` of scenario time; false when the deadline cut it short.
  bool run_for(sim::Duration d);
  sim::Time deadline() const { return deadline_; }

  void record(std::string source, std::string kind, std::string detail);
  const std::deque<EventRecord>& events() const { return events_; }
  const std::deque<FrameRecord>& frames() const { return frames_; }
  std::size_t frames_dropped() const { return frames_dropped_; }

  // The server-service screen each unit showed last (set by the screen steps).
  std::map<std::string, aiseg2::Screen> screens;
  // The last voice-scene run of each unit.
  std::map<std::string, aiseg2::SceneRun> scene_runs;
  // Values steps leave for later steps, e.g. "hems.link_code".
  std::map<std::string, std::string> values;
  // The scripted apps by id (app steps), and the last answer each got.
  std::map<std::string, std::unique_ptr<app::AppClient>> apps;
  std::map<std::string, app::AppAnswer> app_answers;
  // The scripted Googles by id (google steps), and the last outcome of each.
  std::map<std::string, std::unique_ptr<google::GoogleClient>> googles;
  std::map<std::string, nlohmann::json> google_last;

  // Marks the current step failed on an expectation; returns the Error to return.
  Error expectation_failed(std::string expected, std::string seen);
  const std::string& failed_expected() const { return failed_expected_; }
  const std::string& failed_seen() const { return failed_seen_; }
  void clear_failure() {
    failed_expected_.clear();
    failed_seen_.clear();
  }

 private:
  rig::World& world_;
  sim::Time deadline_;
  std::deque<EventRecord> events_;
  std::deque<FrameRecord> frames_;
  std::size_t frames_dropped_ = 0;
  std::string failed_expected_, failed_seen_;
};

}  // namespace hemsrig::scenario
