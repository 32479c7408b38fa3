#include "devices/bench/bench_server.hpp"

#include <modbus/modbus.h>

#include <array>
#include <cstring>
#include <optional>

#include <boost/asio/ip/tcp.hpp>

#include "devices/bench/register_map.hpp"

namespace hemsrig::bench {

namespace net = boost::asio;
using net::ip::tcp;

namespace {

constexpr std::size_t kMbapLength = 7;  // transaction id, protocol id, length, unit id

class Session;

}  // namespace

struct ModbusBench::Impl {
  explicit Impl(ModbusBench& o) : owner(o) {}
  ~Impl() {
    if (mapping != nullptr) modbus_mapping_free(mapping);
  }

  // Answers one well-framed request (MBAP header + PDU) on `ctx`'s socket.
  // False when the answer could not be sent (the connection is then closed).
  bool answer(modbus_t* ctx, const std::uint8_t* adu, std::size_t length);
  void accept();
  void sample_all();
  void sample_tick();
  void rebuild_mapping();
  void refresh_coils();
  void refresh_inputs();
  // Applies a coil write ahead of libmodbus's reply; the exception to answer
  // instead, if any. A request libmodbus will refuse anyway is left to it.
  std::optional<std::uint8_t> apply_coil_write(std::span<const std::uint8_t> pdu);
  bool switch_channel(std::size_t coil, bool on);
  bool reply_exception(modbus_t* ctx, const std::uint8_t* adu, std::uint8_t code) {
    ++owner.counters_.exceptions;
    return modbus_reply_exception(ctx, adu, code) >= 0;
  }

  void count_bad_frame() { ++owner.counters_.bad_frames; }

  ModbusBench& owner;
  std::optional<tcp::acceptor> acceptor;
  tcp::endpoint endpoint;
  modbus_mapping_t* mapping = nullptr;
  bool mapping_dirty = true;
  std::vector<std::weak_ptr<Session>> sessions;
  sim::TimerId sample_timer = 0;
};

namespace {

// One client connection: reads whole ADUs out of a byte stream and has the
// bench answer each, in order, on the same socket.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ModbusBench::Impl* bench)
      : socket_(std::move(socket)), bench_(bench), ctx_(modbus_new_tcp("127.0.0.1", 502)) {
    if (ctx_ != nullptr) modbus_set_socket(ctx_, socket_.native_handle());
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);  // read_some after a readiness wait never blocks
  }
  ~Session() {
    if (ctx_ != nullptr) modbus_free(ctx_);  // modbus_free leaves the socket to Asio
  }

  void start() {
    if (ctx_ == nullptr) return close();
    read();
  }
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  bool closed() const { return closed_; }

 private:
  // Waits for readability, then reads what is there without blocking: one recv per burst,
  // where async_read_some would first try a recv that finds nothing after every answer.
  void read() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                         self->on_readable(ec);
                       });
  }

  void on_readable(const boost::system::error_code& ec) {
    if (closed_) return;  // the bench stopped: it may be gone
    if (ec) return close();
    boost::system::error_code rec;
    const std::size_t n =
        socket_.read_some(net::buffer(buf_.data() + have_, buf_.size() - have_), rec);
    if (rec == net::error::would_block) return read();
    if (rec || n == 0) return close();
    have_ += n;
    std::size_t at = 0;
    while (have_ - at >= kMbapLength) {
      const std::uint8_t* adu = buf_.data() + at;
      const unsigned protocol = (adu[2] << 8) | adu[3];
      const unsigned length = (adu[4] << 8) | adu[5];  // unit id + PDU
      // Not Modbus TCP (or a PDU that cannot exist): nothing to answer, the stream is lost.
      if (protocol != 0 || length < 2 || length > MODBUS_MAX_PDU_LENGTH + 1) {
        bench_->count_bad_frame();
        return close();
      }
      if (have_ - at < 6 + length) break;
      if (!bench_->answer(ctx_, adu, 6 + length)) return close();
      at += 6 + length;
    }
    if (at > 0) {
      std::memmove(buf_.data(), buf_.data() + at, have_ - at);
      have_ -= at;
    }
    read();
  }

  tcp::socket socket_;
  ModbusBench::Impl* bench_;
  modbus_t* ctx_;
  std::array<std::uint8_t, 4096> buf_{};
  std::size_t have_ = 0;
  bool closed_ = false;
};

}  // namespace

