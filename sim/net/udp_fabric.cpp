#include "sim/net/udp_fabric.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

#include <boost/asio/buffer.hpp>

namespace hemsrig::sim {

namespace {

using boost::asio::ip::udp;
using boost::system::error_code;

constexpr std::size_t kReceiveBufferSize = 64 * 1024;  // any UDP datagram, never truncated

bool is_out_of_descriptors(const error_code& ec) {
  return ec.value() == EMFILE || ec.value() == ENFILE;
}

// A 10,000-node world needs 10,000 sockets: lift the soft limit to the hard one, once a process.
void raise_open_file_limit_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);  // best effort: open() reports when it runs out
  });
}

Error too_many_open_files(const std::string& what) {
  rlimit limit{};
  std::string limits;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limits = " (open file limit " + std::to_string(limit.rlim_cur) + ", hard limit " +
             std::to_string(limit.rlim_max) + ")";
  }
  return make_error("too_many_open_files",
                    "cannot open a socket for " + what + ": too many open files" + limits +
                        "; every node needs one socket: raise the limit with `ulimit -n` or "
                        "run fewer nodes");
}

Error socket_error(const std::string& code, const std::string& what, const error_code& ec) {
  return make_error(code, what + ": " + ec.message());
}

// True when a UDP socket of this network namespace is bound to exactly address:port (not to the
// wildcard). Asks the kernel through sock_diag with a bytecode filter, so only matches come
// back; nullopt when the kernel cannot tell (no sock_diag).
std::optional<bool> exact_udp_binding_exists(Ipv4 address, std::uint16_t port) {
  const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return std::nullopt;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const timeval timeout{1, 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));

  // nlmsghdr | inet_diag_req_v2 | nlattr(bytecode) | bc_op | hostcond | IPv4 address
  constexpr std::size_t kCondLen = sizeof(inet_diag_bc_op) + sizeof(inet_diag_hostcond) + 4;
  constexpr std::size_t kLen =
      sizeof(nlmsghdr) + sizeof(inet_diag_req_v2) + sizeof(nlattr) + kCondLen;
  std::array<std::uint8_t, kLen> request{};
  std::uint8_t* p = request.data();
  nlmsghdr header{};
  header.nlmsg_len = kLen;
  header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  std::memcpy(p, &header, sizeof(header));
  p += sizeof(header);
  inet_diag_req_v2 req{};
  req.sdiag_family = AF_INET;
  req.sdiag_protocol = IPPROTO_UDP;
  req.idiag_states = ~0u;
  std::memcpy(p, &req, sizeof(req));
  p += sizeof(req);
  nlattr attr{};
  attr.nla_len = sizeof(nlattr) + kCondLen;
  attr.nla_type = INET_DIAG_REQ_BYTECODE;
  std::memcpy(p, &attr, sizeof(attr));
  p += sizeof(attr);
  // One condition: accept (jump to the end) when it holds, reject (jump past the end) if not.
  inet_diag_bc_op op{};
  op.code = INET_DIAG_BC_S_COND;
  op.yes = kCondLen;
  op.no = kCondLen + 4;
  std::memcpy(p, &op, sizeof(op));
  p += sizeof(op);
  inet_diag_hostcond cond{};
  cond.family = AF_INET;
  cond.prefix_len = 32;
  cond.port = port;
  std::memcpy(p, &cond, sizeof(cond));
  p += sizeof(cond);
  const std::uint32_t be_address = htonl(address.to_uint());
  std::memcpy(p, &be_address, 4);

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    return std::nullopt;
  }
  bool found = false;
  alignas(nlmsghdr) std::array<std::uint8_t, 16384> reply{};
  for (int reads = 0; reads < 1000; ++reads) {  // a dump of matches only: a read or two
    const ssize_t n = ::recv(fd, reply.data(), reply.size(), 0);
    if (n < 0) return std::nullopt;
    int left = static_cast<int>(n);
    for (auto* msg = reinterpret_cast<nlmsghdr*>(reply.data()); NLMSG_OK(msg, left);
         msg = NLMSG_NEXT(msg, left)) {
      if (msg->nlmsg_type == NLMSG_DONE) return found;
      if (msg->nlmsg_type == NLMSG_ERROR) return std::nullopt;
      if (msg->nlmsg_type == SOCK_DIAG_BY_FAMILY) found = true;
    }
  }
  return std::nullopt;
}

struct InterfaceInfo {
  std::vector<Ipv4> addresses;  // first: the address multicast leaves from and is joined on
  unsigned index = 0;
  bool loopback = false;  // `lo`: all of 127/8 is local, not only the listed 127.0.0.1
};

