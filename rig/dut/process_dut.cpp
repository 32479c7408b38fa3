#include "rig/dut/process_dut.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include <boost/asio/posix/stream_descriptor.hpp>

extern char** environ;

namespace hemsrig::dut {

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return "ended";
}

// The program as execvp would find it, or an error naming where we looked.
Result<std::string> find_program(const std::string& program, const std::string& cwd) {
  namespace fs = std::filesystem;
  auto runnable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    fs::path p(program);
    if (p.is_relative() && !cwd.empty()) p = fs::path(cwd) / p;
    if (runnable(p)) return p.string();
    return make_error("command_not_found",
                      fmt::format("cannot start the DUT: '{}' is not an executable file ({})",
                                  program, p.string()));
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t i = 0;
  while (i <= dirs.size()) {
    const auto j = std::min(dirs.find(':', i), dirs.size());
    const fs::path p = fs::path(dirs.substr(i, j - i)) / program;
    if (runnable(p)) return p.string();
    i = j + 1;
  }
  return make_error("command_not_found",
                    fmt::format("cannot start the DUT: '{}' is not in PATH ({})", program, dirs));
}

}  // namespace

struct ProcessDut::Child {
  explicit Child(boost::asio::io_context& io) : out(io), err(io), exit_watch(io) {}
  pid_t pid = 0;
  bool reaped = false;
  bool active = true;  // false once the ProcessDut let go of it: handlers stay quiet
  boost::asio::posix::stream_descriptor out, err, exit_watch;
  std::array<char, 4096> out_buf{}, err_buf{};
  std::string out_line, err_line;
  LineListener* on_line = nullptr;
  ExitListener* on_exit = nullptr;

  void emit(std::string_view stream, std::string& pending, std::string_view chunk, bool eof) {
    for (char c : chunk) {
      if (c == '\n') {
        if (!pending.empty() && pending.back() == '\r') pending.pop_back();
        if (active && on_line != nullptr && *on_line) (*on_line)(stream, pending);
        pending.clear();
      } else if (pending.size() < kMaxLine) {
        pending += c;
      }
    }
    if (eof && !pending.empty()) {
      if (active && on_line != nullptr && *on_line) (*on_line)(stream, pending);
      pending.clear();
    }
  }

  // Reaps the process when it has ended; true then.
  bool reap(bool block) {
    if (reaped || pid <= 0) return true;
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    if (r == 0) return false;
    reaped = true;
    if (active && on_exit != nullptr && *on_exit)
      (*on_exit)(r == pid ? describe_status(status) : "ended");
    return true;
  }

  void close_all() {
    boost::system::error_code ec;
    out.close(ec);
    err.close(ec);
    exit_watch.close(ec);
  }
};

namespace {

void read_pipe(const std::shared_ptr<ProcessDut::Child>& c, bool is_err) {
  auto& sd = is_err ? c->err : c->out;
  auto& buf = is_err ? c->err_buf : c->out_buf;
  sd.async_read_some(boost::asio::buffer(buf),
                     [c, is_err](const boost::system::error_code& ec, std::size_t n) {
                       auto& line = is_err ? c->err_line : c->out_line;
                       auto& b = is_err ? c->err_buf : c->out_buf;
                       const std::string_view stream = is_err ? "stderr" : "stdout";
                       c->emit(stream, line, std::string_view(b.data(), n), static_cast<bool>(ec));
                       if (ec) return;  // EOF or closed
                       read_pipe(c, is_err);
                     });
}

void watch_exit(const std::shared_ptr<ProcessDut::Child>& c) {
  c->exit_watch.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [c](const boost::system::error_code& ec) {
                             if (ec) return;
                             if (!c->reap(false)) watch_exit(c);
                           });
}

}  // namespace

ProcessDut::ProcessDut(sim::Engine& engine) : engine_(engine) {}

ProcessDut::~ProcessDut() {
  if (!child_) return;
  child_->active = false;  // the listeners may be gone already
  kill();
  child_->close_all();
}

bool ProcessDut::running() const {
  return child_ && !child_->reaped;
}

int ProcessDut::pid() const {
  return running() ? child_->pid : 0;
}

Status ProcessDut::start(const ProcessLaunch& launch) {
  if (running()) return make_error("already_running", "the DUT's process is already running");
  if (launch.argv.empty()) return make_error("spawn_failed", "the DUT has no command");
  auto program = find_program(launch.argv[0], launch.cwd);
  if (!program) return program.error();

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return make_error("spawn_failed", std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return make_error("spawn_failed", std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  if (!launch.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, launch.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group: a power cut or the end of the run reaches every process it started.
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);

  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : launch.env) env[k] = v;
  std::vector<std::string> env_text;
  for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_text) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = launch.argv;
  std::string spawned = *program;
  if (!launch.netns.empty()) {
    auto ip = find_program("ip", {});
    for (const char* path : {"/usr/sbin/ip", "/sbin/ip"}) {
      if (!ip && ::access(path, X_OK) == 0) ip = std::string(path);
    }
    if (!ip)
      return make_error("command_not_found",
                        fmt::format("cannot start the DUT in network namespace {}: {}",
                                    launch.netns, ip.error().message));
    spawned = *ip;
    args[0] = *program;  // found already (relative to cwd); ip execs it inside the namespace
    args.insert(args.begin(), {"ip", "netns", "exec", launch.netns});
  }
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, spawned.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return make_error(rc == ENOENT ? "command_not_found" : "spawn_failed",
                      fmt::format("cannot start the DUT '{}' in {}: {}", launch.argv[0],
                                  launch.cwd.empty() ? "." : launch.cwd, std::strerror(rc)));
  }
  auto c = std::make_shared<Child>(engine_.io());
  c->pid = pid;
  c->on_line = &on_line_;
  c->on_exit = &on_exit_;
  ::fcntl(out_pipe[0], F_SETFL, ::fcntl(out_pipe[0], F_GETFL) | O_NONBLOCK);
  ::fcntl(err_pipe[0], F_SETFL, ::fcntl(err_pipe[0], F_GETFL) | O_NONBLOCK);
  c->out.assign(out_pipe[0]);
  c->err.assign(err_pipe[0]);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    c->exit_watch.assign(pidfd);
    watch_exit(c);
  }
  read_pipe(c, false);
  read_pipe(c, true);
  child_ = std::move(c);
  return ok_status();
}

void ProcessDut::kill() {
  if (!child_) return;
  if (child_->pid > 0) ::killpg(child_->pid, SIGKILL);
  child_->reap(true);
  // The pipes are drained by their handlers (what it wrote before the cut is kept);
  // the exit watch is no longer needed.
  boost::system::error_code ec;
  child_->exit_watch.close(ec);
}

void ProcessDut::stop(std::chrono::milliseconds grace) {
  if (!child_) return;
  if (!child_->reaped && child_->pid > 0) {
    ::killpg(child_->pid, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + grace;
    while (!child_->reap(false) && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill();  // SIGKILL to what is left of the group (also children it started)
}

}  // namespace hemsrig::dut
