#include "devices/aiseg2/web/ssdp_responder.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <boost/asio/ip/multicast.hpp>

#include "sim/http/http_message.hpp"

namespace hemsrig::aiseg2 {

namespace net = boost::asio;
using net::ip::udp;

namespace {

constexpr std::size_t kMaxDatagram = 8192;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> ssdp_answer(const std::string& datagram, const SsdpOptions& options) {
  std::string_view rest = datagram;
  auto next_line = [&rest]() {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    return trim(line);
  };
  const std::string_view request_line = next_line();
  if (!request_line.starts_with("M-SEARCH * HTTP/1.")) return std::nullopt;
  std::string man;
  std::string st;
  for (int i = 0; i < 64 && !rest.empty(); ++i) {  // bounded: a search has a handful of lines
    const std::string_view line = next_line();
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (http::iequals(name, "MAN")) man = value;
    if (http::iequals(name, "ST")) st = value;
  }
  if (man != "\"ssdp:discover\"" && man != "ssdp:discover") return std::nullopt;

  std::string answer_st;
  if (st == kAiseg2SearchTarget || st == "ssdp:all") {
    answer_st = kAiseg2SearchTarget;
  } else if (st == "upnp:rootdevice") {
    answer_st = st;
  } else {
    return std::nullopt;
  }
  return fmt::format(
      "HTTP/1.1 200 OK\r\n"
      "CACHE-CONTROL: max-age={}\r\n"
      "EXT:\r\n"
      "LOCATION: {}\r\n"
      "SERVER: {}\r\n"
      "ST: {}\r\n"
      "USN: {}::{}\r\n"
      "\r\n",
      options.max_age, options.location, options.server, answer_st, options.udn, answer_st);
}

SsdpResponder::SsdpResponder(sim::Engine& engine, SsdpOptions options)
    : options_(std::move(options)),
      socket_(engine.io()),
      buffer_(kMaxDatagram, '\0'),
      alive_(std::make_shared<bool>(true)) {}

SsdpResponder::~SsdpResponder() {
  alive_.reset();
  boost::system::error_code ec;
  socket_.close(ec);
}

Result<std::unique_ptr<SsdpResponder>> SsdpResponder::create(sim::Engine& engine,
                                                             SsdpOptions options) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address_v4(options.bind_address, ec);
  if (ec) return make_error("invalid_address", "'" + options.bind_address + "' is not IPv4");
  const std::string where = options.bind_address + ":" + std::to_string(options.port);

  std::unique_ptr<SsdpResponder> r(new SsdpResponder(engine, std::move(options)));
  auto& socket = r->socket_;
  socket.open(udp::v4(), ec);
  if (!ec) socket.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) socket.bind(udp::endpoint(address, r->options_.port), ec);
  if (ec) return make_error("bind_failed", "cannot bind SSDP on " + where + ": " + ec.message());
  r->local_ = socket.local_endpoint(ec);

  const SsdpOptions& o = r->options_;
  if (!o.multicast_group.empty() && !o.interface_address.empty()) {
    const auto group = net::ip::make_address_v4(o.multicast_group, ec);
    if (ec) return make_error("invalid_address", "'" + o.multicast_group + "' is not IPv4");
    const auto iface = net::ip::make_address_v4(o.interface_address, ec);
    if (ec) return make_error("invalid_address", "'" + o.interface_address + "' is not IPv4");
    // Only what this socket joined, not every group other sockets of the host joined (Linux
    // delivers those by default).
    const int off = 0;
    (void)::setsockopt(socket.native_handle(), IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof(off));
    socket.set_option(net::ip::multicast::join_group(group, iface), ec);
    if (ec) {
      return make_error("multicast_setup_failed", "cannot join " + o.multicast_group + " on " +
                                                      o.interface_address + ": " + ec.message());
    }
  }
  r->receive();
  return r;
}

void SsdpResponder::receive() {
  std::weak_ptr<bool> alive = alive_;
  socket_.async_receive_from(net::buffer(buffer_), sender_,
                             [this, alive](const boost::system::error_code& ec, std::size_t n) {
                               if (alive.expired() || ec == net::error::operation_aborted) return;
                               if (!socket_.is_open()) return;
                               if (!ec) on_datagram(n);
                               receive();
                             });
}

void SsdpResponder::on_datagram(std::size_t size) {
  auto answer = ssdp_answer(buffer_.substr(0, size), options_);
  if (!answer || !options_.answering) {
    ++counters_.ignored;
    return;
  }
  ++counters_.searches;
  boost::system::error_code ec;
  socket_.send_to(net::buffer(*answer), sender_, 0, ec);  // one answer per search
  if (!ec) ++counters_.answers;
}

}  // namespace hemsrig::aiseg2