Result<InterfaceInfo> resolve_interface(const std::string& name) {
  InterfaceInfo info;
  info.index = ::if_nametoindex(name.c_str());
  if (info.index == 0) {
    return make_error("interface_not_found", "no network interface named \"" + name + "\"");
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return make_error("interface_not_found",
                      "cannot list the addresses of \"" + name + "\": " + std::strerror(errno));
  }
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || name != a->ifa_name) {
      continue;
    }
    if ((a->ifa_flags & IFF_LOOPBACK) != 0) info.loopback = true;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    info.addresses.emplace_back(ntohl(in->sin_addr.s_addr));
  }
  ::freeifaddrs(list);
  if (info.addresses.empty()) {
    return make_error("interface_has_no_ipv4", "interface \"" + name + "\" has no IPv4 address");
  }
  return info;
}

// IP_MULTICAST_IF / IP_ADD_MEMBERSHIP by address and, on a named interface, by index.
ip_mreqn interface_request(Ipv4 group, Ipv4 interface_address, unsigned interface_index) {
  ip_mreqn r{};
  r.imr_multiaddr.s_addr = htonl(group.to_uint());
  r.imr_address.s_addr = htonl(interface_address.to_uint());
  r.imr_ifindex = static_cast<int>(interface_index);
  return r;
}

bool set_int_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

}  // namespace

struct UdpFabric::Port {
  Port(boost::asio::io_context& io, Ipv4 a, Receiver r)
      : socket(io), address(a), receiver(std::move(r)) {}
  Socket socket;
  Ipv4 address;
  Receiver receiver;
};

Result<std::unique_ptr<UdpFabric>> UdpFabric::create(Engine& engine, UdpFabricOptions options) {
  raise_open_file_limit_once();
  Ipv4 interface_address = Ipv4::loopback();
  unsigned interface_index = 0;  // loopback: by address, as verified with 127.0.0.1
  std::vector<Ipv4> interface_addresses;
  bool loopback = options.interface_name.empty();
  if (!options.interface_name.empty()) {
    auto info = resolve_interface(options.interface_name);
    if (!info) return info.error();
    interface_address = info->addresses.front();
    interface_index = info->index;
    interface_addresses = std::move(info->addresses);
    loopback = info->loopback;
  }
  std::unique_ptr<UdpFabric> fabric(
      new UdpFabric(engine, std::move(options), interface_address, interface_index));
  fabric->interface_addresses_ = std::move(interface_addresses);
  fabric->loopback_ = loopback;
  if (auto s = fabric->open_multicast_socket(); !s) return s.error();
  return fabric;
}

UdpFabric::UdpFabric(Engine& engine, UdpFabricOptions options, Ipv4 interface_address,
                     unsigned interface_index)
    : Fabric(engine, UdpEndpoint{options.multicast_group, options.port}),
      engine_(engine),
      options_(std::move(options)),
      interface_address_(interface_address),
      interface_index_(interface_index),
      buffer_(kReceiveBufferSize),
      alive_(std::make_shared<int>(0)) {}

UdpFabric::~UdpFabric() {
  alive_.reset();  // pending handlers complete later with operation_aborted and see this first
  error_code ignored;
  for (auto& [id, port] : ports_) port->socket.close(ignored);
  if (multicast_socket_) multicast_socket_->close(ignored);
}

Status UdpFabric::open_multicast_socket() {
  const UdpEndpoint group = multicast_group();
  const std::string what = "the multicast socket " + to_string(group);
  auto socket = std::make_unique<Socket>(engine_.io());
  error_code ec;
  socket->open(udp::v4(), ec);
  if (ec) {
    if (is_out_of_descriptors(ec)) return too_many_open_files(what);
    return socket_error("multicast_setup_failed", what, ec);
  }
  // Shared with other hemsrig worlds and with controllers on the same host.
  socket->set_option(udp::socket::reuse_address(true), ec);
  if (!ec) socket->bind(udp::endpoint(group.address, group.port), ec);
  if (!ec) socket->non_blocking(true, ec);
  if (ec) return socket_error("multicast_setup_failed", what, ec);
  const int fd = socket->native_handle();
  const ip_mreqn join = interface_request(group.address, interface_address_, interface_index_);
  if (::setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof(join)) != 0) {
    return make_error("multicast_setup_failed", "cannot join " + group.address.to_string() +
                                                    " on " + interface_address_.to_string() + ": " +
                                                    std::strerror(errno));
  }
  // Best effort: the forced size needs CAP_NET_ADMIN, the plain one is capped by rmem_max.
  if (!set_int_option(fd, SOL_SOCKET, SO_RCVBUFFORCE, options_.multicast_receive_buffer)) {
    (void)set_int_option(fd, SOL_SOCKET, SO_RCVBUF, options_.multicast_receive_buffer);
  }
  multicast_socket_ = std::move(socket);
  arm(kMulticastSocket);
  return ok_status();
}

