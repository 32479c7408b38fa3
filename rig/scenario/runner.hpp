// Runner: runs loaded scenarios, each in a world of its own (engine, fabric,
// units, cloud) in virtual time (in real time, scaled by `speed:`, when the
// scenario has a DUT: docs/dut.md), and reports per scenario: passed, or the
// failed step with what was expected, what was seen and the trace's last
// lines. Every scenario writes a JSONL trace and a pcap; they are kept for a
// failure always, for a pass only when a trace folder was asked for.
//
// run_all() runs scenarios on `jobs` threads. Worlds share nothing; each job
// loads its own class profiles. Worlds on real sockets get a loopback range
// per job (127.20+job.0.0/16); in-process worlds keep their file's addresses,
// so their traces do not depend on the number of jobs.
//
// A run can be cancelled (SIGINT/SIGTERM in `hemsrig run`) through a
// RunCancel: the scenario under way ends at once as interrupted (its world
// stopped: DUT processes ended, cloud and bench closed, trace kept), the ones
// not started yet are reported as not run.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rig/scenario/scenario.hpp"

namespace hemsrig::sim {
class Engine;
}

namespace hemsrig::scenario {

// The cancellation of a run. request() and stop_engines() may be called from
// any thread (a signal-waiting thread); the runner checks requested() before
// every step and stops its engine through stop_engines(). An engine may be
// between two runs when it is stopped (Engine::run_* clears the stop), so the
// caller calls stop_engines() again, every few milliseconds, until run_all returns.
class RunCancel {
 public:
  // `reason` names the cause in reports: "SIGINT", "SIGTERM".
  void request(const std::string& reason);
  bool requested() const { return requested_.load(); }
  std::string reason() const;
  void stop_engines();

  // The runner's bookkeeping: the engines of the scenarios under way.
  void attach(sim::Engine* engine);
  void detach(sim::Engine* engine);

 private:
  std::atomic<bool> requested_{false};
  mutable std::mutex mu_;
  std::string reason_;
  std::vector<sim::Engine*> engines_;
};

struct RunSettings {
  std::optional<std::uint64_t> seed;  // overrides the scenarios' and worlds' seeds
  std::string trace_dir;              // every scenario's trace and pcap; empty: only failures'
  std::string keep_dir;               // where failures' traces go when trace_dir is empty
  // Loads a job's own profile library; false (having printed why) stops the job.
  std::function<bool(echonet::ProfileLibrary&)> load_profiles;
  // Checked before every step; nullptr: the run cannot be cancelled.
  RunCancel* cancel = nullptr;
};

struct ScenarioResult {
  std::string name;
  std::string file;
  std::vector<std::string> tags;
  bool passed = false;
  // The run was cancelled while this scenario ran (not passed; failed_step is the step cut
  // short) or before it started (not_run too: nothing of it ran).
  bool interrupted = false;
  bool not_run = false;
  std::size_t steps_total = 0;
  std::size_t steps_passed = 0;
  double wall_seconds = 0;
  double sim_seconds = 0;
  // The failure, when !passed.
  int failed_step = 0;  // 1-based; 0: before the first step (the world did not start)
  std::string step_kind, step_where, step_text;
  std::string expected, seen;
  std::vector<std::string> trace_tail;
  std::string trace_path, pcap_path;  // files kept; empty when none
  std::string summary() const;        // "step 4 (file:12) firmware_check: expected ...; saw ..."
};

// The file name a scenario's trace gets: its name with [^A-Za-z0-9._-] as '_'.
std::string trace_stem(const std::string& scenario_name);

ScenarioResult run_scenario(const Scenario& scenario, const echonet::ProfileLibrary& profiles,
                            const RunSettings& settings, int job = 0);

// Runs every scenario on `jobs` threads; results in the order of `scenarios`.
// `on_done` (may be empty) is called under a lock as each finishes.
std::vector<ScenarioResult> run_all(const std::vector<Scenario>& scenarios,
                                    const RunSettings& settings, int jobs,
                                    const std::function<void(const ScenarioResult&)>& on_done);

}  // namespace hemsrig::scenario
