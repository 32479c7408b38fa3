// Node: one ECHONET Lite node at one IPv4 address, with its node profile
// (0x0EF001) and device objects, answering requests on a Fabric.
//
// It follows the response rules of the specification (Part 2, 4.2.2-4.2.3):
// success ESVs only when every EPC was processed, SNAs that carry every
// requested EPC in order; SetI answered only on failure; SetGet's halves each
// by their own rule; INF_REQ answered by a multicast INF with the requester's
// TID; frames to objects the node lacks silently dropped; answers to UDP port
// 3610 of the requester whatever its source port; answers to multicast
// requests after a random delay so a large world does not answer in one burst.
// A malformed frame is counted and traced; the node goes on. Responses and
// notifications are decoded only when a frame listener (a controller) wants
// them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/echonet/object.hpp"
#include "devices/echonet/profile.hpp"
#include "sim/core/engine.hpp"
#include "sim/echonet/frame.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::echonet {

struct NodeOptions {
  sim::Ipv4 address;
  std::string name;  // for traces and `serve`; defaults to the address
  // Answers to multicast requests wait a uniform random delay in [0, spread].
  std::chrono::milliseconds multicast_answer_spread{20};
  // Manufacturer code (0x8A). 0xFFFFFF: not assigned by the Consortium.
  std::uint32_t manufacturer = 0xFFFFFF;
};

struct NodeCounters {
  std::uint64_t received = 0;
  std::uint64_t malformed = 0;
  std::uint64_t requests = 0;
  std::uint64_t answers = 0;
  std::uint64_t dropped_no_object = 0;
  std::uint64_t announcements = 0;
};

class Node {
 public:
  using FrameListener = std::function<void(const Frame&, const sim::UdpEndpoint& from)>;
  using ChangeListener = std::function<void(const Node&, const PropertyChange&)>;
  using ErrorListener =
      std::function<void(const Node&, const Error&, const sim::UdpEndpoint& from)>;

  Node(sim::Engine& engine, sim::Fabric& fabric, const ProfileLibrary& profiles,
       NodeOptions options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Adds a device object of `class_code` (profile looked up in the library).
  // instance 0 picks the next free instance of that class.
  Result<EchonetObject*> add_object(std::uint16_t class_code, std::uint8_t instance = 0);
  EchonetObject* object(const Eoj& eoj);
  EchonetObject& node_profile() { return *node_profile_; }
  const std::vector<std::unique_ptr<EchonetObject>>& objects() const { return objects_; }

  // Power switch: on opens the port and announces the instance list (0xD5);
  // off closes it, and the node is silent until switched on again.
  Status power_on();
  void power_off();
  bool powered() const { return port_.has_value(); }

  // Fault (0x88 "fault occurred", 0x89 fault description where the class has it).
  Status raise_fault(const Eoj& eoj, std::uint16_t description = 0x0000);
  Status clear_fault(const Eoj& eoj);

  // Sends a frame from this node (controllers and tests use it).
  void send(const sim::UdpEndpoint& to, const Frame& frame);
  std::uint16_t next_tid() { return tid_++; }

  // Frames that are not requests to this node: responses, INF from others.
  void on_frame(FrameListener listener) { frame_listener_ = std::move(listener); }
  void on_change(ChangeListener listener) { change_listener_ = std::move(listener); }
  void on_error(ErrorListener listener) { error_listener_ = std::move(listener); }

  const sim::Ipv4& address() const { return options_.address; }
  const std::string& name() const { return options_.name; }
  const NodeCounters& counters() const { return counters_; }
  sim::Engine& engine() { return engine_; }

 private:
  void receive(const sim::Datagram& d);
  void handle_request(const Frame& request, const sim::UdpEndpoint& from, bool multicast);
  // The answer to `request` by `target`, or nothing (SetI success, INF_REQ success sent
  // separately).
  std::optional<Frame> answer(EchonetObject& target, const Frame& request, bool& multicast_reply);
  std::vector<EchonetObject*> resolve(const Eoj& deoj);
  void announce(const EchonetObject& object, std::uint8_t epc);
  void refresh_node_profile();
  void object_changed(const PropertyChange& change);

  sim::Engine& engine_;
  sim::Fabric& fabric_;
  const ProfileLibrary& profiles_;
  NodeOptions options_;
  std::unique_ptr<EchonetObject> node_profile_;
  std::vector<std::unique_ptr<EchonetObject>> objects_;
  std::optional<sim::PortId> port_;
  std::uint16_t tid_ = 1;
  NodeCounters counters_;
  FrameListener frame_listener_;
  ChangeListener change_listener_;
  ErrorListener error_listener_;
  // Delayed answers hold a weak reference: a node destroyed before its
  // answer is due sends nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  // Status-change INF caused by a request goes out after its answer.
  bool answering_ = false;
  std::vector<std::pair<Eoj, std::uint8_t>> deferred_announcements_;
};

}  // namespace hemsrig::echonet
