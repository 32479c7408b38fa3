// CoilResource: where one relay coil of a Modbus TCP relay board is (the
// labgrid "resource": what exists, not how to use it). The same scenario can
// name a coil of a real board or a coil of the rig's own bench.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hemsrig::bench {

struct CoilResource {
  std::string host = "127.0.0.1";
  std::uint16_t port = 502;
  std::uint8_t unit_id = 1;
  std::uint16_t coil = 0;
  // The relay cuts power when its coil is energised (normally-closed wiring):
  // "on" writes 0 and "off" writes 1.
  bool invert = false;
  // Longest wait for a connection or an answer.
  std::chrono::milliseconds timeout{1000};
};

// "127.0.0.1:502 unit 1 coil 3" (with " inverted"), for messages.
std::string describe(const CoilResource& r);

}  // namespace hemsrig::bench
