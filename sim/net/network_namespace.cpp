#include "sim/net/network_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace hemsrig::sim {

namespace {

constexpr const char* kNetnsDir = "/run/netns";

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string errno_text() {
  return std::strerror(errno);
}

// The effective capability set of this process (/proc/self/status CapEff), 0 when unreadable.
unsigned long long effective_capabilities() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) return std::strtoull(line.c_str() + 7, nullptr, 16);
  }
  return 0;
}

bool ip_installed() {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    if (::access((std::string(dir) + "/ip").c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Writes all of `text` to `fd` (a pipe to the child), ignoring a child that stopped reading.
void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

Status netns_support() {
  if (const char* v = std::getenv("HEMSRIG_NETNS"); v != nullptr && std::string_view(v) == "off")
    return make_error("netns_unavailable",
                      "network namespaces are switched off (HEMSRIG_NETNS=off in the environment)");
  if (!ip_installed())
    return make_error("netns_unavailable",
                      "network namespaces need iproute2's `ip` (apt-get install iproute2)");
  constexpr unsigned long long kNetAdmin = 1ull << 12, kSysAdmin = 1ull << 21;
  const unsigned long long caps = effective_capabilities();
  if ((caps & kNetAdmin) == 0 || (caps & kSysAdmin) == 0)
    return make_error("netns_unavailable",
                      "network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN); this "
                      "process runs as uid " +
                          std::to_string(::geteuid()) + " without them");
  return ok_status();
}

Status run_ip(const std::vector<std::string>& args, const std::string& input) {
  std::string command = "ip";
  for (const auto& a : args) command += " " + a;
  std::array<int, 2> in{-1, -1}, err{-1, -1};
  if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(err.data(), O_CLOEXEC) != 0)
    return make_error("ip_failed", command + ": cannot make a pipe: " + errno_text());
  Fd in_read{in[0]}, in_write{in[1]}, err_read{err[0]}, err_write{err[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  std::vector<std::string> argv_text{"ip"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "ip", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return make_error("ip_failed", command + ": " + std::strerror(rc));

  ::close(std::exchange(in_read.fd, -1));
  ::close(std::exchange(err_write.fd, -1));
  // A broken pipe (ip stopped reading) must not kill the rig.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  write_all(in_write.fd, input);
  ::sigaction(SIGPIPE, &previous, nullptr);
  ::close(std::exchange(in_write.fd, -1));

  std::string output;
  std::array<char, 1024> chunk{};
  for (;;) {  // ends at EOF, when ip exits
    const ssize_t n = ::read(err_read.fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < 4096) output.append(chunk.data(), static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ok_status();
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return make_error("ip_failed",
                    "`" + command + "` failed" + (output.empty() ? std::string() : ": " + output));
}

Result<NetworkNamespace> NetworkNamespace::create(std::string name) {
  if (auto s = netns_support(); !s) return s.error();
  if (auto s = run_ip({"netns", "add", name}); !s) {
    return make_error("netns_unavailable",
                      "cannot create network namespace " + name + ": " + s.error().message);
  }
  NetworkNamespace ns(std::move(name));
  if (auto s = ns.configure({"link set lo up"}); !s) return s.error();
  return ns;
}

NetworkNamespace::~NetworkNamespace() {
  remove();
}

NetworkNamespace::NetworkNamespace(NetworkNamespace&& other) noexcept
    : name_(std::exchange(other.name_, {})) {}

NetworkNamespace& NetworkNamespace::operator=(NetworkNamespace&& other) noexcept {
  if (this != &other) {
    remove();
    name_ = std::exchange(other.name_, {});
  }
  return *this;
}

void NetworkNamespace::remove() {
  if (name_.empty()) return;
  (void)run_ip({"netns", "del", name_});  // best effort: a leftover is swept by the next run
  name_.clear();
}

Status NetworkNamespace::configure(const std::vector<std::string>& commands) const {
  std::string batch;
  for (const auto& c : commands) batch += c + "\n";
  return run_ip({"-n", name_, "-batch", "-"}, batch);
}

Result<int> NetworkNamespace::open_socket(int domain, int type, int protocol) const {
  const std::string path = std::string(kNetnsDir) + "/" + name_;
  Fd target{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (target.fd < 0)
    return make_error("socket_failed", "cannot open namespace " + path + ": " + errno_text());
  // A helper thread enters the namespace and ends there, so the caller's thread never changes
  // namespace (and cannot be left in the wrong one).
  int fd = -1, failed_errno = 0;
  bool entered = false;
  std::thread helper([&] {
    if (::setns(target.fd, CLONE_NEWNET) != 0) {
      failed_errno = errno;
      return;
    }
    entered = true;
    fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
    if (fd < 0) failed_errno = errno;
  });
  helper.join();
  if (!entered)
    return make_error("socket_failed",
                      "cannot enter namespace " + name_ + ": " + std::strerror(failed_errno));
  if (fd < 0)
    return make_error("socket_failed",
                      "socket() in namespace " + name_ + ": " + std::strerror(failed_errno));
  return fd;
}

std::vector<std::string> list_namespaces() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kNetnsDir, ec))
    names.push_back(entry.path().filename().string());
  return names;
}

std::size_t remove_stale_namespaces() {
  std::size_t removed = 0;
  const std::string prefix = kNamespacePrefix;
  for (const std::string& name : list_namespaces()) {
    if (name.rfind(prefix, 0) != 0) continue;
    const char* digits = name.c_str() + prefix.size();
    char* end = nullptr;
    const long pid = std::strtol(digits, &end, 10);
    if (end == digits || *end != '-' || pid <= 0) continue;                   // not one of ours
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
    if (run_ip({"netns", "del", name})) ++removed;
  }
  return removed;
}

}  // namespace hemsrig::sim
