#include "sim/net/netns_fabric.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <boost/asio/buffer.hpp>

namespace hemsrig::sim {

namespace {

using boost::asio::ip::udp;
using boost::system::error_code;

constexpr std::size_t kReceiveBufferSize = 64 * 1024;  // any UDP datagram, never truncated
constexpr const char* kBridge = "br0";
constexpr const char* kNodeInterface = "eth0";

// hemsrig-<pid>-<k>: k counts the fabrics of this process, so two worlds in one process
// (pytest, --jobs) never share a name.
std::string namespace_stem() {
  static std::atomic<unsigned> fabrics{0};
  return std::string(kNamespacePrefix) + std::to_string(::getpid()) + "-" +
         std::to_string(fabrics++);
}

bool set_int_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

std::uint32_t netmask(int prefix_length) {
  return prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_length);
}

}  // namespace

// A host: a namespace with one veth ("eth0") into the bridge, carrying one address.
struct NetnsFabric::Host {
  NetworkNamespace ns;
  bool device_under_test = false;  // made by add_host: no node of ours may open here
};

// A node's two sockets in its host: unicast at address:3610 (it also sends from there) and
// the group, joined on eth0.
struct NetnsFabric::Port {
  Ipv4 address;
  Receiver receiver;
  std::unique_ptr<Socket> unicast;
  std::unique_ptr<Socket> multicast;
};

Result<std::unique_ptr<NetnsFabric>> NetnsFabric::create(Engine& engine,
                                                         NetnsFabricOptions options) {
  if (auto s = netns_support(); !s) return s.error();
  if (options.prefix_length < 8 || options.prefix_length > 30 ||
      (options.network.to_uint() & ~netmask(options.prefix_length)) != 0) {
    return make_error("invalid_network", options.network.to_string() + "/" +
                                             std::to_string(options.prefix_length) +
                                             " is not a network of /8 to /30");
  }
  (void)remove_stale_namespaces();
  std::string stem = namespace_stem();
  auto bridge = NetworkNamespace::create(stem + "-br");
  if (!bridge) return bridge.error();
  std::unique_ptr<NetnsFabric> fabric(
      new NetnsFabric(engine, std::move(options), std::move(stem), std::move(*bridge)));
  const std::string prefix = "/" + std::to_string(fabric->options_.prefix_length);
  // No multicast snooping: the bridge floods the group to every port and to its own stack,
  // so a device under test hears it whether or not it sends IGMP reports.
  if (auto s = fabric->bridge_->configure(
          {std::string("link add ") + kBridge + " type bridge mcast_snooping 0",
           "addr add " + fabric->bridge_address_.to_string() + prefix + " dev " + kBridge,
           std::string("link set ") + kBridge + " up",
           std::string("route add 224.0.0.0/4 dev ") + kBridge});
      !s) {
    return make_error("netns_unavailable",
                      "cannot create the fabric's bridge (is the kernel's "
                      "bridge module available?): " +
                          s.error().message);
  }
  auto monitor = fabric->open_udp(*fabric->bridge_, fabric->options_.multicast_group,
                                  fabric->bridge_address_, true);
  if (!monitor) return monitor.error();
  fabric->monitor_ = std::move(*monitor);
  fabric->arm(*fabric->monitor_, 0, true);
  return fabric;
}

NetnsFabric::NetnsFabric(Engine& engine, NetnsFabricOptions options, std::string stem,
                         NetworkNamespace bridge)
    : Fabric(engine, UdpEndpoint{options.multicast_group, options.port}),
      engine_(engine),
      options_(std::move(options)),
      stem_(std::move(stem)),
      bridge_address_(Ipv4{(options_.network.to_uint() | ~netmask(options_.prefix_length)) - 1}),
      bridge_(std::make_unique<NetworkNamespace>(std::move(bridge))),
      buffer_(kReceiveBufferSize),
      alive_(std::make_shared<int>(0)) {}

NetnsFabric::~NetnsFabric() {
  alive_.reset();  // pending handlers complete later with operation_aborted and see this first
  forwards_.clear();
  error_code ignored;
  for (auto& [id, port] : ports_) {
    port->unicast->close(ignored);
    port->multicast->close(ignored);
  }
  ports_.clear();
  if (monitor_) monitor_->close(ignored);
  hosts_.clear();  // deletes each host's namespace (and its veth, whose peer leaves the bridge)
  bridge_.reset();
}

