#include "sim/net/netns_port_forward.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace hemsrig::sim {

namespace {

using boost::asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kChunk = 16 * 1024;

}  // namespace

// One relayed connection: `down` from the host in the namespace, `up` to the service.
struct RelayedConnection {
  RelayedConnection(boost::asio::io_context& io, tcp::socket&& accepted)
      : down(std::move(accepted)), up(io) {}
  tcp::socket down;
  tcp::socket up;
  std::array<char, kChunk> to_service{}, to_host{};
  int directions_done = 0;  // each direction ends at EOF: the link closes after both

  void close() {
    error_code ignored;
    down.close(ignored);
    up.close(ignored);
  }
};

struct NetnsPortForward::State {
  explicit State(boost::asio::io_context& i) : io(i), acceptor(i) {}
  boost::asio::io_context& io;
  tcp::acceptor acceptor;
  tcp::endpoint target;
  NetnsPortForwardCounters counters;
  std::map<std::uint64_t, std::weak_ptr<RelayedConnection>> links;
  std::uint64_t next_link = 1;
  bool closed = false;
};

namespace {

using State = NetnsPortForward::State;

// Copies `from` to `to` until EOF (then half-closes `to`) or an error (then closes both).
void pump(const std::shared_ptr<State>& state, const std::shared_ptr<RelayedConnection>& link,
          std::uint64_t id, tcp::socket& from, tcp::socket& to, std::array<char, kChunk>& buf) {
  from.async_read_some(boost::asio::buffer(buf),
                       [state, link, id, &from, &to, &buf](const error_code& ec, std::size_t n) {
                         if (state->closed) return;
                         if (ec) {
                           error_code ignored;
                           if (ec == boost::asio::error::eof && ++link->directions_done < 2) {
                             to.shutdown(tcp::socket::shutdown_send, ignored);
                             return;
                           }
                           link->close();
                           state->links.erase(id);
                           return;
                         }
                         boost::asio::async_write(to, boost::asio::buffer(buf.data(), n),
                                                  [state, link, id, &from, &to, &buf](
                                                      const error_code& wec, std::size_t) {
                                                    if (state->closed) return;
                                                    if (wec) {
                                                      link->close();
                                                      state->links.erase(id);
                                                      return;
                                                    }
                                                    pump(state, link, id, from, to, buf);
                                                  });
                       });
}

void accept_next(const std::shared_ptr<State>& state) {
  state->acceptor.async_accept([state](const error_code& ec, tcp::socket socket) {
    if (state->closed || ec == boost::asio::error::operation_aborted) return;
    if (!ec) {
      ++state->counters.connections;
      auto link = std::make_shared<RelayedConnection>(state->io, std::move(socket));
      const std::uint64_t id = state->next_link++;
      state->links[id] = link;
      link->up.async_connect(state->target, [state, link, id](const error_code& cec) {
        if (state->closed) return;
        if (cec) {
          // The service is not there: reset the host's connection, as a refused connect would.
          ++state->counters.refused;
          error_code ignored;
          link->down.set_option(boost::asio::socket_base::linger(true, 0), ignored);
          link->close();
          state->links.erase(id);
          return;
        }
        ++state->counters.relayed;
        pump(state, link, id, link->down, link->up, link->to_service);
        pump(state, link, id, link->up, link->down, link->to_host);
      });
    }
    accept_next(state);
  });
}

}  // namespace

Result<std::unique_ptr<NetnsPortForward>> NetnsPortForward::create(Engine& engine,
                                                                   const NetworkNamespace& ns,
                                                                   tcp::endpoint listen_at,
                                                                   tcp::endpoint target) {
  const std::string where =
      listen_at.address().to_string() + ":" + std::to_string(listen_at.port()) + " in " + ns.name();
  auto fd = ns.open_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (!fd) return fd.error();
  int one = 1;
  ::setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(listen_at.port());
  local.sin_addr.s_addr = htonl(listen_at.address().to_v4().to_uint());
  if (::bind(*fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    const int e = errno;
    ::close(*fd);
    if (e == EADDRINUSE) return make_error("address_in_use", where + " is in use");
    return make_error("bind_failed", "cannot listen on " + where + ": " + std::strerror(e));
  }
  if (::listen(*fd, SOMAXCONN) != 0) {
    const int e = errno;
    ::close(*fd);
    return make_error("bind_failed", "cannot listen on " + where + ": " + std::strerror(e));
  }
  auto state = std::make_shared<State>(engine.io());
  state->target = target;
  error_code ec;
  state->acceptor.assign(tcp::v4(), *fd, ec);
  if (ec) {
    ::close(*fd);
    return make_error("socket_failed", where + ": " + ec.message());
  }
  const tcp::endpoint bound = state->acceptor.local_endpoint(ec);
  if (ec) return make_error("socket_failed", where + ": " + ec.message());
  accept_next(state);
  return std::unique_ptr<NetnsPortForward>(new NetnsPortForward(bound, target, state));
}

NetnsPortForward::~NetnsPortForward() {
  state_->closed = true;  // pending handlers complete aborted and do nothing
  error_code ignored;
  state_->acceptor.close(ignored);
  for (auto& [id, weak] : state_->links) {
    if (auto link = weak.lock()) link->close();
  }
  state_->links.clear();
}

const NetnsPortForwardCounters& NetnsPortForward::counters() const {
  return state_->counters;
}

}  // namespace hemsrig::sim
