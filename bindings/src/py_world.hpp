// PyWorld: a rig::World as Python holds it. It owns the class profiles the
// world was built from, the trace and pcap files (in a temp folder unless
// named), a log of the units' controller and firmware events, and the Python
// callbacks subscribed to them. The engine runs on the calling thread with
// the GIL released; callbacks and predicates take the GIL back, and a Python
// exception raised in one stops the run and is raised again by the call that
// ran the engine. One world is driven from one Python thread at a time.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "devices/app/app_client.hpp"
#include "devices/google/google_client.hpp"
#include "rig/world/world.hpp"
#include "sim/echonet/frame.hpp"

namespace hemsrig::dut {
class Dut;
}

namespace hemsrig::py {

// One thing that happened in a unit, as Python reads it.
struct Event {
  double t = 0;           // simulated seconds since the world's start
  std::string source;     // "controller" or "firmware"
  std::string unit;       // the unit's id
  std::string kind;       // "StateChanged", "Ready", "Booted", "Installed", ...
  std::string appliance;  // "127.10.0.1/0x013001" (controller events)
  std::string name;       // the appliance's name on the unit, when registered
  int epc = -1;           // state_changed
  std::vector<std::uint8_t> old_value, new_value;  // state_changed
  std::string version, detail;                     // firmware events; detail: cloud events' JSON
};

// An ECHONET Lite frame seen on the fabric: each once, when a node of the world
// sent it or when it arrived from outside (a DUT, a real controller).
struct FrameSeen {
  double t = 0;             // simulated seconds since the world's start
  std::string source;       // "127.10.0.1:3610"
  std::string destination;  // "224.0.23.0:3610" for multicast
  echonet::Frame frame;
};

struct LoadOptions {
  std::optional<std::uint64_t> seed;
  std::optional<std::string> base_address;
  std::string trace_path;  // empty: a temp file
  std::string pcap_path;   // empty: a temp file
  // Empty: real time when the world has a DUT (docs/dut.md), virtual time otherwise.
  std::optional<bool> realtime;
  // Real time only: scenario time runs this much faster than the wall clock. Empty: the
  // scenario file's `speed:`, else 1.
  std::optional<double> speed;
};

class PyWorld {
 public:
  static std::shared_ptr<PyWorld> load(const std::string& path, const LoadOptions& options);
  static std::shared_ptr<PyWorld> from_yaml(const std::string& text, const LoadOptions& options);
  ~PyWorld();
  PyWorld(const PyWorld&) = delete;
  PyWorld& operator=(const PyWorld&) = delete;

  rig::World& world() { return *world_; }
  sim::Engine& engine() { return world_->engine(); }
  const std::string& name() const { return name_; }
  const std::string& trace_path() const { return trace_path_; }
  const std::string& pcap_path() const { return pcap_path_; }

  void start();
  void stop();
  bool started() const { return started_; }
  double now() const;

  // Runs the engine (GIL released) for `d`; raises a callback's exception.
  void advance(sim::Duration d);
  // Runs until pred() or timeout; pred is called with the GIL held.
  bool run_until(const pybind11::function& pred, sim::Duration timeout);
  // For actions that wait on the simulation (a voice scene run): a C++ predicate.
  bool run_until_native(const std::function<bool()>& pred, sim::Duration timeout);

  const std::deque<Event>& events() const { return events_; }
  // The most recent kMaxFrames frames (a week of polling is millions).
  const std::deque<FrameSeen>& frames() const { return frames_; }
  void clear_frames() { frames_.clear(); }
  static constexpr std::size_t kMaxFrames = 100000;
  void clear_events() { events_.clear(); }
  // Returns a subscription id; `unit` empty: every unit.
  int subscribe(pybind11::function callback, std::string unit, std::string source);
  bool unsubscribe(int id);

  // A Python exception from a callback, kept until the call that ran the engine returns.
  void keep_exception(pybind11::error_already_set&& e);
  void raise_kept();

  // The unit's registry key of an appliance given as a world id ("living_ac"),
  // a key ("127.10.0.1/0x013001") or its name on the unit; raises NotFound.
  std::string appliance_key(aiseg2::Unit& unit, const std::string& ref);
  aiseg2::Unit& unit(const std::string& id);
  echonet::EchonetObject& appliance(const std::string& id);
  // A device under test of the world (docs/dut.md); raises NotFound naming the DUTs there are.
  dut::Dut& dut(const std::string& id);

  static constexpr std::size_t kMaxEvents = 100000;

  // The scripted app and Google clients (world.app(id), world.google(id)),
  // made on first use as the scenario steps make them, kept until the world
  // goes (before it). Raises HemsrigError "no_cloud" when the world has none.
  struct AppSlot {
    std::unique_ptr<app::AppClient> client;
    std::string email, password;  // from sign_up/login, for a later login
    std::optional<app::AppAnswer> last;
  };
  struct GoogleSlot {
    std::unique_ptr<google::GoogleClient> client;
    std::string account;
    nlohmann::json last = nlohmann::json::object();
  };
  AppSlot& app_slot(const std::string& id);
  GoogleSlot& google_slot(const std::string& id, const std::string& account);

 private:
  PyWorld() = default;
  // yaml-cpp throws from deep inside some loaders: its error becomes a WorldFileError.
  static rig::WorldLoad read(const std::string& path, LoadOptions& options,
                             const echonet::ProfileLibrary& profiles);
  static std::shared_ptr<PyWorld> build(rig::WorldLoad load, const LoadOptions& options,
                                        std::unique_ptr<echonet::ProfileLibrary> profiles);
  void listen_to_units();
  void listen_to_frames();
  void record(Event e);
  // Real time: while the engine runs, Python's signal handlers run every 100 ms of wall time, so
  // Ctrl-C (KeyboardInterrupt) ends an advance/run_until at once and is raised by it.
  void poll_signals(bool on);

  struct Subscription {
    int id;
    pybind11::function callback;
    std::string unit, source;
  };

  std::unique_ptr<echonet::ProfileLibrary> profiles_;
  std::unique_ptr<rig::World> world_;
  std::string name_;
  std::string temp_dir_;  // removed when the world goes, unless kept
  std::string trace_path_, pcap_path_;
  bool started_ = false;
  std::deque<Event> events_;
  std::deque<FrameSeen> frames_;
  std::vector<Subscription> subscriptions_;
  int next_subscription_ = 1;
  std::optional<pybind11::error_already_set> kept_;
  sim::TimerId signal_timer_ = 0;
  std::map<std::string, AppSlot> apps_;
  std::map<std::string, GoogleSlot> googles_;
};

}  // namespace hemsrig::py
