// ProcessDut: the `process` adapter: the rig starts the DUT's command in a
// process group of its own, reads its stdout and stderr line by line on the
// Engine's io_context (non-blocking pipes), notices when it exits (a pidfd),
// cuts it at once (SIGKILL to the group: a power cut) or stops it (SIGTERM,
// then SIGKILL after the stop timeout). Destroying it kills the whole group.
// Single-threaded: call from the engine's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::dut {

struct ProcessLaunch {
  std::vector<std::string> argv;  // argv[0]: the program (a path, or in PATH)
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) the rig's own
  std::string cwd;                                       // empty: the rig's
  // Run it inside this named network namespace (`ip netns exec NETNS`, which execs the
  // command in the same process: the pid and the process group stay the command's). Empty: the
  // rig's own namespace.
  std::string netns;
};

class ProcessDut {
 public:
  // stream is "stdout" or "stderr"; the line without its newline.
  using LineListener = std::function<void(std::string_view stream, const std::string& line)>;
  // How it ended: "exited with 3", "killed by signal 9".
  using ExitListener = std::function<void(const std::string& how)>;

  explicit ProcessDut(sim::Engine& engine);
  ~ProcessDut();  // SIGKILL to the group, reaped
  ProcessDut(const ProcessDut&) = delete;
  ProcessDut& operator=(const ProcessDut&) = delete;

  void on_line(LineListener l) { on_line_ = std::move(l); }
  void on_exit(ExitListener l) { on_exit_ = std::move(l); }

  // Starts the command. Errors: "already_running", "command_not_found" (names
  // the program and where it was looked for), "spawn_failed" (the OS's reason).
  Status start(const ProcessLaunch& launch);
  // Power cut: SIGKILL to the whole group at once, reaped before it returns.
  void kill();
  // A clean stop: SIGTERM to the group, up to `grace` of wall time for it to
  // exit, then SIGKILL; reaped before it returns.
  void stop(std::chrono::milliseconds grace);
  bool running() const;
  int pid() const;  // 0 when not running

  struct Child;  // the running process and its pipes (shared with pending handlers)

 private:
  sim::Engine& engine_;
  LineListener on_line_;
  ExitListener on_exit_;
  std::shared_ptr<Child> child_;
};

}  // namespace hemsrig::dut
