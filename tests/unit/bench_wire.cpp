#include "bench_wire.hpp"

#include <boost/asio/write.hpp>

namespace hemsrig::testing {

using boost::asio::ip::tcp;

ModbusWire::ModbusWire(sim::Engine& engine, std::uint16_t port, std::uint8_t unit)
    : engine_(engine), socket_(io_), unit_(unit) {
  socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  socket_.set_option(tcp::no_delay(true));
  socket_.non_blocking(true);
}

void ModbusWire::send_raw(const std::vector<std::uint8_t>& bytes) {
  socket_.non_blocking(false);
  boost::asio::write(socket_, boost::asio::buffer(bytes));
  socket_.non_blocking(true);
}

void ModbusWire::receive_available() {
  std::uint8_t buf[1024];
  for (int i = 0; i < 64 && !eof_; ++i) {  // bounded: at most 64 KiB per pump
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(buf), ec);
    if (ec == boost::asio::error::would_block) return;
    if (ec) {
      eof_ = true;  // closed or reset by the bench
      return;
    }
    in_.insert(in_.end(), buf, buf + n);
  }
}

template <typename Done>
bool ModbusWire::pump(Done done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    receive_available();
    if (done()) return true;
    engine_.run_until(
        [&] {
          receive_available();
          return done();
        },
        std::chrono::milliseconds(1));
    if (done()) return true;
  }
  return done();
}

std::optional<std::vector<std::uint8_t>> ModbusWire::request(const std::vector<std::uint8_t>& pdu,
                                                             int unit,
                                                             std::chrono::milliseconds timeout) {
  const std::uint16_t tid = tid_++;
  std::vector<std::uint8_t> adu{static_cast<std::uint8_t>(tid >> 8),
                                static_cast<std::uint8_t>(tid & 0xFF),
                                0,
                                0,
                                static_cast<std::uint8_t>((pdu.size() + 1) >> 8),
                                static_cast<std::uint8_t>((pdu.size() + 1) & 0xFF),
                                unit < 0 ? unit_ : static_cast<std::uint8_t>(unit)};
  adu.insert(adu.end(), pdu.begin(), pdu.end());
  send_raw(adu);
  auto a = next_answer(timeout);
  if (!a || a->tid != tid) return std::nullopt;
  return std::move(a->pdu);
}

std::optional<ModbusWire::Answer> ModbusWire::next_answer(std::chrono::milliseconds timeout) {
  auto complete = [&] {
    if (in_.size() < 7) return eof_;
    const std::size_t len = (in_[4] << 8) | in_[5];
    return in_.size() >= 6 + len || eof_;
  };
  pump(complete, timeout);
  if (in_.size() < 7) return std::nullopt;
  const std::size_t len = (in_[4] << 8) | in_[5];
  if (in_.size() < 6 + len || len < 2) return std::nullopt;
  Answer a;
  a.tid = static_cast<std::uint16_t>((in_[0] << 8) | in_[1]);
  a.pdu.assign(in_.begin() + 7, in_.begin() + 6 + len);
  in_.erase(in_.begin(), in_.begin() + 6 + len);
  return a;
}

bool ModbusWire::closed_by_bench(std::chrono::milliseconds timeout) {
  return pump([&] { return eof_; }, timeout);
}

std::optional<std::vector<bool>> ModbusWire::read_coils(std::uint16_t address,
                                                        std::uint16_t count) {
  auto a = request(
      {0x01, static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address & 0xFF),
       static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count & 0xFF)});
  if (!a || a->size() < 2 || (*a)[0] != 0x01) return std::nullopt;
  std::vector<bool> out;
  for (std::uint16_t i = 0; i < count; ++i) out.push_back(((*a)[2 + i / 8] >> (i % 8)) & 1);
  return out;
}

std::optional<std::vector<std::uint16_t>> ModbusWire::read_input_registers(std::uint16_t address,
                                                                           std::uint16_t count) {
  auto a = request(
      {0x04, static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address & 0xFF),
       static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count & 0xFF)});
  if (!a || a->size() != 2u + 2u * count || (*a)[0] != 0x04) return std::nullopt;
  std::vector<std::uint16_t> out;
  for (std::uint16_t i = 0; i < count; ++i)
    out.push_back(static_cast<std::uint16_t>(((*a)[2 + 2 * i] << 8) | (*a)[3 + 2 * i]));
  return out;
}

bool ModbusWire::write_coil(std::uint16_t address, bool on) {
  const std::vector<std::uint8_t> pdu{0x05, static_cast<std::uint8_t>(address >> 8),
                                      static_cast<std::uint8_t>(address & 0xFF),
                                      static_cast<std::uint8_t>(on ? 0xFF : 0x00), 0x00};
  auto a = request(pdu);
  return a && *a == pdu;  // a write is echoed
}

}  // namespace hemsrig::testing