Status UdpFabric::check_on_interface(Ipv4 address) {
  if (loopback_) {
    if ((address.to_uint() >> 24) == 127) return ok_status();
    return make_error("address_not_on_interface",
                      address.to_string() + " is not a loopback address (127.0.0.0/8)");
  }
  auto on_interface = [&] {
    return std::find(interface_addresses_.begin(), interface_addresses_.end(), address) !=
           interface_addresses_.end();
  };
  if (on_interface()) return ok_status();
  if (auto info = resolve_interface(options_.interface_name)) {  // added since we started?
    interface_addresses_ = std::move(info->addresses);
    if (on_interface()) return ok_status();
  }
  return make_error("address_not_on_interface",
                    address.to_string() + " is not an address of " + options_.interface_name);
}

Result<PortId> UdpFabric::open(Ipv4 address, Receiver receiver) {
  const UdpEndpoint endpoint{address, options_.port};
  if (address.is_unspecified() || address.is_multicast() || address == Ipv4::broadcast()) {
    return make_error("invalid_address",
                      to_string(endpoint) + " is not a unicast address a node can own");
  }
  if (auto s = check_on_interface(address); !s) return s.error();
  const Error in_use =
      make_error("address_in_use", to_string(endpoint) + " is in use by another socket");
  if (port_by_address_.contains(address.to_uint())) return in_use;

  auto port = std::make_unique<Port>(engine_.io(), address, std::move(receiver));
  if (auto bound = bind_node_socket(port->socket, address); !bound) return bound.error();
  if (auto s = configure_sender(port->socket); !s) {
    return make_error(s.error().code, to_string(endpoint) + ": " + s.error().message);
  }
  const PortId id = next_port_++;
  port_by_address_.emplace(address.to_uint(), id);
  ports_.emplace(id, std::move(port));
  ++port_changes_;
  arm(id);
  return id;
}

Status UdpFabric::bind_node_socket(Socket& socket, Ipv4 address) {
  const udp::endpoint endpoint(address, options_.port);
  const std::string what = to_string(UdpEndpoint{address, options_.port});
  error_code ec;
  socket.open(udp::v4(), ec);
  if (ec) {
    if (is_out_of_descriptors(ec)) return too_many_open_files(what);
    return socket_error("socket_failed", what, ec);
  }
  // Exclusive first: that succeeds unless some socket holds the port on an overlapping address.
  // Then SO_REUSEADDR, so a controller may still bind 0.0.0.0:3610 (with SO_REUSEADDR) later.
  socket.bind(endpoint, ec);
  if (!ec) {
    socket.set_option(udp::socket::reuse_address(true), ec);
    if (ec) return socket_error("socket_failed", what, ec);
    return ok_status();
  }
  if (ec != boost::asio::error::address_in_use) return socket_error("bind_failed", what, ec);
  // Something overlaps: a wildcard 0.0.0.0:3610 we may share, or a socket on exactly this
  // address, which SO_REUSEADDR would let both bind and then split the unicast between them.
  const Error in_use = make_error("address_in_use", what + " is in use by another socket");
  if (exact_udp_binding_exists(address, options_.port).value_or(false)) return in_use;
  socket.set_option(udp::socket::reuse_address(true), ec);
  if (!ec) socket.bind(endpoint, ec);
  if (ec == boost::asio::error::address_in_use) return in_use;
  if (ec) return socket_error("bind_failed", what, ec);
  return ok_status();
}

Status UdpFabric::configure_sender(Socket& socket) {
  error_code ec;
  socket.non_blocking(true, ec);  // receive_from and send_to return would_block, never wait
  if (ec) return socket_error("socket_failed", "non-blocking mode", ec);
  const int fd = socket.native_handle();
  const ip_mreqn out = interface_request(Ipv4{}, interface_address_, interface_index_);
  const int ttl = options_.interface_name.empty() ? 0 : 1;  // TTL 0: never leaves the host
  if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &out, sizeof(out)) != 0 ||
      !set_int_option(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl) ||
      !set_int_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 1)) {
    return make_error("socket_failed", std::string("multicast options: ") + std::strerror(errno));
  }
  return ok_status();
}

