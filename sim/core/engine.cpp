#include "sim/core/engine.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cmath>
#include <limits>

namespace hemsrig::sim {

namespace {
constexpr Time kForever = Time::max();

EngineOptions checked(EngineOptions o) {
  if (!(o.speed > 0)) o.speed = 1.0;
  return o;
}
}  // namespace

Engine::Engine(EngineOptions options)
    : options_(checked(options)),
      wakeup_(io_),
      real_start_(std::chrono::steady_clock::now()),
      rng_(options.seed) {}

Engine::~Engine() = default;

Time Engine::now() const {
  if (options_.mode == ClockMode::Virtual) return virtual_now_;
  const auto wall = std::chrono::steady_clock::now() - real_start_;
  if (options_.speed == 1.0) return std::chrono::duration_cast<Time>(wall);
  return std::chrono::duration_cast<Time>(std::chrono::duration<double, std::nano>(wall) *
                                          options_.speed);
}

std::chrono::steady_clock::time_point Engine::wall_at(Time t) const {
  if (t == kForever) return std::chrono::steady_clock::time_point::max();
  if (options_.speed == 1.0)
    return real_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(t);
  // Round up so a timer never fires before its simulated time has come.
  const auto wall = std::chrono::duration<double, std::nano>(t) / options_.speed;
  return real_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double, std::nano>(std::ceil(wall.count())));
}

TimerId Engine::after(Duration delay, std::function<void()> fn) {
  if (delay < Duration::zero()) delay = Duration::zero();
  return at(now() + delay, std::move(fn));
}

TimerId Engine::at(Time when, std::function<void()> fn) {
  const TimerId id = next_id_++;
  queue_.push(Entry{when, next_seq_++, id});
  callbacks_.emplace(id, std::move(fn));
  if (options_.mode == ClockMode::Realtime) arm_wakeup();
  return id;
}

void Engine::cancel(TimerId id) {
  callbacks_.erase(id);
}

void Engine::stop() {
  stop_requested_ = true;
  boost::asio::post(io_, [] {});  // wakes a blocked run_one()
}

void Engine::run_for(Duration d) {
  run_core(now() + d, nullptr);
}

bool Engine::run_until(const std::function<bool()>& pred, Duration timeout) {
  if (pred()) return true;
  return run_core(now() + timeout, &pred);
}

void Engine::run() {
  run_core(kForever, nullptr);
}

bool Engine::run_core(Time deadline, const std::function<bool()>* pred) {
  stop_requested_ = false;
  io_.restart();
  return options_.mode == ClockMode::Virtual ? run_virtual(deadline, pred)
                                             : run_realtime(deadline, pred);
}

bool Engine::run_virtual(Time deadline, const std::function<bool()>* pred) {
  auto satisfied = [&] { return pred != nullptr && (*pred)(); };
  while (!stop_requested_) {
    // Ready work first: time may only jump when nothing is ready.
    io_.poll();
    if (io_.stopped()) io_.restart();
    if (satisfied()) return true;
    if (in_flight_ > parked_) {
      // Real I/O is under way: wait for it (bounded, then look again) instead of jumping.
      // Parked requests wait on simulated time themselves, so they do not count.
      io_.run_one_for(std::chrono::milliseconds(10));
      continue;
    }
    // Drop cancelled entries.
    while (!queue_.empty() && !callbacks_.contains(queue_.top().id)) queue_.pop();
    if (queue_.empty() || queue_.top().when > deadline) {
      if (deadline != kForever && virtual_now_ < deadline) virtual_now_ = deadline;
      break;
    }
    const Entry e = queue_.top();
    queue_.pop();
    if (e.when > virtual_now_) virtual_now_ = e.when;
    auto node = callbacks_.extract(e.id);
    node.mapped()();
    if (satisfied()) return true;
  }
  return satisfied();
}

void Engine::fire_due(Time upto) {
  while (!queue_.empty()) {
    const Entry e = queue_.top();
    if (!callbacks_.contains(e.id)) {
      queue_.pop();
      continue;
    }
    if (e.when > upto) break;
    queue_.pop();
    auto node = callbacks_.extract(e.id);
    node.mapped()();
  }
}

void Engine::arm_wakeup() {
  while (!queue_.empty() && !callbacks_.contains(queue_.top().id)) queue_.pop();
  if (queue_.empty()) return;
  const Time when = queue_.top().when;
  if (wakeup_armed_ && when >= wakeup_when_) return;  // the armed wake-up comes first anyway
  wakeup_armed_ = true;
  wakeup_when_ = when;
  wakeup_.expires_at(wall_at(when));
  wakeup_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or cancelled
    wakeup_armed_ = false;
    fire_due(now());
    arm_wakeup();
  });
}

bool Engine::run_realtime(Time deadline, const std::function<bool()>* pred) {
  auto satisfied = [&] { return pred != nullptr && (*pred)(); };
  auto guard = boost::asio::make_work_guard(io_);
  bool deadline_reached = false;
  boost::asio::steady_timer deadline_timer(io_);
  if (deadline != kForever) {
    deadline_timer.expires_at(wall_at(deadline));
    deadline_timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) deadline_reached = true;
    });
  }
  arm_wakeup();
  while (!stop_requested_ && !deadline_reached) {
    io_.run_one();
    if (satisfied()) return true;
  }
  deadline_timer.cancel();
  // Let the cancelled deadline handler run before `deadline_reached` dies.
  io_.poll();
  return satisfied();
}

}  // namespace hemsrig::sim
