// Outbox: every mail and SMS the cloud sends (verification mail R21, SMS codes
// R22, speaker notices R66, scene-run reports R74), kept like a test mail
// catcher: list and read them over HTTP, follow a mail's links with a plain
// GET. Delivery failure is injectable per recipient or per domain (DOMAIN R5:
// a phone that filters the vendor's domain never gets the mail; the send is
// recorded with delivered=false). Single-threaded (the engine's thread).
//   GET  /v1/outbox/mails?to=ADDR      GET /v1/outbox/mails/{id}
//   GET  /v1/outbox/sms?to=PHONE       GET /v1/outbox/sms/{id}
//   POST /v1/outbox/delivery-failures {"recipient": "taro@example.jp" | "@example.jp"}
//   DELETE /v1/outbox/delivery-failures
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "sim/core/engine.hpp"

namespace hemsrig::cloud {

// DOMAIN R5: mail comes from the vendor's domain.
inline constexpr std::string_view kMailFrom = "no-reply@club.panasonic.jp";

struct Mail {
  std::uint64_t id = 0;
  std::string from{kMailFrom};
  std::string to;
  std::string subject;
  std::string body;
  std::vector<std::string> links;  // absolute URLs; following one is a GET
  sim::Time sent_at{0};
  bool delivered = true;
  std::string failure;  // why not delivered ("filtered: @example.jp")
};

struct Sms {
  std::uint64_t id = 0;
  std::string to;  // phone number as given: "09012345678"
  std::string text;
  sim::Time sent_at{0};
  bool delivered = true;
  std::string failure;
};

class Outbox : public CloudService {
 public:
  Outbox(sim::Engine& engine, CloudEvents& events) : engine_(engine), events_(events) {}

  // Records and "delivers" the message; the returned id reads it back.
  std::uint64_t send_mail(std::string to, std::string subject, std::string body,
                          std::vector<std::string> links = {});
  std::uint64_t send_sms(std::string to, std::string text);

  // DOMAIN R5: mail (and SMS) to `recipient` fails from now on; "@domain" matches a whole domain.
  void fail_delivery_to(std::string recipient);
  void clear_delivery_failures() { failing_.clear(); }

  // Newest last; `to` empty: all.
  std::vector<const Mail*> mails(std::string_view to = {}) const;
  const Mail* mail(std::uint64_t id) const;
  std::vector<const Sms*> sms(std::string_view to = {}) const;
  const Sms* sms_message(std::uint64_t id) const;

  std::string_view name() const override { return "outbox"; }
  void add_routes(ApiRoutes& routes) override;
  nlohmann::json snapshot() const override;
  Status restore(const nlohmann::json& snapshot) override;

 private:
  std::string failure_for(const std::string& to) const;

  sim::Engine& engine_;
  CloudEvents& events_;
  std::deque<Mail> mails_;
  std::deque<Sms> sms_;
  std::set<std::string> failing_;
  std::uint64_t next_id_ = 1;
};

}  // namespace hemsrig::cloud
