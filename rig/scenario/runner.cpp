#include "rig/scenario/runner.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "rig/scenario/run_context.hpp"
#include "rig/world/world.hpp"
#include "sim/core/engine.hpp"

namespace hemsrig::scenario {

namespace fs = std::filesystem;

void RunCancel::request(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reason_.empty()) reason_ = reason;
  }
  requested_ = true;
  stop_engines();
}

std::string RunCancel::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_.empty() ? "a cancellation" : reason_;
}

void RunCancel::stop_engines() {
  std::lock_guard<std::mutex> lock(mu_);
  for (sim::Engine* e : engines_) e->stop();  // thread-safe (sim/core/engine.hpp)
}

void RunCancel::attach(sim::Engine* engine) {
  std::lock_guard<std::mutex> lock(mu_);
  engines_.push_back(engine);
}

void RunCancel::detach(sim::Engine* engine) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase(engines_, engine);
}

std::string trace_stem(const std::string& name) {
  std::string s;
  for (char c : name) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    s += keep ? c : '_';
  }
  return s.empty() ? "scenario" : s;
}

std::string ScenarioResult::summary() const {
  if (passed) return "passed";
  if (not_run) return fmt::format("not run: {} before it started", seen);
  if (interrupted && failed_step == 0) return fmt::format("{} while its world started", seen);
  if (interrupted)
    return fmt::format("{} at step {} ({}) {}", seen, failed_step, step_where, step_kind);
  if (failed_step == 0) return fmt::format("the world did not start: {}", seen);
  return fmt::format("step {} ({}) {}: expected {}; saw {}", failed_step, step_where, step_kind,
                     expected, seen);
}

namespace {

// One scenario's run: the world, its context, and the bookkeeping of files.
class ScenarioRun {
 public:
  ScenarioRun(const Scenario& sc, const echonet::ProfileLibrary& profiles,
              const RunSettings& settings, int job)
      : sc_(sc), profiles_(profiles), settings_(settings), job_(job) {}

  ScenarioResult run() {
    const auto wall_start = std::chrono::steady_clock::now();
    result_.name = sc_.name;
    result_.file = sc_.file;
    result_.tags = sc_.tags;
    result_.steps_total = sc_.steps.size();
    const std::string dir = settings_.trace_dir.empty() ? settings_.keep_dir : settings_.trace_dir;
    if (!dir.empty()) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      trace_path_ = (fs::path(dir) / (trace_stem(sc_.name) + ".jsonl")).string();
      pcap_path_ = (fs::path(dir) / (trace_stem(sc_.name) + ".pcap")).string();
    }
    execute();
    if (settings_.cancel != nullptr && world_) settings_.cancel->detach(&world_->engine());
    result_.sim_seconds = world_ ? sim::to_seconds(world_->engine().now()) : 0.0;
    if (world_) {
      world_->stop();
      if (auto* tr = world_->trace()) result_.trace_tail = tr->tail();
    }
    // The stopped world sends nothing more: the context (and the clients steps keep in it,
    // which may hold the engine) goes first, then the world closes the trace and pcap.
    ctx_.reset();
    world_.reset();
    const bool keep = !settings_.trace_dir.empty() || !result_.passed;
    if (!trace_path_.empty()) {
      std::error_code ec;
      if (keep) {
        result_.trace_path = trace_path_;
        result_.pcap_path = pcap_path_;
      } else {
        fs::remove(trace_path_, ec);
        fs::remove(pcap_path_, ec);
      }
    }
    result_.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return result_;
  }

 private:
  // The run was cancelled: this scenario ends here, before or during step `index` (1-based;
  // 0: while its world started). Its world is stopped by run() like any other's.
  void interrupt(std::size_t index) {
    const std::string why = "interrupted by " + settings_.cancel->reason();
    result_.passed = false;
    result_.interrupted = true;
    result_.failed_step = static_cast<int>(index);
    if (index > 0) {
      const StepEntry& e = sc_.steps[index - 1];
      result_.step_kind = e.kind;
      result_.step_where = e.where();
      result_.step_text = e.text;
    }
    result_.expected = "the run goes on to the scenario's end";
    result_.seen = why;
    if (trace::Trace* tr = world_ ? world_->trace() : nullptr) {
      tr->event(world_->engine().now(), "run_interrupted", {{"index", index}, {"why", why}});
    }
  }
  bool cancelled() const { return settings_.cancel != nullptr && settings_.cancel->requested(); }

  void fail_start(const std::string& why) {
    result_.passed = false;
    result_.failed_step = 0;
    result_.expected = "the world starts";
    result_.seen = why;
  }

