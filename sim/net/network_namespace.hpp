// NetworkNamespace: one named Linux network namespace (/run/netns/NAME, as `ip netns add`
// makes it) that the rig creates, configures with iproute2's `ip` and removes again, so that a
// simulated node or a device under test gets a network stack (a host) of its own.
// Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN); netns_support() says why it cannot be used here.
// Names carry the creating process's pid (hemsrig-<pid>-...), so parallel runs never collide and
// a later run can remove what a killed one left (remove_stale_namespaces).
#pragma once

#include <string>
#include <vector>

#include "sim/core/result.hpp"

namespace hemsrig::sim {

// Every namespace the rig creates starts with this.
inline constexpr const char* kNamespacePrefix = "hemsrig-";

// Whether this process can create network namespaces: not when HEMSRIG_NETNS=off, without
// iproute2's `ip`, or without CAP_SYS_ADMIN and CAP_NET_ADMIN (not root). The error
// ("netns_unavailable") says which, for a skip message.
Status netns_support();

// Runs `ip ARGS...` (no shell), with `input` on its standard input (for `ip -batch -`).
// The error ("ip_failed") quotes the command and what `ip` wrote to stderr.
Status run_ip(const std::vector<std::string>& args, const std::string& input = {});

class NetworkNamespace {
 public:
  // `ip netns add NAME` with lo up. Errors: "netns_unavailable" (netns_support()), "ip_failed".
  static Result<NetworkNamespace> create(std::string name);
  ~NetworkNamespace();  // `ip netns del NAME` (which also destroys its interfaces)
  NetworkNamespace(NetworkNamespace&& other) noexcept;
  NetworkNamespace& operator=(NetworkNamespace&& other) noexcept;
  NetworkNamespace(const NetworkNamespace&) = delete;
  NetworkNamespace& operator=(const NetworkNamespace&) = delete;

  const std::string& name() const { return name_; }

  // `ip -n NAME -batch -` with one command per line ("addr add 192.168.0.1/16 dev eth0").
  Status configure(const std::vector<std::string>& commands) const;
  // A socket created inside this namespace (by a short helper thread that enters it, so the
  // caller's thread never changes namespace); the socket stays in the namespace for its life,
  // whichever thread uses it. The caller owns the descriptor.
  Result<int> open_socket(int domain, int type, int protocol) const;

 private:
  explicit NetworkNamespace(std::string name) : name_(std::move(name)) {}
  void remove();
  std::string name_;  // empty once moved from or removed
};

// Deletes namespaces named hemsrig-<pid>-... whose process is gone (killed before it could clean
// up). Returns how many were removed.
std::size_t remove_stale_namespaces();

// The namespaces that exist now (`ip netns list`), by name.
std::vector<std::string> list_namespaces();

}  // namespace hemsrig::sim