Result<NetnsFabric::Host*> NetnsFabric::host_for(Ipv4 address) {
  if (auto it = hosts_.find(address.to_uint()); it != hosts_.end()) return it->second.get();
  const std::uint32_t mask = netmask(options_.prefix_length);
  const std::uint32_t a = address.to_uint();
  if ((a & mask) != options_.network.to_uint() || (a & ~mask) == 0 || (a & ~mask) == ~mask ||
      address == bridge_address_) {
    return make_error("invalid_address", address.to_string() +
                                             " is not a host address of the namespace fabric's " +
                                             options_.network.to_string() + "/" +
                                             std::to_string(options_.prefix_length) + " (" +
                                             bridge_address_.to_string() + " is the bridge's)");
  }
  auto ns = NetworkNamespace::create(stem_ + "-" + address.to_string());
  if (!ns) return ns.error();
  const std::string link = "v" + std::to_string(next_link_++);
  if (auto s = bridge_->configure(
          {"link add " + link + " type veth peer name " + kNodeInterface + " netns " + ns->name(),
           "link set " + link + " master " + kBridge, "link set " + link + " up"});
      !s) {
    return s.error();
  }
  const std::string eth = kNodeInterface;
  if (auto s = ns->configure({"addr add " + address.to_string() + "/" +
                                  std::to_string(options_.prefix_length) + " dev " + eth,
                              "link set " + eth + " up", "route add 224.0.0.0/4 dev " + eth});
      !s) {
    return s.error();
  }
  auto host = std::make_unique<Host>(Host{std::move(*ns)});
  Host* h = host.get();
  hosts_.emplace(a, std::move(host));
  return h;
}

