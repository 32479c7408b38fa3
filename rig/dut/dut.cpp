#include "rig/dut/dut.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "devices/bench/coil_driver.hpp"
#include "devices/bench/power_driver.hpp"
#include "rig/dut/process_dut.hpp"

namespace hemsrig::dut {

namespace fs = std::filesystem;

Dut::Dut(sim::Engine& engine, trace::Trace* trace, const DutSpec& spec, DutPlace place)
    : engine_(engine), trace_(trace), spec_(spec), place_(std::move(place)) {}

Result<std::unique_ptr<Dut>> Dut::create(sim::Engine& engine, sim::Fabric& fabric,
                                         trace::Trace* trace, const DutSpec& spec, DutPlace place) {
  std::unique_ptr<Dut> d(new Dut(engine, trace, spec, std::move(place)));
  std::error_code ec;
  if (!d->place_.state_dir.empty()) {
    d->state_dir_ = d->place_.state_dir;
    fs::create_directories(d->state_dir_, ec);
    if (ec)
      return make_error("state_dir_failed", fmt::format("DUT {}: cannot create {}: {}", spec.id,
                                                        d->state_dir_, ec.message()));
  } else {
    std::string tmpl =
        (fs::temp_directory_path() / ("hemsrig-dut-" + spec.id + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      return make_error("state_dir_failed",
                        fmt::format("DUT {}: cannot create a state folder in {}", spec.id,
                                    fs::temp_directory_path().string()));
    d->state_dir_ = tmpl;
    d->temp_state_ = true;
  }
  d->watch_ = std::make_unique<DutWatch>(engine, fabric, trace, d->spec_, d->place_.address,
                                         d->place_.probe_from);
  if (spec.adapter == DutAdapterKind::Process) {
    d->process_ = std::make_unique<ProcessDut>(engine);
    Dut* self = d.get();
    d->process_->on_line(
        [self](std::string_view stream, const std::string& text) { self->line(stream, text); });
    d->process_->on_exit([self](const std::string& how) {
      if (self->trace_ != nullptr)
        self->trace_->event(self->engine_.now(), "dut.exit",
                            {{"dut", self->spec_.id}, {"how", how}});
      self->watch_->went_down("its process " + how);
    });
  } else if (spec.power) {
    d->relay_ = std::make_unique<bench::CoilPowerDriver>(
        std::make_unique<bench::ModbusCoilDriver>(*spec.power));
  }
  return d;
}

Dut::~Dut() {
  stop();
  process_.reset();
  if (temp_state_) {
    std::error_code ec;
    fs::remove_all(state_dir_, ec);
  }
}

void Dut::line(std::string_view stream, const std::string& text) {
  if (trace_ != nullptr)
    trace_->event(engine_.now(), "dut.output",
                  {{"dut", spec_.id}, {"stream", std::string(stream)}, {"line", text}});
  output_.push_back(text);
  ++output_total_;
  if (output_.size() > kOutputWindow) output_.pop_front();
  watch_->output_line(text);
}

Status Dut::power_on() {
  if (process_) {
    if (process_->running()) {
      powered_ = true;
      return ok_status();
    }
    TemplateValues v = place_.values ? place_.values() : TemplateValues{};
    v.values["state_dir"] = state_dir_;
    ProcessLaunch launch;
    command_line_.clear();
    for (const auto& t : spec_.command) {
      launch.argv.push_back(expand(t, v));
      command_line_ += (command_line_.empty() ? "" : " ") + launch.argv.back();
    }
    for (const auto& [k, t] : spec_.env) launch.env.emplace_back(k, expand(t, v));
    launch.cwd = spec_.cwd;
    launch.netns = place_.netns;
    if (auto st = process_->start(launch); !st)
      return make_error(st.error().code, fmt::format("DUT {}: {}", spec_.id, st.error().message));
    powered_ = true;
    if (trace_ != nullptr) {
      nlohmann::json f{{"dut", spec_.id}, {"pid", process_->pid()}, {"command", command_line_}};
      if (!place_.netns.empty()) f["netns"] = place_.netns;  // its host on the netns fabric
      trace_->event(engine_.now(), "dut.start", f);
    }
    watch_->powered_on();
    return ok_status();
  }
  if (relay_) {
    if (auto st = relay_->on(); !st)
      return make_error(st.error().code, fmt::format("DUT {}: {}", spec_.id, st.error().message));
  } else if (powered_) {
    return make_error("no_power_control",
                      fmt::format("DUT {} is external and has no 'power: {{modbus: ...}}'; the rig "
                                  "cannot switch it",
                                  spec_.id));
  }
  powered_ = true;
  watch_->powered_on();
  return ok_status();
}

Status Dut::power_off() {
  if (process_) {
    powered_ = false;
    watch_->went_down("power cut");
    if (process_->running()) {
      if (trace_ != nullptr)
        trace_->event(engine_.now(), "dut.power_cut",
                      {{"dut", spec_.id}, {"pid", process_->pid()}});
      process_->kill();
    }
    return ok_status();
  }
  if (!relay_)
    return make_error("no_power_control",
                      fmt::format("DUT {} is external and has no 'power: {{modbus: ...}}'; the rig "
                                  "cannot switch it",
                                  spec_.id));
  if (auto st = relay_->off(); !st)
    return make_error(st.error().code, fmt::format("DUT {}: {}", spec_.id, st.error().message));
  powered_ = false;
  watch_->went_down("power cut");
  return ok_status();
}

void Dut::stop() {
  if (watch_) watch_->stop();
  if (process_ && process_->running()) {
    if (trace_ != nullptr)
      trace_->event(engine_.now(), "dut.stop", {{"dut", spec_.id}, {"pid", process_->pid()}});
    // stop_timeout is scenario time, like every duration of a scenario.
    const auto grace = std::chrono::duration<double>(spec_.stop_timeout) / engine_.speed();
    process_->stop(std::chrono::duration_cast<std::chrono::milliseconds>(grace));
  } else if (process_) {
    process_->kill();  // whatever is left of its group
  }
  powered_ = false;
}

bool Dut::running() const {
  return process_ && process_->running();
}

int Dut::pid() const {
  return process_ ? process_->pid() : 0;
}

}  // namespace hemsrig::dut
