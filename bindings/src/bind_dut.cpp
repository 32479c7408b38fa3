// hemsrig.Dut: a device under test of the world (docs/dut.md), as the YAML
// `dut` check and the DUT power steps see it: up and boots from the wire, the
// lines it wrote, its pid, its power (off is a cut: SIGKILL to its process
// group; on starts it again with the same {state_dir}). A power cycle runs the
// world (GIL released) for the time it is off.
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "errors.hpp"
#include "handles.hpp"
#include "rig/dut/dut.hpp"

namespace hemsrig::py {

namespace pyb = pybind11;
using namespace pybind11::literals;

namespace {

dut::Dut& dut_of(DutRef& d) {
  return d.world->dut(d.id);
}

void require_started(DutRef& d) {
  if (!d.world->started()) {
    raise_error(
        make_error("not_started", "DUT " + d.id + ": start the world first (world.start())"));
  }
}

void check(const Status& st) {
  if (!st) raise_error(st.error());
}

std::string repr(DutRef& r) {
  dut::Dut& d = dut_of(r);
  std::string s =
      fmt::format("<Dut {} {} {}", d.id(), dut::to_string(d.spec().role), d.up() ? "up" : "down");
  s += fmt::format(" boots={}", d.boots());
  if (d.pid() != 0) s += fmt::format(" pid={}", d.pid());
  return s + ">";
}

}  // namespace

void bind_dut(pyb::module_& m) {
  pyb::class_<DutRef>(m, "Dut",
                      "A device under test of the world: a real firmware or app in the loop "
                      "(docs/dut.md)")
      .def_property_readonly("id", [](DutRef& d) { return d.id; })
      .def_property_readonly(
          "role", [](DutRef& d) { return std::string(dut::to_string(dut_of(d).spec().role)); },
          "'controller' or 'app'")
      .def_property_readonly(
          "adapter",
          [](DutRef& d) {
            return std::string(
                dut_of(d).spec().adapter == dut::DutAdapterKind::Process ? "process" : "external");
          },
          "'process' (the rig starts it) or 'external' (already running)")
      .def_property_readonly(
          "up", [](DutRef& d) { return dut_of(d).up(); },
          "Up as seen on the wire (its INF 0xD5, its answer to Get 0xD6, or its ready log line)")
      .def_property_readonly(
          "boots", [](DutRef& d) { return dut_of(d).boots(); }, "How many times it came up")
      .def_property_readonly(
          "powered", [](DutRef& d) { return dut_of(d).powered(); }, "Its power is on")
      .def_property_readonly(
          "running", [](DutRef& d) { return dut_of(d).running(); }, "Its process is alive")
      .def_property_readonly(
          "pid",
          [](DutRef& d) -> std::optional<int> {
            const int pid = dut_of(d).pid();
            return pid == 0 ? std::nullopt : std::optional<int>(pid);
          },
          "Its process id (also its process group's); None when not running or external")
      .def_property_readonly(
          "address",
          [](DutRef& d) -> std::optional<std::string> {
            dut::Dut& x = dut_of(d);
            if (x.spec().role != dut::DutRole::Controller) return std::nullopt;
            return x.address().to_string();
          },
          "Its ECHONET Lite address (a controller); None for an app")
      .def_property_readonly(
          "output",
          [](DutRef& d) {
            const auto& lines = dut_of(d).output();
            return std::vector<std::string>(lines.begin(), lines.end());
          },
          "The lines it wrote so far (stdout and stderr; the last 100,000)")
      .def_property_readonly(
          "output_total", [](DutRef& d) { return dut_of(d).output_total(); },
          "How many lines it wrote since the world was built")
      .def_property_readonly(
          "state_dir", [](DutRef& d) { return dut_of(d).state_dir(); },
          "Its {state_dir}, kept across its restarts")
      .def_property_readonly(
          "command_line", [](DutRef& d) { return dut_of(d).command_line(); },
          "The command as started last (expanded)")
      .def(
          "power_off",
          [](DutRef& d) {
            require_started(d);
            check(dut_of(d).power_off());
          },
          "A power cut: SIGKILL to its process group at once (or its relay opened)")
      .def(
          "power_on",
          [](DutRef& d) {
            require_started(d);
            check(dut_of(d).power_on());
          },
          "Starts it again with the same {state_dir} (or closes its relay)")
      .def(
          "power_cycle",
          [](DutRef& d, const pyb::handle& off_for) {
            require_started(d);
            const sim::Duration off = to_duration(off_for);
            if (off.count() < 0)
              raise_error(make_error("invalid_duration", "off_for cannot be negative"));
            check(dut_of(d).power_off());
            d.world->advance(off);
            check(dut_of(d).power_on());
          },
          pyb::kw_only(), "off_for"_a = 10.0,
          "Power off, `off_for` of scenario time (seconds or timedelta) with the world running, "
          "power on: as the YAML `power_cycle: {dut: ID, off_for: ...}`")
      .def("__repr__", &repr);
}

}  // namespace hemsrig::py
