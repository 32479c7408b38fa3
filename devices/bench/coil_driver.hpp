// Coil drivers: how to switch and read one coil (the labgrid "driver" layer).
// ModbusCoilDriver talks Modbus TCP with libmodbus to a relay board (or the
// rig's own bench). It blocks the calling thread for at most the resource's
// timeout per call, as labgrid's drivers do: call it from a thread that may
// wait, never from the engine thread that serves the same bench.
// Errors name the coil and carry the Modbus exception: code
// "modbus_illegal_data_address", message "... Modbus exception 0x02 (illegal
// data address)"; "modbus_unreachable" and "modbus_timeout" otherwise.
#pragma once

#include <memory>

#include "devices/bench/coil_resource.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::bench {

class CoilDriver {
 public:
  virtual ~CoilDriver() = default;
  // The coil's raw state (true = energised), no inversion applied.
  virtual Status set(bool energised) = 0;
  virtual Result<bool> get() = 0;
  virtual const CoilResource& resource() const = 0;
};

class ModbusCoilDriver final : public CoilDriver {
 public:
  explicit ModbusCoilDriver(CoilResource resource);
  ~ModbusCoilDriver() override;
  ModbusCoilDriver(const ModbusCoilDriver&) = delete;
  ModbusCoilDriver& operator=(const ModbusCoilDriver&) = delete;

  Status set(bool energised) override;
  Result<bool> get() override;
  const CoilResource& resource() const override { return resource_; }

  // Drops the connection; the next call connects again.
  void disconnect();

 private:
  Status connect();
  Error error_from_errno(const char* what, int err) const;

  CoilResource resource_;
  struct Context;
  std::unique_ptr<Context> ctx_;
};

// The error code and message for a Modbus exception code (also for other back ends).
Error modbus_exception_error(std::uint8_t code, const std::string& context);

}  // namespace hemsrig::bench
