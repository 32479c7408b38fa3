#include "devices/bench/coil_driver.hpp"

#include <modbus/modbus.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "devices/bench/register_map.hpp"

namespace hemsrig::bench {

std::string describe(const CoilResource& r) {
  return fmt::format("{}:{} unit {} coil {}{}", r.host, r.port, r.unit_id, r.coil,
                     r.invert ? " (inverted)" : "");
}

Error modbus_exception_error(std::uint8_t code, const std::string& context) {
  const std::string_view name = exception_name(code);
  std::string id = "modbus_";
  for (char c : name) id += c == ' ' ? '_' : c;
  if (name == "unknown exception") id = "modbus_exception";
  return make_error(id, fmt::format("{}: Modbus exception 0x{:02X} ({})", context, code, name));
}

struct ModbusCoilDriver::Context {
  modbus_t* ctx = nullptr;
  bool connected = false;
  ~Context() {
    if (ctx == nullptr) return;
    if (connected) modbus_close(ctx);
    modbus_free(ctx);
  }
};

ModbusCoilDriver::ModbusCoilDriver(CoilResource resource)
    : resource_(std::move(resource)), ctx_(std::make_unique<Context>()) {}

ModbusCoilDriver::~ModbusCoilDriver() = default;

void ModbusCoilDriver::disconnect() {
  ctx_ = std::make_unique<Context>();
}

Error ModbusCoilDriver::error_from_errno(const char* what, int err) const {
  const std::string where = fmt::format("{} {}", what, describe(resource_));
  if (err > MODBUS_ENOBASE && err < MODBUS_ENOBASE + MODBUS_EXCEPTION_MAX)
    return modbus_exception_error(static_cast<std::uint8_t>(err - MODBUS_ENOBASE), where);
  if (err == ETIMEDOUT || err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS)
    return make_error("modbus_timeout",
                      fmt::format("{}: no answer within {} ms", where, resource_.timeout.count()));
  if (err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == ECONNRESET ||
      err == EPIPE || err == ENOTCONN || err == EBADF)
    return make_error("modbus_unreachable", fmt::format("{}: {}", where, modbus_strerror(err)));
  return make_error("modbus_bad_answer", fmt::format("{}: {}", where, modbus_strerror(err)));
}

Status ModbusCoilDriver::connect() {
  if (ctx_->connected) return ok_status();
  ctx_ = std::make_unique<Context>();
  const std::string port = std::to_string(resource_.port);
  ctx_->ctx = modbus_new_tcp_pi(resource_.host.c_str(), port.c_str());
  if (ctx_->ctx == nullptr)
    return make_error("modbus_unreachable",
                      fmt::format("{}: {}", describe(resource_), modbus_strerror(errno)));
  modbus_set_slave(ctx_->ctx, resource_.unit_id);
  const auto ms = resource_.timeout.count();
  modbus_set_response_timeout(ctx_->ctx, static_cast<std::uint32_t>(ms / 1000),
                              static_cast<std::uint32_t>((ms % 1000) * 1000));
  if (modbus_connect(ctx_->ctx) != 0) {
    const int err = errno;
    Error e = error_from_errno("connecting to", err);
    if (e.code == "modbus_bad_answer") e.code = "modbus_unreachable";
    ctx_ = std::make_unique<Context>();
    return e;
  }
  ctx_->connected = true;
  return ok_status();
}

Status ModbusCoilDriver::set(bool energised) {
  if (auto st = connect(); !st) return st;
  if (modbus_write_bit(ctx_->ctx, resource_.coil, energised ? TRUE : FALSE) == 1)
    return ok_status();
  const int err = errno;
  Error e = error_from_errno(energised ? "energising" : "releasing", err);
  // After anything but a clean exception the stream may be out of step: start afresh.
  if (e.code == "modbus_timeout" || e.code == "modbus_unreachable" || e.code == "modbus_bad_answer")
    disconnect();
  return e;
}

Result<bool> ModbusCoilDriver::get() {
  if (auto st = connect(); !st) return st.error();
  std::uint8_t bit = 0;
  if (modbus_read_bits(ctx_->ctx, resource_.coil, 1, &bit) == 1) return bit != 0;
  const int err = errno;
  Error e = error_from_errno("reading", err);
  if (e.code == "modbus_timeout" || e.code == "modbus_unreachable" || e.code == "modbus_bad_answer")
    disconnect();
  return e;
}

}  // namespace hemsrig::bench
