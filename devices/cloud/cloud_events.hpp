// CloudEvents: what happened in the mock cloud (a sign-up, a mail sent, a unit
// gone offline, a command delivered), for the world's trace and for tests.
// Services emit; observers (the World's trace) subscribe. Single-threaded.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace hemsrig::cloud {

struct CloudEvent {
  std::string kind;       // "cloud.signup", "cloud.mail", "cloud.unit_offline", ...
  nlohmann::json detail;  // an object
};

class CloudEvents {
 public:
  using Observer = std::function<void(const CloudEvent&)>;
  void subscribe(Observer o) { observers_.push_back(std::move(o)); }
  void emit(std::string kind, nlohmann::json detail = nlohmann::json::object()) const {
    if (observers_.empty()) return;
    const CloudEvent e{std::move(kind), std::move(detail)};
    for (const auto& o : observers_) o(e);
  }

 private:
  std::vector<Observer> observers_;
};

}  // namespace hemsrig::cloud
