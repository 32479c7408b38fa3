#include "devices/app/app_client.hpp"

#include <array>

#include <fmt/format.h>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace hemsrig::app {

using nlohmann::json;
namespace net = boost::asio;

std::string AppAnswer::error_code() const {
  if (status == 0) return "offline";
  if (ok()) return {};
  if (body.is_object() && body.contains("error")) {
    const auto& e = body["error"];
    if (e.is_object()) return e.value("code", std::string{});
    if (e.is_string()) return e.get<std::string>();  // OAuth's {"error":"invalid_grant"}
  }
  return fmt::format("http_{}", status);
}

std::string AppAnswer::error_message() const {
  if (status == 0) return transport_error;
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    return body["error"].value("message", std::string{});
  }
  return {};
}

AppClient::AppClient(sim::Engine& engine, std::string cloud_url, AppClientOptions options)
    : engine_(engine), cloud_url_(std::move(cloud_url)), options_(std::move(options)) {}

AppClient::~AppClient() = default;

void AppClient::call(const std::string& method, const std::string& path, json body, Done done) {
  http::Headers headers{{"Accept", "application/json"}};
  std::string text;
  if (!body.is_null()) {
    headers.emplace_back("Content-Type", "application/json");
    text = body.dump();
  }
  if (!session_.empty()) headers.emplace_back("Authorization", "Bearer " + session_);
  // A link from a mail is absolute; API paths are relative to the cloud.
  const std::string url = path.rfind("http", 0) == 0 ? path : cloud_url_ + path;
  std::weak_ptr<int> alive = alive_;
  http::http_request(
      engine_, method, url, std::move(text), std::move(headers),
      [alive, done = std::move(done)](Result<http::HttpResponse> r) {
        if (alive.expired()) return;
        AppAnswer a;
        if (!r) {
          a.transport_error = r.error().message;
          return done(std::move(a));
        }
        a.status = r->status;
        a.body = json::parse(r->body, nullptr, false);
        if (a.body.is_discarded()) a.body = json(r->body);
        done(std::move(a));
      },
      options_.http);
}

void AppClient::sign_up(const std::string& email, const std::string& password, Done done) {
  call("POST", "/v1/club-id/signup", json{{"email", email}, {"password", password}},
       [this, email, done](AppAnswer signed_up) {
         if (!signed_up.ok()) return done(std::move(signed_up));
         // DOMAIN R21: the verification mail; R5: a phone that filters the vendor's
         // domain never receives it.
         call("GET", "/v1/outbox/mails?to=" + email, nullptr, [this, done](AppAnswer mails) {
           if (!mails.ok()) return done(std::move(mails));
           std::string link;
           for (const auto& m : mails.body.value("mails", json::array())) {
             if (!m.value("delivered", true)) continue;
             for (const auto& l : m.value("links", json::array())) {
               if (l.is_string() && l.get<std::string>().find("/verify") != std::string::npos)
                 link = l.get<std::string>();
             }
           }
           if (link.empty()) {
             AppAnswer a;
             a.status = 404;
             a.body = json{{"error",
                            {{"code", "mail_not_received"},
                             {"message", "the verification mail never arrived (DOMAIN R5)"},
                             {"rule", "R5"}}}};
             return done(std::move(a));
           }
           call("GET", link, nullptr, done);
         });
       });
}

void AppClient::login(const std::string& email, const std::string& password, Done done) {
  session_.clear();
  challenge_.clear();
  call("POST", "/v1/club-id/login", json{{"email", email}, {"password", password}},
       [this, done](AppAnswer a) {
         if (a.ok() && a.body.is_object()) {
           session_ = a.body.value("session", std::string{});
           challenge_ = a.body.value("challenge", std::string{});
         }
         done(std::move(a));
       });
}

void AppClient::login_sms(const std::string& code, Done done) {
  call("POST", "/v1/club-id/login/sms", json{{"challenge", challenge_}, {"code", code}},
       [this, done](AppAnswer a) {
         if (a.ok() && a.body.is_object()) {
           session_ = a.body.value("session", std::string{});
           challenge_.clear();
         }
         done(std::move(a));
       });
}

