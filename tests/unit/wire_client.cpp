#include "tests/unit/wire_client.hpp"

namespace hemsrig::testing {

namespace asio = boost::asio;
using asio::ip::udp;

WireClient::WireClient(sim::Engine& engine, sim::Ipv4 address, bool join_multicast)
    : engine_(engine), address_(address), unicast_(engine.io()), ephemeral_(engine.io()) {
  unicast_.open(udp::v4());
  unicast_.set_option(udp::socket::reuse_address(true));
  unicast_.bind(udp::endpoint(address, echonet::kPort));
  unicast_.non_blocking(true);
  if (join_multicast) {
    multicast_.emplace(engine.io());
    multicast_->open(udp::v4());
    multicast_->set_option(udp::socket::reuse_address(true));
    multicast_->bind(
        udp::endpoint(asio::ip::make_address_v4(echonet::kMulticastGroup), echonet::kPort));
    multicast_->set_option(
        asio::ip::multicast::join_group(asio::ip::make_address_v4(echonet::kMulticastGroup),
                                        asio::ip::make_address_v4("127.0.0.1")));
    multicast_->non_blocking(true);
  }
  ephemeral_.open(udp::v4());
  ephemeral_.bind(udp::endpoint(address, 0));
  ephemeral_.set_option(
      asio::ip::multicast::outbound_interface(asio::ip::make_address_v4("127.0.0.1")));
  ephemeral_.set_option(asio::ip::multicast::hops(0));
  unicast_.set_option(
      asio::ip::multicast::outbound_interface(asio::ip::make_address_v4("127.0.0.1")));
  unicast_.set_option(asio::ip::multicast::hops(0));
}

void WireClient::send_raw(const sim::UdpEndpoint& to, const std::vector<std::uint8_t>& bytes) {
  unicast_.send_to(asio::buffer(bytes), udp::endpoint(to.address, to.port));
}

void WireClient::send(const sim::UdpEndpoint& to, const echonet::Frame& frame) {
  send_raw(to, echonet::encode(frame));
}

void WireClient::send_from_ephemeral_port(const sim::UdpEndpoint& to, const echonet::Frame& frame) {
  ephemeral_.send_to(asio::buffer(echonet::encode(frame)), udp::endpoint(to.address, to.port));
}

void WireClient::drain() {
  std::vector<std::uint8_t> buf(65536);
  auto read_all = [&](udp::socket& s, bool multicast) {
    for (;;) {
      udp::endpoint from;
      boost::system::error_code ec;
      const std::size_t n = s.receive_from(asio::buffer(buf), from, 0, ec);
      if (ec) return;
      auto msg = echonet::decode(std::span(buf.data(), n));
      if (!msg) continue;
      if (auto* f = std::get_if<echonet::Frame>(&*msg)) {
        inbox_.push_back(
            Received{*f, sim::UdpEndpoint{from.address().to_v4(), from.port()}, multicast});
      }
    }
  };
  read_all(unicast_, false);
  if (multicast_) read_all(*multicast_, true);
}

std::optional<Received> WireClient::await(const std::function<bool(const Received&)>& want,
                                          std::chrono::milliseconds timeout) {
  std::optional<Received> found;
  auto check = [&] {
    drain();
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
      if (want(*it)) {
        found = *it;
        inbox_.erase(it);
        return true;
      }
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!check() && std::chrono::steady_clock::now() < deadline) {
    engine_.run_for(std::chrono::milliseconds(5));
  }
  return found;
}

std::vector<Received> WireClient::collect_for(std::chrono::milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < deadline) {
    engine_.run_for(std::chrono::milliseconds(5));
    drain();
  }
  drain();
  return std::exchange(inbox_, {});
}

}  // namespace hemsrig::testing
