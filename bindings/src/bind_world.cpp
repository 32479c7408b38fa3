// hemsrig.World and hemsrig.Event: loading a world, time control, events,
// the trace; and hemsrig.run_scenario. The module's entry point is here too.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "errors.hpp"
#include "handles.hpp"
#include "rig/scenario/runner.hpp"

namespace hemsrig::py {

namespace pyb = pybind11;
using namespace pybind11::literals;

sim::Duration from_seconds(double seconds) {
  return std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(seconds));
}

sim::Duration to_duration(const pyb::handle& value) {
  if (pyb::hasattr(value, "total_seconds")) {
    return from_seconds(value.attr("total_seconds")().cast<double>());
  }
  return from_seconds(value.cast<double>());
}

namespace {

LoadOptions load_options(std::optional<std::uint64_t> seed, std::optional<std::string> base_address,
                         std::optional<std::string> trace, std::optional<std::string> pcap,
                         std::optional<bool> realtime, std::optional<double> speed) {
  LoadOptions o;
  o.seed = seed;
  o.base_address = std::move(base_address);
  o.trace_path = trace.value_or("");
  o.pcap_path = pcap.value_or("");
  o.realtime = realtime;
  o.speed = speed;
  return o;
}

pyb::bytes as_bytes(const std::vector<std::uint8_t>& v) {
  return pyb::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

std::string event_repr(const Event& e) {
  std::string s = fmt::format("<Event t={:.3f} {} {} {}", e.t, e.unit, e.source, e.kind);
  if (!e.appliance.empty()) s += " " + e.appliance;
  if (!e.name.empty()) s += " (" + e.name + ")";
  if (e.epc >= 0) s += fmt::format(" epc=0x{:02X}", e.epc);
  if (!e.version.empty()) s += " " + e.version;
  if (!e.detail.empty()) s += ": " + e.detail;
  return s + ">";
}

pyb::dict scenario_result(const scenario::ScenarioResult& r) {
  return pyb::dict("name"_a = r.name, "file"_a = r.file, "tags"_a = r.tags, "passed"_a = r.passed,
                   "steps_total"_a = r.steps_total, "steps_passed"_a = r.steps_passed,
                   "sim_seconds"_a = r.sim_seconds, "failed_step"_a = r.failed_step,
                   "step_kind"_a = r.step_kind, "step_where"_a = r.step_where,
                   "expected"_a = r.expected, "seen"_a = r.seen, "trace_tail"_a = r.trace_tail,
                   "trace_path"_a = r.trace_path, "pcap_path"_a = r.pcap_path,
                   "summary"_a = r.passed ? std::string{} : r.summary());
}

}  // namespace

void bind_world(pyb::module_& m) {
  pyb::class_<Event>(m, "Event",
                     "Something that happened in a unit: a controller or firmware event.")
      .def_readonly("t", &Event::t, "Simulated seconds since the world's start")
      .def_readonly("source", &Event::source, "'controller', 'firmware' or 'cloud'")
      .def_readonly("unit", &Event::unit)
      .def_readonly("kind", &Event::kind)
      .def_readonly("appliance", &Event::appliance, "'127.10.0.1/0x013001' (controller events)")
      .def_readonly("name", &Event::name, "The appliance's name on the unit")
      .def_readonly("epc", &Event::epc, "StateChanged: the property; -1 otherwise")
      .def_property_readonly("old", [](const Event& e) { return as_bytes(e.old_value); })
      .def_property_readonly("new", [](const Event& e) { return as_bytes(e.new_value); })
      .def_readonly("version", &Event::version)
      .def_readonly("detail", &Event::detail,
                    "Why (firmware failures); the JSON detail of cloud events")
      .def("__repr__", &event_repr);

  pyb::class_<PyWorld, std::shared_ptr<PyWorld>>(
      m, "World", "A simulated home: appliances, units, cloud, bench")
      .def_static(
          "load",
          [](const std::string& path, std::optional<std::uint64_t> seed,
             std::optional<std::string> base_address, std::optional<std::string> trace,
             std::optional<std::string> pcap, std::optional<bool> realtime,
             std::optional<double> speed) {
            return PyWorld::load(path, load_options(seed, std::move(base_address), std::move(trace),
                                                    std::move(pcap), realtime, speed));
          },
          "path"_a, pyb::kw_only(), "seed"_a = pyb::none(), "base_address"_a = pyb::none(),
          "trace"_a = pyb::none(), "pcap"_a = pyb::none(), "realtime"_a = pyb::none(),
          "speed"_a = pyb::none(),
          "Loads a world file (or a scenario file's world); not started yet. realtime=None: real "
          "time when the world has a DUT; speed (real time): scenario time per wall time, default "
          "the scenario's `speed:` or 1.")
      .def_static(
          "from_yaml",
          [](const std::string& text, std::optional<std::uint64_t> seed,
             std::optional<std::string> base_address, std::optional<std::string> trace,
             std::optional<std::string> pcap, std::optional<bool> realtime,
             std::optional<double> speed) {
            return PyWorld::from_yaml(
                text, load_options(seed, std::move(base_address), std::move(trace), std::move(pcap),
                                   realtime, speed));
          },
          "text"_a, pyb::kw_only(), "seed"_a = pyb::none(), "base_address"_a = pyb::none(),
          "trace"_a = pyb::none(), "pcap"_a = pyb::none(), "realtime"_a = pyb::none(),
          "speed"_a = pyb::none(),
          "Builds a world from world-file YAML text (a DUT's relative paths and {scenario_dir}: "
          "the working folder).")
      .def_property_readonly("name", &PyWorld::name)
      .def("start", &PyWorld::start, "Powers the appliances and units the file marks powered.")
      .def("stop", &PyWorld::stop, "Stops everything (units, cloud, bench, nodes).")
      .def_property_readonly("started", &PyWorld::started)
      .def("__enter__",
           [](std::shared_ptr<PyWorld> w) {
             w->start();
             return w;
           })
      .def("__exit__",
           [](PyWorld& w, const pyb::object&, const pyb::object&, const pyb::object&) {
             w.stop();
             return false;
           })
      .def_property_readonly("now", &PyWorld::now, "Simulated seconds since the world's start")
      .def_property_readonly(
          "epoch_seconds",
          [](PyWorld& w) {
            return std::chrono::duration<double>(w.engine().calendar_now().time_since_epoch())
                .count();
          },
          "Simulated calendar time as POSIX seconds")
      .def(
          "advance",
          [](PyWorld& w, double seconds, double minutes, double hours, double days) {
            w.advance(from_seconds(seconds + 60 * minutes + 3600 * hours + 86400 * days));
            return w.now();
          },
          pyb::kw_only(), "seconds"_a = 0.0, "minutes"_a = 0.0, "hours"_a = 0.0, "days"_a = 0.0,
          "Runs the simulation for that long; returns world.now.")
      .def(
          "run_until",
          [](PyWorld& w, const pyb::function& predicate, const pyb::handle& timeout) {
            return w.run_until(predicate, to_duration(timeout));
          },
          "predicate"_a, pyb::kw_only(), "timeout"_a = 3600.0,
          "Runs until predicate() is true (checked after every event) or `timeout` of simulated "
          "time (seconds or timedelta) passed; returns predicate()'s last value.")
      .def(
          "appliance",
          [](std::shared_ptr<PyWorld> w, const std::string& id) {
            echonet::EchonetObject& o = w->appliance(id);
            return ApplianceRef{w, id, &o};
          },
          "id"_a)
      .def_property_readonly("appliance_ids",
                             [](PyWorld& w) {
                               std::vector<std::string> ids;
                               for (const auto& a : w.world().spec().appliances)
                                 ids.push_back(a.id);
                               return ids;
                             })
      .def(
          "unit",
          [](std::shared_ptr<PyWorld> w, const std::string& id) {
            aiseg2::Unit& u = w->unit(id);
            return UnitRef{w, &u};
          },
          "id"_a)
      .def_property_readonly("unit_ids",
                             [](PyWorld& w) {
                               std::vector<std::string> ids;
                               for (const auto& u : w.world().spec().units) ids.push_back(u.id);
                               return ids;
                             })
      .def(
          "dut",
          [](std::shared_ptr<PyWorld> w, const std::string& id) {
            w->dut(id);  // raises NotFound now
            return DutRef{w, id};
          },
          "id"_a, "The device under test `id` (the world's or scenario's `dut:`/`duts:`)")
      .def_property_readonly("dut_ids",
                             [](PyWorld& w) {
                               std::vector<std::string> ids;
                               for (const auto& d : w.world().spec().duts) ids.push_back(d.id);
                               return ids;
                             })
      .def_property_readonly(
          "realtime", [](PyWorld& w) { return w.engine().mode() == sim::ClockMode::Realtime; })
      .def_property_readonly("speed", [](PyWorld& w) { return w.engine().speed(); })
      .def_property_readonly("node_keys", [](PyWorld& w) { return w.world().node_keys(); })
      .def_property_readonly("bench",
                             [](std::shared_ptr<PyWorld> w) -> std::optional<BenchRef> {
                               if (w->world().bench() == nullptr) return std::nullopt;
                               return BenchRef{w};
                             })
      .def(
          "app",
          [](std::shared_ptr<PyWorld> w, const std::string& id) {
            w->app_slot(id);  // raises no_cloud now rather than at the first call
            return AppRef{w, id};
          },
          "id"_a,
          "The scripted app on the phone `id` (made on first use, the same one afterwards), as "
          "the YAML app_* steps drive it.")
      .def(
          "google",
          [](std::shared_ptr<PyWorld> w, const std::string& id,
             std::optional<std::string> account) {
            auto& slot = w->google_slot(id, account.value_or(""));
            if (account && *account != slot.account) {
              raise_error(make_error("invalid_argument",
                                     "google " + id + " is already " + slot.account + "'s"));
            }
            return GoogleRef{w, id};
          },
          "id"_a, pyb::kw_only(), "account"_a = pyb::none(),
          "The scripted Google `id` (the Google account `account`, default id@gmail.com), as the "
          "YAML google_* steps drive it.")
      .def_property_readonly("cloud_url", [](PyWorld& w) { return w.world().cloud_url(); })
      .def_property_readonly("cloud",
                             [](std::shared_ptr<PyWorld> w) -> std::optional<CloudRef> {
                               if (w->world().cloud() == nullptr) return std::nullopt;
                               return CloudRef{w};
                             })
      .def("endpoints",
           [](PyWorld& w) {
             pyb::list out;
             for (const auto& e : w.world().endpoints()) {
               out.append(pyb::dict("kind"_a = e.kind, "id"_a = e.id, "address"_a = e.address,
                                    "detail"_a = e.detail));
             }
             return out;
           })
      .def_property_readonly(
          "events",
          [](PyWorld& w) { return std::vector<Event>(w.events().begin(), w.events().end()); })
      .def("clear_events", &PyWorld::clear_events)
      .def(
          "on_event",
          [](PyWorld& w, pyb::function callback, std::optional<std::string> unit,
             std::optional<std::string> source) {
            return w.subscribe(std::move(callback), unit.value_or(""), source.value_or(""));
          },
          "callback"_a, pyb::kw_only(), "unit"_a = pyb::none(), "source"_a = pyb::none(),
          "Calls callback(event) for every event (of one unit / source); returns an id for "
          "off_event. An exception it raises ends the run and is raised by advance/run_until.")
      .def("off_event", &PyWorld::unsubscribe, "subscription"_a)
      .def_property_readonly("trace_path", &PyWorld::trace_path)
      .def_property_readonly("pcap_path", &PyWorld::pcap_path)
      .def(
          "trace_tail",
          [](PyWorld& w, std::size_t n) {
            std::vector<std::string> lines;
            if (auto* t = w.world().trace()) {
              t->flush();
              lines = t->tail();
            }
            if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<long>(n));
            return lines;
          },
          "n"_a = 50, "The trace's last lines (JSON text), oldest first.")
      .def("flush", [](PyWorld& w) {
        if (auto* t = w.world().trace()) t->flush();
      });

