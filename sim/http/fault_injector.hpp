// FaultInjector: the live set of fault rules of one or more HttpServers (the mock cloud's), and
// the switch that takes them offline. A server given the injector (HttpServerOptions::faults)
// asks it for a FaultDecision per request and carries the decision out on the wire; every rule
// that fires is reported to the observers (on_fault) so the world can trace it. Draws come from
// Engine::rng(), so one seed repeats the same faults. Offline: the servers stop listening (a
// client's connect is refused, which http_request reports as "offline", DOMAIN R10) and drop
// their open connections; back online they listen on the same address and port again.
// Single-threaded like the Engine.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/engine.hpp"
#include "sim/http/fault_rule.hpp"
#include "sim/http/http_message.hpp"

namespace hemsrig::http {

// What the observers hear: a rule fired for a request, or the servers went offline / online
// (kind "offline" / "online", rule_id and request fields empty).
struct FaultEvent {
  std::string rule_id;
  std::string kind;  // fault_kind_name(), "offline" or "online"
  std::string method;
  std::string path;
  std::string client;
  sim::Duration delay{0};  // latency kinds: the delay drawn
};
using FaultObserver = std::function<void(const FaultEvent&)>;

// What a server does with one request: wait `delay` (the latency rules that fired, summed), then
// carry out `action` (the first other rule that fired), or answer normally.
struct FaultDecision {
  sim::Duration delay{0};
  std::optional<FaultRule> action;
  bool any() const { return delay > sim::Duration::zero() || action.has_value(); }
};

class FaultInjector {
 public:
  explicit FaultInjector(sim::Engine& engine) : engine_(engine) {}
  ~FaultInjector();  // cancels a pending return from offline
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Adds a rule after the others and returns its id (the rule's own, or "f<N>"). Errors:
  // "fault_rule" (check_fault_rule), "duplicate_id".
  Result<std::string> add(FaultRule rule);
  bool remove(const std::string& id);  // false: no such rule
  void clear();                        // every rule (offline stays as it is)
  const std::vector<FaultRule>& rules() const { return rules_; }
  // Replaces every rule and the offline state with the plan's (checked first: on an error
  // nothing changes).
  Status apply(const FaultPlan& plan);
  FaultPlan plan() const { return FaultPlan{offline_, rules_}; }

  // Offline now; with `duration` > 0, online again after that much simulated time.
  void set_offline(bool offline, sim::Duration duration = sim::Duration::zero());
  bool offline() const { return offline_; }

  void on_fault(FaultObserver observer) { observers_.push_back(std::move(observer)); }

  // For servers: the decision for one request (rules tried in order; draws and reports).
  FaultDecision decide(const HttpRequest& request);
  // For servers: called with the new state whenever offline changes. Returns a handle for
  // unwatch_offline (call it before the watcher dies).
  std::uint64_t watch_offline(std::function<void(bool)> watcher);
  void unwatch_offline(std::uint64_t handle);
  sim::Engine& engine() { return engine_; }

 private:
  bool fires(FaultRule& rule);
  sim::Duration draw_delay(const FaultRule& rule);
  void report(FaultEvent event);
  void notify_offline();

  sim::Engine& engine_;
  std::vector<FaultRule> rules_;
  std::uint64_t next_id_ = 1;
  bool offline_ = false;
  sim::TimerId back_online_ = 0;
  std::vector<FaultObserver> observers_;
  std::map<std::uint64_t, std::function<void(bool)>> watchers_;
  std::uint64_t next_watch_ = 1;
};

}  // namespace hemsrig::http