Result<std::unique_ptr<NetnsFabric::Socket>> NetnsFabric::open_udp(const NetworkNamespace& ns,
                                                                   Ipv4 bind_to,
                                                                   Ipv4 multicast_interface,
                                                                   bool join) {
  const std::string what =
      bind_to.to_string() + ":" + std::to_string(options_.port) + " in " + ns.name();
  auto fd = ns.open_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (!fd) return fd.error();
  auto fail = [&](const std::string& step) {
    const Error e = make_error("socket_failed", what + ": " + step + ": " + std::strerror(errno));
    ::close(*fd);
    return e;
  };
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(options_.port);
  local.sin_addr.s_addr = htonl(bind_to.to_uint());
  if (!set_int_option(*fd, SOL_SOCKET, SO_REUSEADDR, 1)) return fail("SO_REUSEADDR");
  if (::bind(*fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return fail("bind");
  ip_mreqn mreq{};
  mreq.imr_address.s_addr = htonl(multicast_interface.to_uint());
  if (join) {
    mreq.imr_multiaddr.s_addr = htonl(options_.multicast_group.to_uint());
    if (::setsockopt(*fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0)
      return fail("joining " + options_.multicast_group.to_string());
  } else if (::setsockopt(*fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) != 0 ||
             !set_int_option(*fd, IPPROTO_IP, IP_MULTICAST_TTL, 1) ||
             !set_int_option(*fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0)) {  // a node never hears itself
    return fail("multicast options");
  }
  auto socket = std::make_unique<Socket>(engine_.io());
  error_code ec;
  socket->assign(udp::v4(), *fd, ec);
  if (!ec) socket->non_blocking(true, ec);  // so receive_from says would_block, never waits
  if (ec) {
    ::close(*fd);
    return make_error("socket_failed", what + ": " + ec.message());
  }
  return socket;
}

Result<PortId> NetnsFabric::open(Ipv4 address, Receiver receiver) {
  if (port_by_address_.contains(address.to_uint()))
    return make_error("address_in_use", address.to_string() + ":" + std::to_string(options_.port) +
                                            " is in use by another node");
  auto host = host_for(address);
  if (!host) return host.error();
  if ((*host)->device_under_test)
    return make_error(
        "address_in_use",
        address.to_string() + " is the host of a device under test (" + (*host)->ns.name() + ")");
  auto unicast = open_udp((*host)->ns, address, address, false);
  if (!unicast) return unicast.error();
  auto multicast = open_udp((*host)->ns, options_.multicast_group, address, true);
  if (!multicast) return multicast.error();
  const PortId id = next_port_++;
  auto port = std::make_unique<Port>(
      Port{address, std::move(receiver), std::move(*unicast), std::move(*multicast)});
  arm(*port->unicast, id, false);
  arm(*port->multicast, id, true);
  ports_.emplace(id, std::move(port));
  port_by_address_.emplace(address.to_uint(), id);
  return id;
}

Result<std::string> NetnsFabric::add_host(Ipv4 address) {
  if (port_by_address_.contains(address.to_uint()))
    return make_error("address_in_use", address.to_string() + " is a node of ours");
  auto host = host_for(address);
  if (!host) return host.error();
  (*host)->device_under_test = true;
  return (*host)->ns.name();
}

Result<boost::asio::ip::tcp::endpoint> NetnsFabric::forward_tcp(
    const boost::asio::ip::tcp::endpoint& target) {
  using boost::asio::ip::tcp;
  for (const auto& f : forwards_) {
    if (f->target() == target) return f->endpoint();
  }
  const boost::asio::ip::address bridge(bridge_address_);
  auto f =
      NetnsPortForward::create(engine_, *bridge_, tcp::endpoint(bridge, target.port()), target);
  if (!f && f.error().code == "address_in_use")  // another service has that port: any other
    f = NetnsPortForward::create(engine_, *bridge_, tcp::endpoint(bridge, 0), target);
  if (!f) return f.error();
  forwards_.push_back(std::move(*f));
  return forwards_.back()->endpoint();
}

void NetnsFabric::close(PortId id) {
  auto it = ports_.find(id);
  if (it == ports_.end()) return;
  error_code ignored;  // pending waits complete aborted and find no port
  it->second->unicast->close(ignored);
  it->second->multicast->close(ignored);
  port_by_address_.erase(it->second->address.to_uint());
  // A receiver may close its own port: keep the Port (and the running std::function) alive
  // until the dispatch that called it has returned.
  if (dispatch_depth_ > 0) closed_during_dispatch_.push_back(std::move(it->second));
  ports_.erase(it);  // the host stays: a rebooting node opens the same address again
}

std::string NetnsFabric::namespace_of(Ipv4 address) const {
  auto it = hosts_.find(address.to_uint());
  return it == hosts_.end() ? std::string() : it->second->ns.name();
}

std::vector<std::string> NetnsFabric::namespaces() const {
  std::vector<std::string> names{bridge_->name()};
  for (const auto& [a, host] : hosts_) names.push_back(host->ns.name());
  return names;
}

NetnsFabric::Socket* NetnsFabric::socket_of(PortId id, bool multicast) {
  if (id == 0) return monitor_.get();
  auto it = ports_.find(id);
  if (it == ports_.end()) return nullptr;
  return multicast ? it->second->multicast.get() : it->second->unicast.get();
}

void NetnsFabric::arm(Socket& socket, PortId id, bool multicast) {
  socket.async_wait(Socket::wait_read, [this, id, multicast,
                                        alive = std::weak_ptr<int>(alive_)](const error_code& ec) {
    if (alive.expired() || ec) return;  // fabric gone, or socket closed
    on_readable(id, multicast);
  });
}

void NetnsFabric::on_readable(PortId id, bool multicast) {
  // Drain what is queued (the reactor is edge-triggered). A receiver may close its own port:
  // look the socket up again before every read.
  ++dispatch_depth_;
  int errors = 0;
  while (Socket* socket = socket_of(id, multicast)) {
    udp::endpoint sender;
    error_code ec;
    const std::size_t n = socket->receive_from(boost::asio::buffer(buffer_), sender, 0, ec);
    if (ec == boost::asio::error::would_block) break;
    if (ec) {
      if (++errors > 16) break;
      continue;
    }
    const UdpEndpoint from{sender.address().to_v4(), sender.port()};
    const std::span<const std::uint8_t> bytes(buffer_.data(), n);
    if (id == 0) {  // the bridge's copy of a group frame: observers see each one once
      ++counters_.received;
      notify(Direction::Received, Datagram{from, multicast_group(), bytes});
      continue;
    }
    auto it = ports_.find(id);
    if (multicast) {
      ++counters_.delivered;
      it->second->receiver(Datagram{from, multicast_group(), bytes});
    } else {
      ++counters_.received;
      const Datagram d{from, UdpEndpoint{it->second->address, options_.port}, bytes};
      notify(Direction::Received, d);
      if (ports_.contains(id)) {  // an observer may have closed it
        ++counters_.delivered;
        ports_.at(id)->receiver(d);
      }
    }
  }
  if (--dispatch_depth_ == 0) closed_during_dispatch_.clear();
  if (Socket* socket = socket_of(id, multicast)) arm(*socket, id, multicast);
}

void NetnsFabric::send(PortId from, const UdpEndpoint& to, std::span<const std::uint8_t> bytes) {
  auto it = ports_.find(from);
  if (it == ports_.end()) {
    ++counters_.send_errors;
    return;
  }
  error_code ec;
  it->second->unicast->send_to(boost::asio::buffer(bytes.data(), bytes.size()),
                               udp::endpoint(to.address, to.port), 0, ec);
  if (ec) {
    ++counters_.send_errors;
    return;
  }
  ++counters_.sent;
  notify(Direction::Sent, Datagram{UdpEndpoint{it->second->address, options_.port}, to, bytes});
}

std::string NetnsFabric::describe() const {
  return "netns bridge " + bridge_->name() + " " + options_.network.to_string() + "/" +
         std::to_string(options_.prefix_length) + " " + to_string(multicast_group());
}

}  // namespace hemsrig::sim