  m.def(
      "run_scenario",
      [](const std::string& path, std::optional<std::uint64_t> seed, const std::string& trace_dir) {
        echonet::ProfileLibrary lib;
        if (auto st = lib.load_yaml(echonet::ProfileLibrary::bundled_dir()); !st) {
          raise_error(st.error());
        }
        scenario::ScenarioLoad load;
        try {
          load = scenario::load_scenario_file(path, lib);
        } catch (const YAML::Exception& e) {
          raise_world_file({rig::Diagnostic{path, e.mark.line + 1, e.mark.column + 1, e.msg}});
        }
        if (!load.scenario) raise_world_file(load.diagnostics);
        scenario::RunSettings settings;
        settings.seed = seed;
        settings.trace_dir = trace_dir;
        settings.load_profiles = [](echonet::ProfileLibrary& l) {
          return static_cast<bool>(l.load_yaml(echonet::ProfileLibrary::bundled_dir()));
        };
        scenario::ScenarioResult r;
        {
          pyb::gil_scoped_release release;
          r = scenario::run_scenario(*load.scenario, lib, settings);
        }
        return scenario_result(r);
      },
      "path"_a, pyb::kw_only(), "seed"_a = pyb::none(), "trace_dir"_a = "",
      "Runs a scenario file as `hemsrig run` does; returns its result as a dict.");
}

}  // namespace hemsrig::py

PYBIND11_MODULE(_hemsrig, m) {
  m.doc() = "hemsrig's C++ rig as a Python module (use the package `hemsrig`)";
  hemsrig::py::register_errors(m);
  hemsrig::py::bind_clients(m);
  hemsrig::py::bind_dut(m);
  hemsrig::py::bind_world(m);
  hemsrig::py::bind_frames(m);
  hemsrig::py::bind_unit(m);
  hemsrig::py::bind_appliance(m);
  hemsrig::py::bind_cloud(m);
}
