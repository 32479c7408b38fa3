// http_wire: plays independent HTTP and SSDP clients against the rig's servers in tests.
//
// The engine is single-threaded and the servers run on it, so a client runs on a thread of its
// own (run_beside) while the test's thread runs the engine until the client is done. Clients:
// a raw TCP socket that sends exact bytes (garbage, two requests on one connection), curl
// through popen (a real, independent digest client), and a UDP socket for SSDP. Every client
// call has its own timeout, so nothing here waits forever.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "sim/core/engine.hpp"

namespace hemsrig::testing {

// Runs the engine until `pred` holds or `timeout` passes, waking every few milliseconds so a
// condition that another thread makes true is seen even while no socket has anything to say.
inline bool pump_until(sim::Engine& engine, const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  std::function<void()> tick;
  sim::TimerId timer = 0;
  tick = [&] {
    if (!pred()) timer = engine.after(std::chrono::milliseconds(5), tick);
  };
  timer = engine.after(std::chrono::milliseconds(5), tick);
  const bool held = engine.run_until(pred, timeout);
  engine.cancel(timer);
  return held;
}

// Runs `work` on another thread while this thread runs the engine; returns work's result.
template <typename T>
T run_beside(sim::Engine& engine, std::function<T()> work,
             std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto done = std::async(std::launch::async, std::move(work));
  pump_until(
      engine, [&] { return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
      timeout);
  return done.get();
}

struct WireResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// Splits raw bytes into complete responses (Content-Length framing; 1xx without a body).
std::vector<WireResponse> split_responses(const std::string& raw);

// Connects, sends `bytes`, and reads until `responses` complete responses arrived, the peer
// closed, or `timeout` passed. Returns the raw bytes read.
std::string raw_exchange(const boost::asio::ip::tcp::endpoint& to, const std::string& bytes,
                         int responses,
                         std::chrono::milliseconds timeout = std::chrono::seconds(3));

struct CurlResult {
  int exit_code = -1;
  int status = 0;       // the last response's status (%{http_code})
  std::string headers;  // every response's headers, as curl -D writes them
  std::string body;
};
// Runs `curl -sS --max-time 5 --noproxy '*' <args>`; args are passed to the shell as they are.
CurlResult curl(const std::string& args);
std::string shell_quote(const std::string& text);

// Sends one UDP datagram from a fresh socket and collects what comes back within `wait`, or
// until `enough` datagrams came (0: wait the whole time). With `multicast_interface` set, sends
// to the group with that outbound interface (loopback on, TTL 0).
std::vector<std::string> udp_exchange(const std::string& to_address, unsigned short to_port,
                                      const std::string& datagram, std::chrono::milliseconds wait,
                                      std::size_t enough = 1,
                                      const std::string& multicast_interface = {});

}  // namespace hemsrig::testing
