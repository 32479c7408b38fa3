// CloudSession: the unit's side of the unit channel (docs/unit-channel.md).
// At every boot the unit says hello, then keeps the cloud's copy of its state
// current (a heartbeat, and soon after each change) and waits in a long poll
// for commands (a Google EXECUTE, a voice-scene run, a link code used), which
// it carries out and answers. The unit is the client: behind the home router
// the cloud cannot call it (DOMAIN R1: it must stay online).
//
// A cloud that cannot be reached is retried, bounded by the engine's time
// (one attempt per retry interval). stop() (shutdown, power cut) drops the
// session and every call under way; their answers are ignored. Single-threaded
// (the engine's thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/core/engine.hpp"
#include "sim/http/http_client.hpp"

namespace hemsrig::aiseg2 {

struct CloudSessionOptions {
  std::string cloud_url;  // "http://127.0.0.1:PORT" or https://
  // After a failed hello or poll, try again after this long.
  sim::Duration retry_interval = sim::seconds(30);
  // A change is pushed this long after it happened, so a burst becomes one call.
  sim::Duration state_debounce = sim::seconds(1);
  http::HttpClientOptions http;  // the long poll's timeout is widened to fit its wait
};

struct CloudSessionCounters {
  std::uint64_t hellos = 0;    // hellos answered 200
  std::uint64_t states = 0;    // state reports answered 200
  std::uint64_t polls = 0;     // long polls answered 200
  std::uint64_t commands = 0;  // commands carried out and answered
  std::uint64_t failures = 0;  // calls that failed (offline, 5xx, bad answer)
  std::string last_error;      // the latest failure, for the trace and tests
};

class CloudSession {
 public:
  // `execute` carries out one command and calls back once with its result
  // object (docs/unit-channel.md, section 4).
  using Executor =
      std::function<void(const nlohmann::json& command, std::function<void(nlohmann::json)>)>;

  CloudSession(sim::Engine& engine, CloudSessionOptions options,
               std::function<nlohmann::json()> hello_body,
               std::function<nlohmann::json()> state_body, Executor execute);
  ~CloudSession();
  CloudSession(const CloudSession&) = delete;
  CloudSession& operator=(const CloudSession&) = delete;

  void start();  // at boot
  void stop();   // at shutdown or a power cut
  // Something in the state changed: report it soon.
  void state_changed();

  bool running() const { return running_; }
  // A session is established (the latest hello was answered).
  bool connected() const { return !session_.empty(); }
  const CloudSessionCounters& counters() const { return counters_; }

 private:
  void hello();
  void send_state();
  void heartbeat();
  void poll();
  void answer(const std::string& id, nlohmann::json result);
  void lost_session();
  void failed(const std::string& what);
  void call(const std::string& method, const std::string& path, const nlohmann::json* body,
            sim::Duration extra_wait,
            std::function<void(int status, const nlohmann::json& answer)> done);
  void after(sim::Duration d, std::function<void()> fn);

  sim::Engine& engine_;
  CloudSessionOptions options_;
  std::function<nlohmann::json()> hello_body_;
  std::function<nlohmann::json()> state_body_;
  Executor execute_;
  bool running_ = false;
  std::uint64_t generation_ = 0;  // bumped by stop(): answers of older calls are dropped
  std::string session_;
  sim::Duration heartbeat_ = sim::seconds(60);
  int poll_wait_s_ = 25;
  bool state_pending_ = false;
  bool hello_in_flight_ = false;
  bool poll_in_flight_ = false;
  std::set<sim::TimerId> timers_;
  CloudSessionCounters counters_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace hemsrig::aiseg2
