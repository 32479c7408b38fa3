#include "devices/cloud/outbox.hpp"

#include <charconv>
#include <chrono>

namespace hemsrig::cloud {

namespace {

std::int64_t ms(sim::Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
}

nlohmann::json to_json(const Mail& m) {
  return {{"id", m.id},
          {"from", m.from},
          {"to", m.to},
          {"subject", m.subject},
          {"body", m.body},
          {"links", m.links},
          {"sent_at_ms", ms(m.sent_at)},
          {"delivered", m.delivered},
          {"failure", m.failure}};
}

nlohmann::json to_json(const Sms& s) {
  return {{"id", s.id},
          {"to", s.to},
          {"text", s.text},
          {"sent_at_ms", ms(s.sent_at)},
          {"delivered", s.delivered},
          {"failure", s.failure}};
}

std::optional<std::uint64_t> parse_id(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string Outbox::failure_for(const std::string& to) const {
  if (failing_.contains(to)) return "filtered: " + to;
  const auto at = to.find('@');
  if (at != std::string::npos && failing_.contains(to.substr(at)))
    return "filtered: " + to.substr(at);
  return {};
}

std::uint64_t Outbox::send_mail(std::string to, std::string subject, std::string body,
                                std::vector<std::string> links) {
  Mail m;
  m.id = next_id_++;
  m.to = std::move(to);
  m.subject = std::move(subject);
  m.body = std::move(body);
  m.links = std::move(links);
  m.sent_at = engine_.now();
  m.failure = failure_for(m.to);
  m.delivered = m.failure.empty();
  // DOMAIN R5: a filtered recipient never gets it; the send is recorded as failed.
  events_.emit("cloud.mail", {{"id", m.id},
                              {"to", m.to},
                              {"subject", m.subject},
                              {"delivered", m.delivered},
                              {"failure", m.failure}});
  mails_.push_back(std::move(m));
  return mails_.back().id;
}

std::uint64_t Outbox::send_sms(std::string to, std::string text) {
  Sms s;
  s.id = next_id_++;
  s.to = std::move(to);
  s.text = std::move(text);
  s.sent_at = engine_.now();
  s.failure = failure_for(s.to);
  s.delivered = s.failure.empty();
  events_.emit("cloud.sms", {{"id", s.id}, {"to", s.to}, {"delivered", s.delivered}});
  sms_.push_back(std::move(s));
  return sms_.back().id;
}

void Outbox::fail_delivery_to(std::string recipient) {
  events_.emit("cloud.delivery_failure", {{"recipient", recipient}});
  failing_.insert(std::move(recipient));
}

std::vector<const Mail*> Outbox::mails(std::string_view to) const {
  std::vector<const Mail*> out;
  for (const auto& m : mails_)
    if (to.empty() || m.to == to) out.push_back(&m);
  return out;
}

const Mail* Outbox::mail(std::uint64_t id) const {
  for (const auto& m : mails_)
    if (m.id == id) return &m;
  return nullptr;
}

std::vector<const Sms*> Outbox::sms(std::string_view to) const {
  std::vector<const Sms*> out;
  for (const auto& s : sms_)
    if (to.empty() || s.to == to) out.push_back(&s);
  return out;
}

const Sms* Outbox::sms_message(std::uint64_t id) const {
  for (const auto& s : sms_)
    if (s.id == id) return &s;
  return nullptr;
}

void Outbox::add_routes(ApiRoutes& routes) {
  const nlohmann::json mail_example = {
      {"id", 1},
      {"from", kMailFrom},
      {"to", "taro@example.jp"},
      {"subject", "CLUB Panasonic 仮登録のお知らせ"},
      {"body", "..."},
      {"links", {"http://127.0.0.1:8080/v1/club-id/verify?token=..."}},
      {"sent_at_ms", 0},
      {"delivered", true},
      {"failure", ""}};
  routes.add("GET", "/v1/outbox/mails",
             {"Mails sent, oldest first; ?to=ADDR filters (a test mail catcher, DOMAIN R5/R21)",
              "outbox",
              nullptr,
              {{"mails", {mail_example}}},
              {}},
             [this](const http::HttpRequest& req) {
               nlohmann::json list = nlohmann::json::array();
               for (const Mail* m : mails(req.query_param("to"))) list.push_back(to_json(*m));
               return json_reply(200, {{"mails", std::move(list)}});
             });
  routes.add("GET", "/v1/outbox/mails/{id}",
             {"One mail with its links", "outbox", nullptr, mail_example, {"not_found"}},
             [this](const http::HttpRequest& req) {
               auto id = parse_id(req.path_params.at("id"));
               const Mail* m = id ? mail(*id) : nullptr;
               if (m == nullptr) return api_error(404, "not_found", "no such mail");
               return json_reply(200, to_json(*m));
             });
  const nlohmann::json sms_example = {
      {"id", 2},         {"to", "09012345678"}, {"text", "認証コード: 123456"},
      {"sent_at_ms", 0}, {"delivered", true},   {"failure", ""}};
  routes.add("GET", "/v1/outbox/sms",
             {"SMS sent, oldest first; ?to=PHONE filters (DOMAIN R22)",
              "outbox",
              nullptr,
              {{"sms", {sms_example}}},
              {}},
             [this](const http::HttpRequest& req) {
               nlohmann::json list = nlohmann::json::array();
               for (const Sms* s : sms(req.query_param("to"))) list.push_back(to_json(*s));
               return json_reply(200, {{"sms", std::move(list)}});
             });
  routes.add("GET", "/v1/outbox/sms/{id}",
             {"One SMS", "outbox", nullptr, sms_example, {"not_found"}},
             [this](const http::HttpRequest& req) {
               auto id = parse_id(req.path_params.at("id"));
               const Sms* s = id ? sms_message(*id) : nullptr;
               if (s == nullptr) return api_error(404, "not_found", "no such SMS");
               return json_reply(200, to_json(*s));
             });
  routes.add("POST", "/v1/outbox/delivery-failures",
             {"From now on, mail and SMS to this recipient (or '@domain') fail (DOMAIN R5)",
              "outbox",
              {{"recipient", "@example.jp"}},
              {{"failing", {"@example.jp"}}},
              {"missing_field", "invalid_field"}},
             [this](const http::HttpRequest& req) {
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               auto r = required_string(*body, "recipient");
               if (!r) return api_error(r.error());
               fail_delivery_to(*r);
               return json_reply(200, {{"failing", failing_}});
             });
  routes.add("DELETE", "/v1/outbox/delivery-failures",
             {"Every recipient gets mail again",
              "outbox",
              nullptr,
              {{"failing", nlohmann::json::array()}},
              {}},
             [this](const http::HttpRequest&) {
               clear_delivery_failures();
               return json_reply(200, {{"failing", nlohmann::json::array()}});
             });
}

nlohmann::json Outbox::snapshot() const {
  nlohmann::json m = nlohmann::json::array(), s = nlohmann::json::array();
  for (const auto& x : mails_) m.push_back(to_json(x));
  for (const auto& x : sms_) s.push_back(to_json(x));
  return {{"mails", m}, {"sms", s}, {"failing", failing_}, {"next_id", next_id_}};
}

Status Outbox::restore(const nlohmann::json& j) {
  try {
    mails_.clear();
    sms_.clear();
    for (const auto& x : j.at("mails")) {
      Mail m;
      m.id = x.at("id");
      m.from = x.at("from");
      m.to = x.at("to");
      m.subject = x.at("subject");
      m.body = x.at("body");
      m.links = x.at("links").get<std::vector<std::string>>();
      m.sent_at = std::chrono::milliseconds(x.at("sent_at_ms").get<std::int64_t>());
      m.delivered = x.at("delivered");
      m.failure = x.at("failure");
      mails_.push_back(std::move(m));
    }
    for (const auto& x : j.at("sms")) {
      Sms s;
      s.id = x.at("id");
      s.to = x.at("to");
      s.text = x.at("text");
      s.sent_at = std::chrono::milliseconds(x.at("sent_at_ms").get<std::int64_t>());
      s.delivered = x.at("delivered");
      s.failure = x.at("failure");
      sms_.push_back(std::move(s));
    }
    failing_ = j.at("failing").get<std::set<std::string>>();
    next_id_ = j.at("next_id");
  } catch (const std::exception& e) {
    return make_error("state_failed", std::string("outbox snapshot: ") + e.what());
  }
  return ok_status();
}

}  // namespace hemsrig::cloud
