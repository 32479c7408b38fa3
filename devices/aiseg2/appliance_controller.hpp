// ApplianceController: the AiSEG2 unit's ECHONET Lite controller role.
//
// It speaks through an echonet::Node that the caller made (with a controller
// object 0x05FF01), powers and keeps alive longer than the controller; it
// takes that node's frame listener. It finds appliances (multicast Get 0xD6,
// and INF 0xD5 from newcomers and rebooted nodes), reads each object's
// property maps and every readable property, polls on a schedule, follows
// status-change INF, and controls with SetC. Requests to one node go one at a
// time (user requests before polls), each retried on timeout; a node that
// stops answering is marked offline after a few misses and comes back on its
// next answer or 0xD5. What happens is told to listeners as ControllerEvents
// (the unit and the scenario runner assert on them).
// All time comes from the Engine: the same code runs in virtual time on a
// LocalFabric and in real time on a UdpFabric. Single-threaded like the Engine.
#pragma once

#include <compare>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/echonet/node.hpp"
#include "sim/core/engine.hpp"
#include "sim/echonet/frame.hpp"
#include "sim/echonet/property_map.hpp"

namespace hemsrig::aiseg2 {

// One appliance as the unit knows it on the network: node address + device object.
struct ApplianceKey {
  sim::Ipv4 address;
  echonet::Eoj eoj;

  bool operator==(const ApplianceKey&) const = default;
  std::strong_ordering operator<=>(const ApplianceKey& o) const {
    if (auto c = address.to_uint() <=> o.address.to_uint(); c != 0) return c;
    return eoj <=> o.eoj;
  }
};
std::string to_string(const ApplianceKey& key);  // "127.10.0.1/0x013001"

using PropertyValues = std::map<std::uint8_t, echonet::Bytes>;

// What the controller knows of one device object.
struct ApplianceState {
  ApplianceKey key;
  bool maps_known = false;
  echonet::EpcSet announce_map;  // 0x9D
  echonet::EpcSet set_map;       // 0x9E
  echonet::EpcSet get_map;       // 0x9F
  PropertyValues properties;     // last value seen of each EPC
  bool ready = false;            // every readable EPC was read once (since the last boot)
  bool online = true;            // its node answers
};

struct ControllerOptions {
  sim::Duration poll_interval = sim::seconds(60);
  // How long to wait for an answer before sending again. Loopback and a home LAN answer in
  // milliseconds; the spread of answers to multicast and per-EPC delays stay well below this.
  sim::Duration request_timeout = sim::seconds(2);
  int retries = 3;  // sends after the first; a request is tried 1 + retries times
  // Consecutive requests to a node that end without answer before it is marked offline.
  int offline_after_misses = 3;
  // Multicast Get 0xD6 at start(), repeated `discovery_repeats` more times every
  // `discovery_spacing` (a lost datagram must not hide an appliance), then every
  // `rediscovery_interval` (zero: never).
  int discovery_repeats = 2;
  sim::Duration discovery_spacing = sim::seconds(3);
  sim::Duration rediscovery_interval = sim::minutes(30);
  std::size_t epcs_per_get = 8;  // EPCs in one Get frame when reading
  // EPCs polled per class; a class not listed polls its readable EPCs except the static ones
  // (version, identification, maker, product, maps), at most `max_poll_epcs`.
  std::map<std::uint16_t, std::vector<std::uint8_t>> poll_epcs;
  std::size_t max_poll_epcs = 32;
  std::size_t max_queue_per_node = 256;  // requests beyond are refused (Timeout at once)
  bool ignore_controllers = true;        // other controllers' 0x05FF objects are no appliances
  sim::UdpEndpoint multicast_group{sim::Ipv4({224, 0, 23, 0}), echonet::kPort};
};

enum class ControlOutcome {
  Accepted,          // Set_Res
  Refused,           // SetC_SNA; `echoed` holds the EDT the appliance sent back
  Timeout,           // no answer after every try
  UnknownAppliance,  // the key is not one the controller found
};
const char* to_string(ControlOutcome o);

struct ControlResult {
  std::uint64_t request_id = 0;
  ApplianceKey key;
  std::uint8_t epc = 0;
  echonet::Bytes requested;
  ControlOutcome outcome = ControlOutcome::Timeout;
  echonet::Bytes echoed;
  int attempts = 0;  // SetC frames sent
  // The appliance's state after the control: the controller reads the EPC back after
  // Set_Res or SetC_SNA, so this holds what the appliance reports, not what was asked.
  PropertyValues state_after;
};

enum class GetOutcome { Answered, Partial, Timeout, UnknownAppliance };  // Partial: Get_SNA
const char* to_string(GetOutcome o);

struct GetResult {
  std::uint64_t request_id = 0;
  ApplianceKey key;
  std::vector<std::uint8_t> epcs;
  GetOutcome outcome = GetOutcome::Timeout;
  PropertyValues values;  // EPCs answered with data
  int attempts = 0;
};

enum class EventKind {
  Discovered,    // a device object first seen in a node's instance list
  Ready,         // its maps and every readable property were read (again after a reboot)
  StateChanged,  // a property's value differs from the copy (INF, poll, read-back)
  Offline,       // its node stopped answering
  Online,        // its node answers again (or announced 0xD5)
  Removed,       // its node's new instance list no longer has it
  ControlResult,
  GetResult,
};
const char* to_string(EventKind k);

enum class ChangeSource { Inf, Poll, Read };
const char* to_string(ChangeSource s);

struct ControllerEvent {
  EventKind kind = EventKind::Discovered;
  ApplianceKey key;
  sim::Time at{0};
  // StateChanged
  std::uint8_t epc = 0;
  echonet::Bytes old_value = {};
  echonet::Bytes new_value = {};
  ChangeSource source = ChangeSource::Read;
  // ControlResult / GetResult: valid during the listener call only.
  const aiseg2::ControlResult* control = nullptr;
  const aiseg2::GetResult* get = nullptr;
  // The controller's state of the appliance (nullptr after Removed); valid during the call.
  const ApplianceState* state = nullptr;
};

struct ControllerCounters {
  std::uint64_t discoveries_sent = 0;  // multicast Get 0xD6
  std::uint64_t requests_sent = 0;     // unicast frames, retries included
  std::uint64_t retries = 0;           // frames sent again after a timeout
  std::uint64_t timeouts = 0;          // requests that ended without answer
  std::uint64_t answers = 0;           // answers matched to a request
  std::uint64_t infs = 0;              // INF received
  std::uint64_t polls = 0;             // poll requests queued
};

class ApplianceController {
 public:
  using Listener = std::function<void(const ControllerEvent&)>;
  using ControlCallback = std::function<void(const ControlResult&)>;
  using GetCallback = std::function<void(const GetResult&)>;