void UdpFabric::close(PortId id) {
  auto it = ports_.find(id);
  if (it == ports_.end()) return;
  error_code ignored;
  it->second->socket.close(ignored);  // its pending wait completes aborted and finds no port
  port_by_address_.erase(it->second->address.to_uint());
  // A receiver may close its own port: keep the Port (and the running std::function) alive
  // until the dispatch that called it has returned.
  if (dispatch_depth_ > 0) closed_during_dispatch_.push_back(std::move(it->second));
  ports_.erase(it);
  ++port_changes_;
}

UdpFabric::Socket* UdpFabric::socket_of(PortId id) {
  if (id == kMulticastSocket) return multicast_socket_.get();
  auto it = ports_.find(id);
  return it == ports_.end() ? nullptr : &it->second->socket;
}

void UdpFabric::arm(PortId id) {
  Socket* socket = socket_of(id);
  if (socket == nullptr) return;
  socket->async_wait(Socket::wait_read,
                     [this, id, alive = std::weak_ptr<int>(alive_)](const error_code& ec) {
                       if (alive.expired() || ec) return;  // fabric gone, or socket closed
                       on_readable(id);
                     });
}

void UdpFabric::on_readable(PortId id) {
  ++dispatch_depth_;
  // Drain everything queued: the reactor is edge-triggered, so what is left would wait for the
  // next datagram.
  int errors = 0;
  while (Socket* socket = socket_of(id)) {
    udp::endpoint sender;
    error_code ec;
    const std::size_t n = socket->receive_from(boost::asio::buffer(buffer_), sender, 0, ec);
    if (ec == boost::asio::error::would_block) break;
    if (ec) {  // a pending socket error is reported (and cleared) by a read: read on
      if (++errors > 16) break;
      continue;
    }
    ++counters_.received;
    const UdpEndpoint from{sender.address().to_v4(), sender.port()};
    if (id == kMulticastSocket) {
      const Datagram d{from, multicast_group(), std::span<const std::uint8_t>(buffer_.data(), n)};
      notify(Direction::Received, d);
      deliver_multicast(d);
    } else {
      const Datagram d{from, UdpEndpoint{ports_.at(id)->address, options_.port},
                       std::span<const std::uint8_t>(buffer_.data(), n)};
      notify(Direction::Received, d);
      deliver_unicast(id, d);
    }
  }
  if (--dispatch_depth_ == 0) closed_during_dispatch_.clear();
  arm(id);
}

void UdpFabric::deliver_unicast(PortId id, const Datagram& d) {
  auto it = ports_.find(id);  // an observer may have closed it
  if (it == ports_.end()) return;
  ++counters_.delivered;
  it->second->receiver(d);
}

void UdpFabric::deliver_multicast(const Datagram& d) {
  // A node does not hear itself: skip the port whose own socket sent it.
  PortId sender = kMulticastSocket;
  if (d.from.port == options_.port) {
    if (auto s = port_by_address_.find(d.from.address.to_uint()); s != port_by_address_.end()) {
      sender = s->second;
    }
  }
  // Ports opened by a receiver during this fan-out do not get this datagram.
  const PortId last = next_port_ - 1;
  for (auto it = ports_.begin(); it != ports_.end() && it->first <= last;) {
    const PortId id = it->first;
    const std::uint64_t changes = port_changes_;
    if (id != sender) {
      ++counters_.delivered;
      it->second->receiver(d);
    }
    // A receiver may have opened or closed ports (and invalidated `it`): find the next by id.
    it = port_changes_ == changes ? std::next(it) : ports_.upper_bound(id);
  }
}

void UdpFabric::send(PortId from, const UdpEndpoint& to, std::span<const std::uint8_t> bytes) {
  auto it = ports_.find(from);
  if (it == ports_.end()) {
    ++counters_.send_errors;
    return;
  }
  error_code ec;
  it->second->socket.send_to(boost::asio::buffer(bytes.data(), bytes.size()),
                             udp::endpoint(to.address, to.port), 0, ec);
  if (!ec) {
    ++counters_.sent;
    notify(Direction::Sent, Datagram{UdpEndpoint{it->second->address, options_.port}, to, bytes});
  } else if (ec == boost::asio::error::would_block || ec == boost::asio::error::no_buffer_space) {
    ++counters_.dropped;  // the kernel's queue is full: drop, as a busy network would
  } else {
    ++counters_.send_errors;
  }
}

std::string UdpFabric::describe() const {
  const std::string where =
      options_.interface_name.empty()
          ? std::string("loopback")
          : options_.interface_name + " (" + interface_address_.to_string() + ")";
  return "udp " + where + " " + to_string(multicast_group());
}

}  // namespace hemsrig::sim