void AppClient::read_sms_code(const std::string& phone,
                              std::function<void(std::string code)> done) {
  call("GET", "/v1/outbox/sms?to=" + phone, nullptr, [done](AppAnswer a) {
    std::string code;
    if (a.ok()) {
      for (const auto& s : a.body.value("sms", json::array())) {
        if (!s.value("delivered", true)) continue;
        const std::string text = s.value("text", std::string{});
        std::string digits;
        for (char c : text) {
          if (c >= '0' && c <= '9') {
            digits += c;
          } else if (!digits.empty()) {
            if (digits.size() >= 4) break;
            digits.clear();
          }
        }
        if (digits.size() >= 4) code = digits;
      }
    }
    done(code);
  });
}

void AppClient::register_phone(const json& registration, Done done) {
  call("POST", "/v1/app/phones", registration, [this, done](AppAnswer a) {
    if (a.ok() && a.body.is_object()) phone_id_ = a.body.value("phone_id", std::string{});
    done(std::move(a));
  });
}

namespace {

// One SSDP search: an M-SEARCH to the group out of the LAN interface, then the
// first answer or the timeout. Real I/O, so virtual time waits for it.
struct Search : std::enable_shared_from_this<Search> {
  Search(sim::Engine& engine) : socket(engine.io()), timer(engine.io()), hold(engine.begin_io()) {}
  net::ip::udp::socket socket;
  net::steady_timer timer;
  sim::Engine::InFlight hold;
  std::array<char, 2048> buffer{};
  net::ip::udp::endpoint from;
  std::string request;
  bool finished = false;
  std::function<void(Result<std::string>)> done;

  void finish(Result<std::string> r) {
    if (finished) return;
    finished = true;
    boost::system::error_code ec;
    timer.cancel();
    socket.close(ec);
    hold.release();
    done(std::move(r));
  }
};

std::string location_of(const std::string& answer) {
  std::size_t at = 0;
  while (at < answer.size()) {
    const auto end = answer.find("\r\n", at);
    const std::string line =
        answer.substr(at, end == std::string::npos ? std::string::npos : end - at);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (name == "LOCATION") {
        std::string v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(v.begin());
        return v;
      }
    }
    if (end == std::string::npos) break;
    at = end + 2;
  }
  return {};
}

}  // namespace

void AppClient::find_unit(std::function<void(Result<std::string>)> done) {
  auto s = std::make_shared<Search>(engine_);
  s->done = std::move(done);
  const auto not_found = [] {
    return make_error("unit_not_found",
                      "AiSEG2が見つかりません: the app found no unit on this LAN (DOMAIN R31: "
                      "search again, or enter a link code)");
  };
  boost::system::error_code ec;
  const auto group = net::ip::make_address_v4(options_.ssdp_group, ec);
  const auto lan =
      ec ? net::ip::address_v4() : net::ip::make_address_v4(options_.lan_interface, ec);
  if (ec) return s->finish(make_error("bad_address", "bad SSDP group or LAN interface"));
  s->socket.open(net::ip::udp::v4(), ec);
  if (!ec) s->socket.set_option(net::ip::multicast::outbound_interface(lan), ec);
  if (!ec) s->socket.set_option(net::ip::multicast::enable_loopback(true), ec);
  if (!ec) s->socket.set_option(net::ip::multicast::hops(1), ec);
  if (!ec) s->socket.bind(net::ip::udp::endpoint(lan, 0), ec);
  if (ec) return s->finish(make_error("search_failed", "SSDP socket: " + ec.message()));
  s->request = fmt::format(
      "M-SEARCH * HTTP/1.1\r\nHOST: {}:{}\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n"
      "ST: urn:panasonic-com:service:p60AiSeg2DataService:1\r\n\r\n",
      options_.ssdp_group, options_.ssdp_port);
  s->socket.async_send_to(net::buffer(s->request),
                          net::ip::udp::endpoint(group, options_.ssdp_port),
                          [s, not_found](boost::system::error_code sec, std::size_t) {
                            if (sec) s->finish(not_found());
                          });
  s->socket.async_receive_from(net::buffer(s->buffer), s->from,
                               [s, not_found](boost::system::error_code rec, std::size_t n) {
                                 if (rec) return s->finish(not_found());
                                 const std::string location =
                                     location_of(std::string(s->buffer.data(), n));
                                 if (location.empty()) return s->finish(not_found());
                                 s->finish(location);
                               });
  s->timer.expires_after(options_.search_timeout);
  s->timer.async_wait([s, not_found](boost::system::error_code tec) {
    if (!tec) s->finish(not_found());
  });
}

}  // namespace hemsrig::app