  void execute() {
    rig::WorldOptions opts;
    // A device under test lives on the wall clock: real time, scaled by `speed:` (docs/dut.md).
    const bool with_dut = !sc_.world.duts.empty();
    opts.mode = with_dut ? sim::ClockMode::Realtime : sim::ClockMode::Virtual;
    opts.speed = sc_.speed;
    opts.seed = settings_.seed ? settings_.seed : sc_.seed;
    opts.trace_path = trace_path_;
    opts.pcap_path = pcap_path_;
    opts.ssdp_port = 0;  // each run's units answer its own apps only (DOMAIN R30)
    if (sc_.world.fabric.kind == rig::FabricSpec::Kind::Udp ||
        (with_dut && sc_.world.fabric.kind == rig::FabricSpec::Kind::Auto)) {
      // Real sockets: each job its own loopback range.
      opts.base_address = sim::Ipv4(0x7F000000u | static_cast<std::uint32_t>(20 + job_) << 16);
    }
    auto w = rig::World::create(sc_.world, profiles_, opts);
    if (!w) return fail_start(w.error().message);
    world_ = std::move(*w);
    if (settings_.cancel != nullptr) settings_.cancel->attach(&world_->engine());
    ctx_ = std::make_unique<RunContext>(*world_, sc_.timeout);
    if (auto st = world_->start(); !st)
      return cancelled() ? interrupt(0) : fail_start(st.error().message);
    trace::Trace* tr = world_->trace();
    for (std::size_t i = 0; i < sc_.steps.size(); ++i) {
      const StepEntry& e = sc_.steps[i];
      if (cancelled()) return interrupt(i + 1);
      if (tr != nullptr) {
        tr->event(world_->engine().now(), "step",
                  {{"index", i + 1}, {"step", e.kind}, {"at", e.where()}, {"text", e.text}});
      }
      ctx_->clear_failure();
      const Status st = e.step->run(*ctx_);
      // A step cut short by the cancellation proves nothing either way.
      if (cancelled()) return interrupt(i + 1);
      std::string expected, seen;
      if (e.expect_error) {
        if (st) {
          expected = fmt::format("refused with {}", *e.expect_error);
          seen = "the step succeeded";
        } else if (st.error().code != *e.expect_error) {
          expected = fmt::format("refused with {}", *e.expect_error);
          seen = fmt::format("refused with {}: {}", st.error().code, st.error().message);
        }
      } else if (!st) {
        if (st.error().code == "expectation_failed" && !ctx_->failed_expected().empty()) {
          expected = ctx_->failed_expected();
          seen = ctx_->failed_seen();
        } else {
          expected = "the step succeeds";
          seen = fmt::format("refused with {}: {}", st.error().code, st.error().message);
        }
      }
      if (!expected.empty()) {
        if (tr != nullptr) {
          tr->event(world_->engine().now(), "step_failed",
                    {{"index", i + 1}, {"expected", expected}, {"seen", seen}});
        }
        result_.passed = false;
        result_.failed_step = static_cast<int>(i + 1);
        result_.step_kind = e.kind;
        result_.step_where = e.where();
        result_.step_text = e.text;
        result_.expected = std::move(expected);
        result_.seen = std::move(seen);
        return;
      }
      ++result_.steps_passed;
    }
    result_.passed = true;
  }

  const Scenario& sc_;
  const echonet::ProfileLibrary& profiles_;
  const RunSettings& settings_;
  int job_;
  std::string trace_path_, pcap_path_;
  ScenarioResult result_;
  // The context (and the clients steps keep in it) goes before the world it uses.
  std::unique_ptr<rig::World> world_;
  std::unique_ptr<RunContext> ctx_;
};

}  // namespace

ScenarioResult run_scenario(const Scenario& scenario, const echonet::ProfileLibrary& profiles,
                            const RunSettings& settings, int job) {
  ScenarioRun run(scenario, profiles, settings, job);
  return run.run();
}

std::vector<ScenarioResult> run_all(const std::vector<Scenario>& scenarios,
                                    const RunSettings& settings, int jobs,
                                    const std::function<void(const ScenarioResult&)>& on_done) {
  std::vector<ScenarioResult> results(scenarios.size());
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  auto worker = [&](int job) {
    echonet::ProfileLibrary lib;  // per job: the library caches merged profiles lazily
    const bool ok = settings.load_profiles ? settings.load_profiles(lib) : true;
    for (std::size_t i = next++; i < scenarios.size(); i = next++) {
      ScenarioResult r;
      if (settings.cancel != nullptr && settings.cancel->requested()) {
        r.name = scenarios[i].name;
        r.file = scenarios[i].file;
        r.tags = scenarios[i].tags;
        r.steps_total = scenarios[i].steps.size();
        r.interrupted = r.not_run = true;
        r.expected = "the scenario runs";
        r.seen = "the run was interrupted by " + settings.cancel->reason();
      } else if (ok) {
        r = run_scenario(scenarios[i], lib, settings, job);
      } else {
        r.name = scenarios[i].name;
        r.file = scenarios[i].file;
        r.expected = "the class profiles load";
        r.seen = "they did not (see above)";
      }
      std::lock_guard<std::mutex> lock(mu);
      results[i] = std::move(r);
      if (on_done) on_done(results[i]);
    }
  };
  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(scenarios.size())));
  if (jobs == 1) {
    worker(0);
  } else {
    std::vector<std::thread> threads;
    for (int j = 0; j < jobs; ++j) threads.emplace_back(worker, j);
    for (auto& t : threads) t.join();
  }
  return results;
}

}  // namespace hemsrig::scenario