ModbusBench::ModbusBench(sim::Engine& engine, BenchOptions options)
    : engine_(engine), options_(std::move(options)), impl_(std::make_shared<Impl>(*this)) {}

ModbusBench::~ModbusBench() {
  stop();
}

Result<std::size_t> ModbusBench::add_channel(std::unique_ptr<PowerChannel> channel) {
  if (channels_.size() >= kMaxChannels)
    return make_error("too_many_channels",
                      "the bench has room for " + std::to_string(kMaxChannels) +
                          " channels (6 input registers each in a 16-bit address space)");
  if (coil_of(channel->name()) >= 0)
    return make_error("duplicate_channel",
                      "the bench already has a channel named '" + channel->name() + "'");
  channel->sample(engine_.now());
  channels_.push_back(std::move(channel));
  impl_->mapping_dirty = true;
  return channels_.size() - 1;
}

int ModbusBench::coil_of(const std::string& name) const {
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    if (channels_[i]->name() == name) return static_cast<int>(i);
  }
  return -1;
}

Status ModbusBench::listen() {
  if (impl_->acceptor)
    return make_error("already_listening", "the bench already listens on " + endpoint());
  boost::system::error_code ec;
  const auto ip = net::ip::make_address(options_.address, ec);
  if (ec) return make_error("invalid_address", "'" + options_.address + "' is not an IP address");
  const tcp::endpoint wanted{ip, options_.port};
  const std::string where = options_.address + ":" + std::to_string(options_.port);
  tcp::acceptor acceptor(engine_.io());
  acceptor.open(wanted.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(wanted, ec);
  if (ec == net::error::address_in_use)
    return make_error("address_in_use", where + " is in use by another socket");
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error("bind_failed", "cannot listen on " + where + ": " + ec.message());
  impl_->endpoint = acceptor.local_endpoint(ec);
  impl_->acceptor.emplace(std::move(acceptor));
  impl_->rebuild_mapping();
  impl_->accept();
  impl_->sample_all();
  impl_->sample_timer =
      engine_.after(options_.sample_period, [impl = impl_.get()] { impl->sample_tick(); });
  return ok_status();
}

void ModbusBench::stop() {
  if (impl_->acceptor) {
    boost::system::error_code ec;
    impl_->acceptor->close(ec);
    impl_->acceptor.reset();
    engine_.cancel(impl_->sample_timer);
  }
  for (auto& weak : impl_->sessions) {
    if (auto s = weak.lock()) s->close();
  }
  impl_->sessions.clear();
}

bool ModbusBench::listening() const {
  return impl_->acceptor.has_value();
}

std::uint16_t ModbusBench::port() const {
  return impl_->endpoint.port();
}

std::string ModbusBench::endpoint() const {
  return impl_->endpoint.address().to_string() + ":" + std::to_string(impl_->endpoint.port());
}

void ModbusBench::Impl::accept() {
  acceptor->async_accept([weak = std::weak_ptr<Impl>(owner.impl_)](
                             const boost::system::error_code& ec, tcp::socket socket) {
    auto self = weak.lock();
    if (!self || !self->acceptor) return;  // stopped meanwhile
    if (!ec) {
      std::erase_if(self->sessions, [](const std::weak_ptr<Session>& s) {
        auto p = s.lock();
        return !p || p->closed();
      });
      if (self->sessions.size() >= self->owner.options_.max_clients) {
        ++self->owner.counters_.refused_clients;
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        ++self->owner.counters_.clients;
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto s = std::make_shared<Session>(std::move(socket), self.get());
        self->sessions.push_back(s);
        s->start();
      }
    }
    self->accept();
  });
}

void ModbusBench::Impl::sample_all() {
  const sim::Time now = owner.engine_.now();
  for (auto& c : owner.channels_) c->sample(now);
}

void ModbusBench::Impl::sample_tick() {
  sample_all();
  sample_timer = owner.engine_.after(owner.options_.sample_period, [this] { sample_tick(); });
}

void ModbusBench::Impl::rebuild_mapping() {
  if (mapping != nullptr) modbus_mapping_free(mapping);
  const int n = static_cast<int>(owner.channels_.size());
  // No discrete inputs: reading them is an illegal data address.
  mapping =
      modbus_mapping_new_start_address(0, n, 0, 0, 0, kHoldingCount, 0, n * kRegistersPerChannel);
  mapping->tab_registers[kHoldingMapVersion] = kMapVersion;
  mapping->tab_registers[kHoldingChannelCount] = static_cast<std::uint16_t>(n);
  mapping->tab_registers[kHoldingRegistersPerChannel] = kRegistersPerChannel;
  mapping->tab_registers[kHoldingUnitId] = owner.options_.unit_id;
  mapping_dirty = false;
}

void ModbusBench::Impl::refresh_coils() {
  for (std::size_t i = 0; i < owner.channels_.size(); ++i)
    mapping->tab_bits[i] = owner.channels_[i]->is_on() ? 1 : 0;
}

void ModbusBench::Impl::refresh_inputs() {
  sample_all();
  for (std::size_t i = 0; i < owner.channels_.size(); ++i) {
    const PowerChannel& c = *owner.channels_[i];
    std::uint16_t* regs = mapping->tab_input_registers + i * kRegistersPerChannel;
    put_s32(regs + kPowerW, watts_register_value(c.power_w()));
    put_u32(regs + kEnergyWh, watt_hours_register_value(c.energy_wh()));
    put_u32(regs + kSuppliedWh, watt_hours_register_value(c.supplied_wh()));
  }
}

bool ModbusBench::Impl::switch_channel(std::size_t coil, bool on) {
  PowerChannel& c = *owner.channels_[coil];
  if (c.is_on() == on) return true;
  const sim::Time now = owner.engine_.now();
  c.sample(now);  // the power before the switch counts up to now
  Status st = ok_status();
  if (on) {
    st = c.on();
  } else {
    c.off();
  }
  c.sample(now);
  ++owner.counters_.switches;
  if (owner.switch_listener_) owner.switch_listener_(c, on, st);
  return st.ok();
}

std::optional<std::uint8_t> ModbusBench::Impl::apply_coil_write(std::span<const std::uint8_t> pdu) {
  const std::size_t n = owner.channels_.size();
  const std::size_t address = (pdu[1] << 8) | pdu[2];
  bool all_ok = true;
  if (pdu[0] == MODBUS_FC_WRITE_SINGLE_COIL) {
    const unsigned value = (pdu[3] << 8) | pdu[4];
    if (address >= n || (value != 0xFF00 && value != 0x0000)) return std::nullopt;
    all_ok = switch_channel(address, value == 0xFF00);
  } else {
    const std::size_t quantity = (pdu[3] << 8) | pdu[4];
    const std::size_t bytes = pdu[5];
    if (quantity < 1 || quantity > MODBUS_MAX_WRITE_BITS || bytes * 8 < quantity ||
        address + quantity > n)
      return std::nullopt;
    for (std::size_t i = 0; i < quantity; ++i) {
      const bool on = (pdu[6 + i / 8] >> (i % 8)) & 1;
      if (!switch_channel(address + i, on)) all_ok = false;
    }
  }
  refresh_coils();
  if (!all_ok) return kServerDeviceFailure;
  return std::nullopt;
}

bool ModbusBench::Impl::answer(modbus_t* ctx, const std::uint8_t* adu, std::size_t length) {
  ++owner.counters_.requests;
  if (mapping_dirty) rebuild_mapping();
  const std::uint8_t unit = adu[6];
  if (unit != owner.options_.unit_id && unit != 0 && unit != 0xFF)
    return reply_exception(ctx, adu, kGatewayTargetFailed);
  const std::span<const std::uint8_t> pdu(adu + kMbapLength, length - kMbapLength);
  if (!request_length_ok(pdu)) return reply_exception(ctx, adu, kIllegalDataValue);
  switch (pdu[0]) {
    case MODBUS_FC_READ_COILS:
      refresh_coils();
      break;
    case MODBUS_FC_READ_INPUT_REGISTERS:
      refresh_inputs();
      break;
    case MODBUS_FC_WRITE_SINGLE_COIL:
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
      if (auto code = apply_coil_write(pdu)) return reply_exception(ctx, adu, *code);
      break;
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
    case MODBUS_FC_MASK_WRITE_REGISTER:
    case MODBUS_FC_WRITE_AND_READ_REGISTERS:
      // The holding registers describe the map; nothing here is writable.
      return reply_exception(ctx, adu, kIllegalFunction);
    default:
      break;
  }
  return modbus_reply(ctx, adu, static_cast<int>(length), mapping) >= 0;
}

}  // namespace hemsrig::bench
