#include "sim/http/fault_injector.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace hemsrig::http {

namespace {

sim::Duration from_ms(double ms) {
  return std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double, std::milli>(ms));
}

}  // namespace

FaultInjector::~FaultInjector() {
  if (back_online_ != 0) engine_.cancel(back_online_);
}

Result<std::string> FaultInjector::add(FaultRule rule) {
  if (auto s = check_fault_rule(rule); !s) return s.error();
  if (rule.id.empty()) {
    do {
      rule.id = "f" + std::to_string(next_id_++);
    } while (std::any_of(rules_.begin(), rules_.end(),
                         [&](const FaultRule& r) { return r.id == rule.id; }));
  } else if (std::any_of(rules_.begin(), rules_.end(),
                         [&](const FaultRule& r) { return r.id == rule.id; })) {
    return make_error("duplicate_id", "a fault rule with id '" + rule.id + "' exists already");
  }
  rule.fired = 0;
  rules_.push_back(std::move(rule));
  return rules_.back().id;
}

bool FaultInjector::remove(const std::string& id) {
  const auto it =
      std::find_if(rules_.begin(), rules_.end(), [&](const FaultRule& r) { return r.id == id; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  return true;
}

void FaultInjector::clear() {
  rules_.clear();
}

Status FaultInjector::apply(const FaultPlan& plan) {
  std::vector<std::string> ids;
  for (const auto& rule : plan.rules) {
    if (auto s = check_fault_rule(rule); !s) return s;
    if (!rule.id.empty()) {
      if (std::find(ids.begin(), ids.end(), rule.id) != ids.end()) {
        return make_error("duplicate_id", "two fault rules have the id '" + rule.id + "'");
      }
      ids.push_back(rule.id);
    }
  }
  rules_.clear();
  for (const auto& rule : plan.rules) (void)add(rule);  // checked above
  set_offline(plan.offline);
  return ok_status();
}

void FaultInjector::set_offline(bool offline, sim::Duration duration) {
  if (back_online_ != 0) {
    engine_.cancel(back_online_);
    back_online_ = 0;
  }
  if (offline && duration > sim::Duration::zero()) {
    back_online_ = engine_.after(duration, [this] {
      back_online_ = 0;
      set_offline(false);
    });
  }
  if (offline == offline_) return;
  offline_ = offline;
  report(FaultEvent{"", offline ? "offline" : "online", "", "", "", sim::Duration::zero()});
  notify_offline();
}

void FaultInjector::notify_offline() {
  // Copy: a watcher may unwatch while we go.
  const auto watchers = watchers_;
  for (const auto& [handle, watcher] : watchers) watcher(offline_);
}

std::uint64_t FaultInjector::watch_offline(std::function<void(bool)> watcher) {
  const auto handle = next_watch_++;
  watchers_[handle] = std::move(watcher);
  return handle;
}

void FaultInjector::unwatch_offline(std::uint64_t handle) {
  watchers_.erase(handle);
}

bool FaultInjector::fires(FaultRule& rule) {
  if (rule.times != 0 && rule.fired >= rule.times) return false;
  if (rule.probability <= 0.0) return false;
  if (rule.probability < 1.0) {
    std::uniform_real_distribution<double> draw(0.0, 1.0);
    if (draw(engine_.rng()) >= rule.probability) return false;
  }
  ++rule.fired;
  return true;
}

sim::Duration FaultInjector::draw_delay(const FaultRule& rule) {
  switch (rule.kind) {
    case FaultKind::Latency:
      return rule.delay;
    case FaultKind::LatencyUniform: {
      std::uniform_real_distribution<double> draw(
          std::chrono::duration<double, std::milli>(rule.min_delay).count(),
          std::chrono::duration<double, std::milli>(rule.max_delay).count());
      return from_ms(draw(engine_.rng()));
    }
    case FaultKind::LatencyLognormal: {
      std::lognormal_distribution<double> draw(std::log(rule.median_ms), rule.sigma);
      sim::Duration d = from_ms(draw(engine_.rng()));
      if (rule.max_delay > sim::Duration::zero()) d = std::min(d, rule.max_delay);
      return d;
    }
    default:
      return sim::Duration::zero();
  }
}

FaultDecision FaultInjector::decide(const HttpRequest& request) {
  FaultDecision decision;
  for (auto& rule : rules_) {
    if (!rule.match.matches(request.method, request.path, request.remote_address)) continue;
    const bool latency = is_latency(rule.kind);
    if (!latency && decision.action) continue;  // one exclusive fault per request
    if (!fires(rule)) continue;
    FaultEvent event{rule.id,
                     std::string(fault_kind_name(rule.kind)),
                     request.method,
                     request.path,
                     request.remote_address,
                     sim::Duration::zero()};
    if (latency) {
      event.delay = draw_delay(rule);
      decision.delay += event.delay;
    } else {
      decision.action = rule;
    }
    report(std::move(event));
  }
  return decision;
}

void FaultInjector::report(FaultEvent event) {
  for (const auto& observer : observers_) observer(event);
}

}  // namespace hemsrig::http
