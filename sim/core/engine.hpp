// Engine: the one io_context, the clock and the timer queue of a world.
//
// Two clocks behind one interface (as ns-3 keeps Simulator apart from its
// scheduler): in Virtual mode time jumps to the next timer whenever no handler
// is ready, so a simulated week runs in seconds and the same seed gives the
// same trace; in Realtime mode timers fire on the steady clock, for anything
// outside the process (a DUT, a controller on the LAN) in the loop.
// Single-threaded: every call must come from the thread that runs the engine,
// except stop(), which may be called from any thread or a signal handler's
// asio::signal_set.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sim/core/time.hpp"

namespace hemsrig::sim {

enum class ClockMode { Virtual, Realtime };

using TimerId = std::uint64_t;

struct EngineOptions {
  ClockMode mode = ClockMode::Virtual;
  std::uint64_t seed = 1;
  // Calendar time at Time 0. Default: 2026-06-01 00:00 JST (a summer day, so
  // the solar curve and the air conditioners have something to do).
  CalendarTime epoch = CalendarTime{std::chrono::seconds{1780239600}};
  // Realtime only: simulated time runs `speed` times faster than the wall
  // clock (a scenario with a DUT and `speed: 60` waits 1 s for a minute).
  double speed = 1.0;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  boost::asio::io_context& io() { return io_; }
  ClockMode mode() const { return options_.mode; }
  double speed() const { return options_.speed; }

  Time now() const;
  CalendarTime calendar_now() const {
    return options_.epoch + std::chrono::duration_cast<CalendarTime::duration>(now());
  }
  CalendarTime epoch() const { return options_.epoch; }

  // Timers run in time order; timers due at the same time run in the order
  // they were scheduled (that order is what makes virtual runs repeatable).
  TimerId after(Duration delay, std::function<void()> fn);
  TimerId at(Time when, std::function<void()> fn);
  // Cancelling an id that already fired or was cancelled is a no-op.
  void cancel(TimerId id);
  std::size_t pending_timers() const { return callbacks_.size(); }

  // Real I/O under way (an HTTP exchange with a real server): while any is
  // in flight, virtual time does not jump; the engine waits for the I/O, so
  // a 30-minute timer can never outrun a response on a loopback socket.
  // Hold the token for as long as the operation runs.
  class InFlight {
   public:
    InFlight() = default;
    explicit InFlight(Engine* e) : engine_(e) { ++engine_->in_flight_; }
    InFlight(InFlight&& o) noexcept : engine_(std::exchange(o.engine_, nullptr)) {}
    InFlight& operator=(InFlight&& o) noexcept {
      release();
      engine_ = std::exchange(o.engine_, nullptr);
      return *this;
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    ~InFlight() { release(); }
    void release() {
      if (engine_ != nullptr) --std::exchange(engine_, nullptr)->in_flight_;
    }

   private:
    Engine* engine_ = nullptr;
  };
  InFlight begin_io() { return InFlight(this); }
  std::size_t in_flight() const { return in_flight_; }

  // A server in this process that holds a request until simulated time moves
  // on (a long poll, a Google EXECUTE that waits for the unit) parks it: the
  // client's InFlight then no longer stops virtual time. Hold the token from
  // the moment the answer is deferred until it is sent.
  class Parked {
   public:
    Parked() = default;
    explicit Parked(Engine* e) : engine_(e) { ++engine_->parked_; }
    Parked(Parked&& o) noexcept : engine_(std::exchange(o.engine_, nullptr)) {}
    Parked& operator=(Parked&& o) noexcept {
      release();
      engine_ = std::exchange(o.engine_, nullptr);
      return *this;
    }
    Parked(const Parked&) = delete;
    Parked& operator=(const Parked&) = delete;
    ~Parked() { release(); }
    void release() {
      if (engine_ != nullptr) --std::exchange(engine_, nullptr)->parked_;
    }

   private:
    Engine* engine_ = nullptr;
  };
  Parked park() { return Parked(this); }

  // The world's one random source, seeded by EngineOptions::seed.
  std::mt19937_64& rng() { return rng_; }

  // Runs until `d` of simulated time has passed (or stop()).
  void run_for(Duration d);
  // Runs until pred() is true (checked after every handler) or `timeout` of
  // simulated time has passed. Returns pred()'s final value.
  bool run_until(const std::function<bool()>& pred, Duration timeout);
  // Runs until stop(). In Virtual mode it also returns when nothing at all is
  // left to do.
  void run();
  void stop();

 private:
  struct Entry {
    Time when;
    std::uint64_t seq;
    TimerId id;
    bool operator>(const Entry& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };

  // Runs handlers until `deadline`, stop(), or pred() true. Returns pred()'s state.
  bool run_core(Time deadline, const std::function<bool()>* pred);
  bool run_virtual(Time deadline, const std::function<bool()>* pred);
  bool run_realtime(Time deadline, const std::function<bool()>* pred);
  void fire_due(Time upto);
  void arm_wakeup();
  // The steady-clock instant at which simulated time `t` is reached (Realtime).
  std::chrono::steady_clock::time_point wall_at(Time t) const;

  EngineOptions options_;
  boost::asio::io_context io_;
  boost::asio::steady_timer wakeup_;
  bool wakeup_armed_ = false;
  Time wakeup_when_{0};
  std::chrono::steady_clock::time_point real_start_;
  Time virtual_now_{0};
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::unordered_map<TimerId, std::function<void()>> callbacks_;
  std::uint64_t next_seq_ = 0;
  TimerId next_id_ = 1;
  std::atomic<bool> stop_requested_{false};
  std::size_t in_flight_ = 0;
  std::size_t parked_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace hemsrig::sim
