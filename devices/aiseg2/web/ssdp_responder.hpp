// SsdpResponder: answers SSDP M-SEARCH for the simulated unit, so discovery finds it.
//
// Clients search for `urn:panasonic-com:service:p60AiSeg2DataService:1` (AISEG2-FACTS, seen);
// we answer that target, `ssdp:all` and `upnp:rootdevice` with one unicast `HTTP/1.1 200 OK`
// whose LOCATION points at the unit's /description.xml, from which tools read ModelName,
// ModelNumber and URLBase (reported). The socket binds the given address and port: on a bench
// LAN 0.0.0.0:1900 joined to 239.255.255.250 on the LAN interface; in tests a loopback address
// (unicast M-SEARCH to it) or the group itself with an ephemeral port, joined on 127.0.0.1.
// A unit off the LAN (R30/R31: the app must not find it) stays silent: set_answering(false).
// One answer per search datagram, sent at once (our choice: no MX delay). Single-threaded on
// the Engine; destroy before the Engine.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/udp.hpp>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

inline constexpr const char* kAiseg2SearchTarget =
    "urn:panasonic-com:service:p60AiSeg2DataService:1";

struct SsdpOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 1900;  // 0: ephemeral (tests)
  // Join this group on `interface_address` ("" : no join; unicast searches only).
  std::string multicast_group = "239.255.255.250";
  std::string interface_address;  // "127.0.0.1" on loopback, the LAN address on a bench
  std::string location;           // "http://192.168.0.216:80/description.xml"
  std::string udn = "uuid:00000000-0000-0000-0000-000000000000";
  std::string server = "Linux/3.10 UPnP/1.0 AiSEG2/1.0";  // our choice
  int max_age = 1800;
  bool answering = true;
};

struct SsdpCounters {
  std::uint64_t searches = 0;  // M-SEARCH datagrams for one of our targets
  std::uint64_t answers = 0;
  std::uint64_t ignored = 0;  // other datagrams, other targets, or while not answering
};

// The answer to one M-SEARCH datagram, or nullopt when it is not an M-SEARCH with
// MAN: "ssdp:discover" for a target we serve. Pure, for tests.
std::optional<std::string> ssdp_answer(const std::string& datagram, const SsdpOptions& options);

class SsdpResponder {
 public:
  // Errors: "invalid_address", "bind_failed", "multicast_setup_failed".
  static Result<std::unique_ptr<SsdpResponder>> create(sim::Engine& engine, SsdpOptions options);
  ~SsdpResponder();
  SsdpResponder(const SsdpResponder&) = delete;
  SsdpResponder& operator=(const SsdpResponder&) = delete;

  void set_answering(bool on) { options_.answering = on; }
  bool answering() const { return options_.answering; }
  void set_location(std::string location) { options_.location = std::move(location); }
  boost::asio::ip::udp::endpoint local_endpoint() const { return local_; }
  const SsdpCounters& counters() const { return counters_; }

 private:
  SsdpResponder(sim::Engine& engine, SsdpOptions options);
  void receive();
  void on_datagram(std::size_t size);

  SsdpOptions options_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint local_;
  boost::asio::ip::udp::endpoint sender_;
  std::string buffer_;
  SsdpCounters counters_;
  std::shared_ptr<bool> alive_;  // receive handlers check it after the responder is gone
};

}  // namespace hemsrig::aiseg2
