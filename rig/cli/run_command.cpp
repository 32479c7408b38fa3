// `hemsrig run PATH...`: runs scenario files (folders recursively, skipping
// `worlds/` and `fragments/`) in virtual time and reports: exit 0 when all
// passed, 1 when a scenario failed, 2 when the input was wrong (every bad
// file's errors printed as file:line:col first, nothing run). A failure
// prints the step, the expectation, what was seen and the trace's last lines,
// and keeps that scenario's trace and pcap even without --trace.
// SIGINT or SIGTERM cancels the run: the scenario under way stops (its DUT
// processes ended, SIGTERM then SIGKILL to their groups; cloud and bench
// closed), the reports are written with it as interrupted, and the exit code
// is 130 (SIGINT) or 143 (SIGTERM).
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "rig/cli/commands.hpp"
#include "rig/scenario/reports.hpp"
#include "rig/scenario/runner.hpp"

namespace hemsrig::cli {

namespace {

namespace fs = std::filesystem;
using scenario::ScenarioResult;

struct Output {
  bool tty = false;    // a progress line that rewrites itself
  bool color = false;  // on a terminal, unless NO_COLOR
  std::string paint(const std::string& text, const char* code) const {
    return color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
  }
};

std::string sim_time_text(double s) {
  if (s >= 86400) return fmt::format("{:.1f}d", s / 86400);
  if (s >= 3600) return fmt::format("{:.1f}h", s / 3600);
  if (s >= 60) return fmt::format("{:.1f}m", s / 60);
  return fmt::format("{:.1f}s", s);
}

void print_failure(const Output& out, const ScenarioResult& r) {
  std::cout << out.paint("FAIL", "31") << " " << r.name << " (" << r.file << ")\n";
  if (r.failed_step > 0) {
    std::cout << fmt::format("  step {} at {}: {}\n", r.failed_step, r.step_where, r.step_text);
  }
  std::cout << "  expected: " << r.expected << "\n";
  std::cout << "  seen:     " << r.seen << "\n";
  if (!r.trace_path.empty()) {
    std::cout << "  trace kept: " << r.trace_path << "\n  pcap kept:  " << r.pcap_path << "\n";
  }
  if (!r.trace_tail.empty()) {
    std::cout << "  last trace lines:\n";
    const std::size_t from = r.trace_tail.size() > 12 ? r.trace_tail.size() - 12 : 0;
    for (std::size_t i = from; i < r.trace_tail.size(); ++i)
      std::cout << "    " << r.trace_tail[i] << "\n";
  }
}

// SIGINT and SIGTERM, taken by a thread of their own for as long as the run
// lasts (blocked in every other thread, so the default action, which would
// leave the DUTs' process groups running, never happens). The first signal
// cancels the run; until the run returns the thread keeps stopping the
// engines of the scenarios under way (an engine between two runs misses one stop).
class SignalWatch {
 public:
  explicit SignalWatch(scenario::RunCancel& cancel) : cancel_(cancel) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    // Threads started from here on (the runner's jobs) inherit the mask. It stays until the
    // process exits: a signal after the run changes nothing more.
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] { watch(); });
  }
  ~SignalWatch() {
    done_ = true;
    thread_.join();
  }
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  void watch() {
    while (!done_) {
      timespec wait{0, 20'000'000};
      const int sig = sigtimedwait(&set_, nullptr, &wait);
      if (sig > 0 && signal_ == 0) {
        signal_ = sig;
        cancel_.request(sig == SIGINT ? "SIGINT" : "SIGTERM");
        // Written by this thread while the run goes on: one line, so it is never torn.
        std::cerr << fmt::format(
            "\nhemsrig run: {}: stopping (DUTs, cloud, bench), writing reports\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
      }
      if (cancel_.requested()) cancel_.stop_engines();
    }
  }

  scenario::RunCancel& cancel_;
  sigset_t set_;
  std::atomic<bool> done_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

bool write_file(const std::string& path, const std::string& text) {
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) {
    std::cerr << "hemsrig run: cannot write " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace

void add_run_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> paths;
    std::string junit, json, trace_dir, keep_dir, filter, shard;
    int jobs = 1;
    std::uint64_t seed = 0;
    bool list = false;
    ProfileSources profiles;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "run",
      "Run scenario files or folders in virtual time; exit 0 passed, 1 failed, 2 bad input, "
      "130/143 cancelled by SIGINT/SIGTERM");
  cmd->add_option("paths", args->paths, "Scenario files or folders (recursive)")->required();
  cmd->add_option("--junit", args->junit, "Write a JUnit XML report to FILE");
  cmd->add_option("--json", args->json, "Write a JSON report to FILE");
  cmd->add_option("--trace", args->trace_dir,
                  "Keep every scenario's JSONL trace and pcap in DIR (<name>.jsonl, <name>.pcap)");
  cmd->add_option("--keep-failed", args->keep_dir,
                  "Where a failed scenario's trace and pcap are kept without --trace (default: "
                  "$TMPDIR/hemsrig-run-PID)");
  cmd->add_option("--jobs,-j", args->jobs, "Scenarios run in parallel (default 1)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--shard", args->shard,
                  "Run only shard I of N (1-based, e.g. 2/4): scenario k (in path order) "
                  "belongs to shard (k mod N) + 1");
  cmd->add_option("--filter", args->filter, "Run only scenarios whose name or file contains this");
  cmd->add_option("--seed", args->seed, "Random seed for every scenario (default: each file's)");
  cmd->add_flag("--list", args->list, "Print the selected scenarios and exit");
  cmd->add_option("--mra", args->profiles.mra_dir, "Also load every class of an ECHONET MRA folder")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--profiles", args->profiles.profile_dirs,
                  "Extra class profile folder or file (YAML); repeatable");
  cmd->callback([args] {
    const auto wall_start = std::chrono::steady_clock::now();
    echonet::ProfileLibrary lib;
    if (!load_profiles(args->profiles, lib)) throw CLI::RuntimeError(kExitBadInput);

    std::size_t shard_index = 0, shard_count = 1;
    if (!args->shard.empty()) {
      unsigned i = 0, n = 0;
      char extra = 0;
      if (std::sscanf(args->shard.c_str(), "%u/%u%c", &i, &n, &extra) != 2 || n == 0 || i == 0 ||
          i > n) {
        std::cerr << "--shard: '" << args->shard << "' must be I/N with 1 <= I <= N, e.g. 2/4\n";
        throw CLI::RuntimeError(kExitBadInput);
      }
      shard_index = i - 1;
      shard_count = n;
    }

    auto files = scenario::collect_scenario_files(args->paths);
    if (!files) {
      std::cerr << "hemsrig run: " << files.error().message << "\n";
      throw CLI::RuntimeError(kExitBadInput);
    }
    // Every file is checked before anything runs: bad input runs nothing.
    std::vector<scenario::Scenario> all;
    bool bad = false;
    std::map<std::string, std::string> names;  // name -> file
    for (const auto& f : *files) {
      auto load = scenario::load_scenario_file(f, lib);
      if (!load.scenario) {
        print_diagnostics(load.diagnostics);
        bad = true;
        continue;
      }
      auto [it, fresh] = names.emplace(load.scenario->name, f);
      if (!fresh) {
        std::cerr << fmt::format(
            "{}: scenario name '{}' is already used by {}; names must be "
            "unique in a run (reports and traces are named after them)\n",
            f, load.scenario->name, it->second);
        bad = true;
        continue;
      }
      all.push_back(std::move(*load.scenario));
    }
    if (bad) throw CLI::RuntimeError(kExitBadInput);
    if (all.empty()) {
      std::cerr << "hemsrig run: no scenario files found under the given paths\n";
      throw CLI::RuntimeError(kExitBadInput);
    }

    std::vector<scenario::Scenario> selected;
    std::size_t matched = 0;
    for (auto& s : all) {
      if (!args->filter.empty() && s.name.find(args->filter) == std::string::npos &&
          s.file.find(args->filter) == std::string::npos)
        continue;
      if (matched++ % shard_count != shard_index) continue;
      selected.push_back(std::move(s));
    }
    if (matched == 0) {
      std::cerr << "hemsrig run: no scenario matches --filter '" << args->filter << "'\n";
      throw CLI::RuntimeError(kExitBadInput);
    }
    if (args->list) {
      for (const auto& s : selected) std::cout << s.name << "  " << s.file << "\n";
      return;
    }

    Output out;
    const char* ci = std::getenv("CI");
    out.tty = isatty(STDOUT_FILENO) != 0 && (ci == nullptr || *ci == '\0');
    const char* no_color = std::getenv("NO_COLOR");
    out.color = out.tty && (no_color == nullptr || *no_color == '\0');

    scenario::RunSettings settings;
    if (args->seed != 0) settings.seed = args->seed;
    settings.trace_dir = args->trace_dir;
    settings.keep_dir = args->keep_dir;
    if (settings.trace_dir.empty() && settings.keep_dir.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      settings.keep_dir = fmt::format("{}/hemsrig-run-{}", tmp && *tmp ? tmp : "/tmp", getpid());
    }
    auto profiles = args->profiles;
    settings.load_profiles = [profiles](echonet::ProfileLibrary& l) {
      return load_profiles(profiles, l);
    };

    scenario::RunCancel cancel;
    settings.cancel = &cancel;
    std::optional<SignalWatch> signals(std::in_place, cancel);

    std::size_t done = 0, failed = 0, interrupted = 0, not_run = 0;
    const std::size_t total = selected.size();
    auto results = scenario::run_all(selected, settings, args->jobs, [&](const ScenarioResult& r) {
      if (r.not_run) {
        ++not_run;
        return;
      }
      ++done;
      failed += r.passed || r.interrupted ? 0 : 1;
      interrupted += r.interrupted ? 1 : 0;
      if (out.tty) std::cout << "\r\033[K";
      if (r.interrupted) {
        std::cout << out.paint("INTERRUPTED", "33") << " " << r.name << " (" << r.file
                  << "): " << r.summary() << "\n";
        if (!r.trace_path.empty()) std::cout << "  trace kept: " << r.trace_path << "\n";
      } else if (!r.passed) {
        print_failure(out, r);
      } else if (!out.tty) {
        std::cout << fmt::format("PASS {} ({:.2f} s, {} simulated)\n", r.name, r.wall_seconds,
                                 sim_time_text(r.sim_seconds));
      }
      if (out.tty && !cancel.requested()) {
        std::cout << fmt::format("[{}/{}] {} passed, {} failed", done, total, done - failed,
                                 out.paint(std::to_string(failed), failed ? "31" : "32"))
                  << std::flush;
      }
    });
    signals.reset();  // the run is over: nothing left to stop
    if (out.tty) std::cout << "\r\033[K";
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    std::cout << fmt::format("{} scenario(s): {} passed, {} failed", total,
                             total - failed - interrupted - not_run, failed);
    if (cancel.requested()) {
      std::cout << fmt::format(", {} interrupted, {} not run (the run was cancelled by {})",
                               interrupted, not_run, cancel.reason());
    }
    std::cout << fmt::format(" in {:.2f} s wall", wall);
    if (shard_count > 1) std::cout << fmt::format(" (shard {}/{})", shard_index + 1, shard_count);
    std::cout << "\n";
    if (!args->trace_dir.empty()) std::cout << "traces: " << args->trace_dir << "\n";
    bool wrote = true;
    if (!args->junit.empty())
      wrote = write_file(args->junit, scenario::junit_xml(results)) && wrote;
    if (!args->json.empty())
      wrote = write_file(args->json, scenario::json_report(results)) && wrote;
    if (args->trace_dir.empty()) {
      std::error_code ec;
      fs::remove(settings.keep_dir, ec);  // only when empty: nothing failed
    }
    // A cancelled run exits as a shell reports a process a signal ended: 128 + the signal.
    if (cancel.requested())
      throw CLI::RuntimeError(128 + (cancel.reason() == "SIGINT" ? SIGINT : SIGTERM));
    if (failed > 0 || !wrote) throw CLI::RuntimeError(kExitFailed);
  });
}

}  // namespace hemsrig::cli
