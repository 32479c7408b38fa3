// ModbusWire: a plain TCP socket that plays a Modbus TCP client in the bench
// tests: it sends hand-made frames (also broken ones) to the bench and runs
// the engine until the answer comes back, so the test stays single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "sim/core/engine.hpp"

namespace hemsrig::testing {

class ModbusWire {
 public:
  // `unit`: the unit id requests go to unless they name another.
  ModbusWire(sim::Engine& engine, std::uint16_t port, std::uint8_t unit = 1);

  // Sends the PDU to `unit` and returns the answer's PDU (function code
  // first; 0x80 set for an exception), or nothing when the bench closed the
  // connection or did not answer within `timeout` of wall time.
  std::optional<std::vector<std::uint8_t>> request(
      const std::vector<std::uint8_t>& pdu, int unit = -1,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  void send_raw(const std::vector<std::uint8_t>& bytes);
  // The next whole answer on the connection: its transaction id and PDU.
  struct Answer {
    std::uint16_t tid = 0;
    std::vector<std::uint8_t> pdu;
  };
  std::optional<Answer> next_answer(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  // Runs the engine until the bench closes the connection (true) or `timeout` passes.
  bool closed_by_bench(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

  // Helpers for the common requests; nothing when the answer was an exception or absent.
  std::optional<std::vector<bool>> read_coils(std::uint16_t address, std::uint16_t count);
  std::optional<std::vector<std::uint16_t>> read_input_registers(std::uint16_t address,
                                                                 std::uint16_t count);
  bool write_coil(std::uint16_t address, bool on);

 private:
  // Runs the engine until `done()` or the deadline; pumps the socket meanwhile.
  template <typename Done>
  bool pump(Done done, std::chrono::milliseconds timeout);
  void receive_available();

  sim::Engine& engine_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::vector<std::uint8_t> in_;
  bool eof_ = false;
  std::uint16_t tid_ = 1;
  std::uint8_t unit_ = 1;
};

}  // namespace hemsrig::testing
