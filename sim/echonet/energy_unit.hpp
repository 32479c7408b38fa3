// The unit of a smart meter's cumulative energy counters (class 0x0288, EPC
// 0xE1, a numericValue in the MRA): code -> kWh per count. The meter
// simulation writes counters in it and the AiSEG2 unit reads them back.
#pragma once

#include <cstdint>

namespace hemsrig::echonet {

// 0x00 1 kWh, 0x01 0.1, 0x02 0.01, 0x03 0.001, 0x04 0.0001, 0x0A 10,
// 0x0B 100, 0x0C 1000, 0x0D 10000; any other code reads as 0.1 kWh, the
// meter profile's default.
constexpr double energy_unit_kwh(std::uint8_t code) {
  switch (code) {
    case 0x00:
      return 1.0;
    case 0x01:
      return 0.1;
    case 0x02:
      return 0.01;
    case 0x03:
      return 0.001;
    case 0x04:
      return 0.0001;
    case 0x0A:
      return 10.0;
    case 0x0B:
      return 100.0;
    case 0x0C:
      return 1000.0;
    case 0x0D:
      return 10000.0;
    default:
      return 0.1;
  }
}

}  // namespace hemsrig::echonet
