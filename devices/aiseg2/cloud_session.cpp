#include "devices/aiseg2/cloud_session.hpp"

#include <fmt/format.h>

namespace hemsrig::aiseg2 {

using nlohmann::json;

CloudSession::CloudSession(sim::Engine& engine, CloudSessionOptions options,
                           std::function<json()> hello_body, std::function<json()> state_body,
                           Executor execute)
    : engine_(engine),
      options_(std::move(options)),
      hello_body_(std::move(hello_body)),
      state_body_(std::move(state_body)),
      execute_(std::move(execute)) {}

CloudSession::~CloudSession() {
  stop();
}

void CloudSession::start() {
  if (running_) return;
  running_ = true;
  hello();
}

void CloudSession::stop() {
  if (!running_) return;
  running_ = false;
  ++generation_;
  session_.clear();
  state_pending_ = hello_in_flight_ = poll_in_flight_ = false;
  for (auto t : timers_) engine_.cancel(t);
  timers_.clear();
}

void CloudSession::state_changed() {
  if (!running_ || !connected() || state_pending_) return;
  state_pending_ = true;
  after(options_.state_debounce, [this] {
    if (state_pending_) send_state();
  });
}

void CloudSession::after(sim::Duration d, std::function<void()> fn) {
  auto id = std::make_shared<sim::TimerId>(0);
  *id = engine_.after(d, [this, id, gen = generation_, fn = std::move(fn)] {
    timers_.erase(*id);
    if (gen == generation_ && running_) fn();
  });
  timers_.insert(*id);
}

void CloudSession::call(const std::string& method, const std::string& path, const json* body,
                        sim::Duration extra_wait,
                        std::function<void(int status, const json& answer)> done) {
  http::Headers headers{{"Accept", "application/json"}};
  if (body != nullptr) headers.emplace_back("Content-Type", "application/json");
  if (!session_.empty()) headers.emplace_back("Authorization", "Bearer " + session_);
  auto options = options_.http;
  options.timeout += std::chrono::duration_cast<std::chrono::milliseconds>(extra_wait);
  std::weak_ptr<int> alive = alive_;
  http::http_request(
      engine_, method, options_.cloud_url + path, body != nullptr ? body->dump() : std::string{},
      std::move(headers),
      [this, alive, gen = generation_, path, done = std::move(done)](Result<http::HttpResponse> r) {
        if (alive.expired() || gen != generation_ || !running_) return;
        if (!r) {
          failed(fmt::format("{}: {}", path, r.error().message));
          return done(0, json());
        }
        json answer = json::parse(r->body, nullptr, false);
        if (answer.is_discarded()) answer = json();
        if (r->status == 401 && !session_.empty()) {
          lost_session();
          return;
        }
        if (r->status != 200) {
          std::string why = answer.is_object() && answer.contains("error")
                                ? answer["error"].value("message", std::string{})
                                : std::string{};
          failed(fmt::format("{}: HTTP {} {}", path, r->status, why));
        }
        done(r->status, answer);
      },
      options);
}

void CloudSession::failed(const std::string& what) {
  ++counters_.failures;
  counters_.last_error = what;
}

void CloudSession::hello() {
  if (!running_ || hello_in_flight_) return;
  hello_in_flight_ = true;
  session_.clear();
  const json body = hello_body_();
  call("POST", "/v1/unit-channel/hello", &body, sim::Duration::zero(),
       [this](int status, const json& answer) {
         hello_in_flight_ = false;
         if (status != 200 || !answer.is_object() || !answer.contains("session") ||
             !answer["session"].is_string()) {
           if (status == 200) failed("/v1/unit-channel/hello: answer without a session");
           after(options_.retry_interval, [this] { hello(); });
           return;
         }
         ++counters_.hellos;
         session_ = answer["session"].get<std::string>();
         heartbeat_ = sim::seconds(std::max(1, answer.value("heartbeat_interval_s", 60)));
         poll_wait_s_ = std::clamp(answer.value("poll_wait_s", 25), 0, 300);
         send_state();
         poll();
         after(heartbeat_, [this] { heartbeat(); });
       });
}

void CloudSession::heartbeat() {
  send_state();
  after(heartbeat_, [this] { heartbeat(); });
}

void CloudSession::lost_session() {
  // The cloud forgot us (it restarted, or a newer hello replaced the session): start again.
  session_.clear();
  ++generation_;  // the old heartbeat and poll stop
  for (auto t : timers_) engine_.cancel(t);
  timers_.clear();
  state_pending_ = hello_in_flight_ = poll_in_flight_ = false;
  hello();
}

void CloudSession::send_state() {
  state_pending_ = false;
  if (!connected()) return;
  const json body = state_body_();
  call("POST", "/v1/unit-channel/state", &body, sim::Duration::zero(),
       [this](int status, const json&) {
         if (status == 200) ++counters_.states;
       });
}

void CloudSession::poll() {
  if (!connected() || poll_in_flight_) return;
  poll_in_flight_ = true;
  call("GET", fmt::format("/v1/unit-channel/commands?wait_s={}", poll_wait_s_), nullptr,
       sim::seconds(poll_wait_s_), [this](int status, const json& reply) {
         poll_in_flight_ = false;
         if (status != 200 || !reply.is_object() || !reply.contains("commands") ||
             !reply["commands"].is_array()) {
           after(options_.retry_interval, [this] { poll(); });
           return;
         }
         ++counters_.polls;
         for (const auto& command : reply["commands"]) {
           if (!command.is_object() || !command.contains("id")) continue;
           const std::string id =
               command["id"].is_string() ? command["id"].get<std::string>() : command["id"].dump();
           std::weak_ptr<int> alive = alive_;
           execute_(command, [this, alive, gen = generation_, id](json result) {
             if (alive.expired() || gen != generation_ || !running_) return;
             answer(id, std::move(result));
           });
         }
         poll();
       });
}

void CloudSession::answer(const std::string& id, json result) {
  call("POST", fmt::format("/v1/unit-channel/commands/{}/result", id), &result,
       sim::Duration::zero(), [this](int status, const json&) {
         if (status == 200) ++counters_.commands;
       });
}

}  // namespace hemsrig::aiseg2