  ApplianceController(echonet::Node& node, ControllerOptions options = {});
  ~ApplianceController();
  ApplianceController(const ApplianceController&) = delete;
  ApplianceController& operator=(const ApplianceController&) = delete;

  // Starts discovery and the poll schedule. The node must be powered.
  void start();
  // Cancels every timer and pending request (their callbacks are not called).
  void stop();
  bool running() const { return running_; }

  // Listeners are called in the order added.
  void add_listener(Listener listener) { listeners_.push_back(std::move(listener)); }

  // SetC of one property, retried on timeout; `done` (may be empty) and the listeners get
  // the result. Returns the request id.
  std::uint64_t control(const ApplianceKey& key, std::uint8_t epc, echonet::Bytes edt,
                        ControlCallback done = {});
  // Get of some properties, retried on timeout; updates the state copy.
  std::uint64_t get(const ApplianceKey& key, std::vector<std::uint8_t> epcs, GetCallback done = {});
  // Sends a multicast Get 0xD6 now.
  void discover();

  const ApplianceState* appliance(const ApplianceKey& key) const;
  std::vector<ApplianceKey> appliances() const;  // every device object found, ordered
  // Whether the node at `address` answers (nullopt: no such node).
  std::optional<bool> node_online(const sim::Ipv4& address) const;
  const ControllerCounters& counters() const { return counters_; }
  const ControllerOptions& options() const { return options_; }
  echonet::Eoj own_eoj() const { return own_eoj_; }

 private:
  struct Request;
  struct NodeRecord;
  struct Reply;

  void rediscover();
  void on_frame(const echonet::Frame& frame, const sim::UdpEndpoint& from);
  void on_instance_list(const sim::Ipv4& address, const echonet::Bytes& edt, bool announced);
  void on_inf(const echonet::Frame& frame, const sim::UdpEndpoint& from);
  bool match_reply(const echonet::Frame& frame, const sim::UdpEndpoint& from);

  NodeRecord& node_record(const sim::Ipv4& address);
  NodeRecord* find_node(const sim::Ipv4& address);
  const NodeRecord* find_node(const sim::Ipv4& address) const;
  void probe(const sim::Ipv4& address);
  void read_object(NodeRecord& node, const echonet::Eoj& eoj);
  void read_properties(NodeRecord& node, const echonet::Eoj& eoj);
  void poll_all();
  void poll_object(NodeRecord& node, ApplianceState& state);
  std::vector<std::uint8_t> poll_set(const ApplianceState& state) const;

  void enqueue(NodeRecord& node, Request request, bool urgent);
  void pump(NodeRecord& node);
  void send_attempt(NodeRecord& node);
  void on_timeout(const sim::Ipv4& address, std::uint64_t request_id);
  void finish(NodeRecord& node, const Reply& reply);
  void note_answer(NodeRecord& node, bool reread = true);
  void note_miss(NodeRecord& node);

  void apply(ApplianceState& state, const std::vector<echonet::Property>& props,
             ChangeSource source);
  void emit(ControllerEvent event);
  void emit_for_node(NodeRecord& node, EventKind kind);
  void deliver(const ControlResult& result, const ControlCallback& done);
  void deliver(const GetResult& result, const GetCallback& done);
  // Engine timers owned by the controller: stop() cancels those not yet fired.
  std::uint64_t schedule(sim::Duration delay, std::function<void()> fn);
  void cancel_timer(std::uint64_t token);

  echonet::Node& node_;
  sim::Engine& engine_;
  ControllerOptions options_;
  echonet::Eoj own_eoj_{0x05, 0xFF, 0x01};
  bool running_ = false;
  std::map<std::uint32_t, std::unique_ptr<NodeRecord>> nodes_;  // by address
  std::map<ApplianceKey, ApplianceState> states_;
  std::vector<Listener> listeners_;
  std::map<std::uint64_t, sim::TimerId> timers_;  // schedule()'s token -> engine timer
  std::uint64_t next_token_ = 1;
  std::uint64_t next_request_id_ = 1;
  ControllerCounters counters_;
  // Timers hold a weak reference: a destroyed controller's timer does nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace hemsrig::aiseg2
