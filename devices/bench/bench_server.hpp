// ModbusBench: the simulated test bench as a Modbus TCP server on the Engine's
// io_context. Coil N switches power channel N (0 = power cut, 1 = boot);
// input registers give each channel's power and energy (register_map.hpp,
// docs/bench.md). libmodbus does the protocol (modbus_reply on sockets that
// Asio drives), so the engine never blocks. Bad requests get the Modbus
// exception (illegal function 0x01, illegal data address 0x02, wrong length
// 0x03); a frame that is not Modbus TCP closes that connection only, and
// every other client goes on. Single-threaded: construct, listen, stop and
// destroy on the engine's thread, and destroy the bench before its Engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "devices/bench/power_channel.hpp"
#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::bench {

struct BenchOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;    // 0: a free port
  std::uint8_t unit_id = 1;  // requests to 0 and 255 are answered too (Modbus TCP custom)
  sim::Duration sample_period = std::chrono::seconds(1);  // energy integration step
  std::size_t max_clients = 64;                           // more are accepted and closed at once
};

struct BenchCounters {
  std::uint64_t clients = 0;     // connections accepted and served
  std::uint64_t requests = 0;    // well-framed requests answered
  std::uint64_t exceptions = 0;  // answered with an exception by the bench itself
  std::uint64_t bad_frames = 0;  // connections closed for a frame that is not Modbus TCP
  std::uint64_t refused_clients = 0;
  std::uint64_t switches = 0;  // channels switched on or off through a coil
};

// One coil switch through the bench: which channel, to what, and the outcome.
using SwitchListener = std::function<void(const PowerChannel&, bool on, const Status&)>;

class ModbusBench {
 public:
  ModbusBench(sim::Engine& engine, BenchOptions options = {});
  ~ModbusBench();  // stop()
  ModbusBench(const ModbusBench&) = delete;
  ModbusBench& operator=(const ModbusBench&) = delete;

  // Adds a channel; its coil is the returned index. Fails past kMaxChannels
  // or when the name is taken.
  Result<std::size_t> add_channel(std::unique_ptr<PowerChannel> channel);
  std::size_t channel_count() const { return channels_.size(); }
  PowerChannel& channel(std::size_t coil) { return *channels_.at(coil); }
  // The coil of the channel with this name, or -1.
  int coil_of(const std::string& name) const;

  // Binds and starts accepting. Errors: "invalid_address", "address_in_use",
  // "bind_failed", "already_listening".
  Status listen();
  // Closes the listener and every connection.
  void stop();
  bool listening() const;
  std::uint16_t port() const;
  std::string endpoint() const;  // "127.0.0.1:1502"
  std::uint8_t unit_id() const { return options_.unit_id; }

  void on_switch(SwitchListener listener) { switch_listener_ = std::move(listener); }
  const BenchCounters& counters() const { return counters_; }

  struct Impl;  // Asio and libmodbus stay in the .cpp

 private:
  sim::Engine& engine_;
  BenchOptions options_;
  std::vector<std::unique_ptr<PowerChannel>> channels_;
  SwitchListener switch_listener_;
  BenchCounters counters_;
  std::shared_ptr<Impl> impl_;  // shared: pending Asio handlers hold it weakly
};

}  // namespace hemsrig::bench
