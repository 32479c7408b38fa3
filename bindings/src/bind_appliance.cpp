// hemsrig.Appliance (an ECHONET Lite object of the world: read its
// properties, change them as a person at the appliance would, switch its node)
// and hemsrig.Bench (the Modbus bench's power channels).
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "errors.hpp"
#include "handles.hpp"

namespace hemsrig::py {

namespace pyb = pybind11;
using namespace pybind11::literals;

namespace {

pyb::bytes as_bytes(const echonet::Bytes& v) {
  return pyb::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

std::uint8_t to_epc(int epc) {
  if (epc < 0 || epc > 0xFF) throw pyb::value_error(fmt::format("epc {} is not 0x00..0xFF", epc));
  return static_cast<std::uint8_t>(epc);
}

echonet::Node& node_of(ApplianceRef& a) {
  echonet::Node* n = a.world->world().node_of(a.id);
  if (n == nullptr) raise_not_found("appliance " + a.id + " has no node");
  return *n;
}

const rig::ApplianceSpec& spec_of(ApplianceRef& a) {
  for (const auto& s : a.world->world().spec().appliances) {
    if (s.id == a.id) return s;
  }
  raise_not_found("appliance " + a.id + " is not in the world file");
}

bench::PowerChannel& channel(BenchRef& b, const std::string& name) {
  bench::ModbusBench& bench = *b.world->world().bench();
  const int coil = bench.coil_of(name);
  if (coil < 0) raise_not_found("no bench channel '" + name + "'");
  return bench.channel(static_cast<std::size_t>(coil));
}

}  // namespace

void bind_appliance(pyb::module_& m) {
  pyb::class_<ApplianceRef>(m, "Appliance", "An ECHONET Lite appliance of the world")
      .def_property_readonly("id", [](ApplianceRef& a) { return a.id; })
      .def_property_readonly("name", [](ApplianceRef& a) { return spec_of(a).name; })
      .def_property_readonly("eoj",
                             [](ApplianceRef& a) { return echonet::to_string(a.object->eoj()); })
      .def_property_readonly("class_code",
                             [](ApplianceRef& a) { return a.object->eoj().class_code(); })
      .def_property_readonly("node", [](ApplianceRef& a) { return spec_of(a).node; })
      .def_property_readonly("address",
                             [](ApplianceRef& a) { return node_of(a).address().to_string(); })
      .def(
          "get",
          [](ApplianceRef& a, int epc) {
            const echonet::Bytes* v = a.object->value(to_epc(epc));
            if (v == nullptr) {
              raise_not_found(fmt::format("appliance {} has no property 0x{:02X}", a.id, epc));
            }
            return as_bytes(*v);
          },
          "epc"_a, "The property's value as stored (no access check).")
      .def(
          "set",
          [](ApplianceRef& a, int epc, const pyb::handle& value) {
            echonet::Bytes edt;
            if (pyb::isinstance<pyb::int_>(value)) {
              const int v = value.cast<int>();
              if (v < 0 || v > 255) throw pyb::value_error("a one-byte value must be 0..255");
              edt = {static_cast<std::uint8_t>(v)};
            } else {
              const std::string s = value.cast<std::string>();
              edt.assign(s.begin(), s.end());
            }
            check_refused(a.object->write(to_epc(epc), std::move(edt), "user"));
            a.world->raise_kept();
          },
          "epc"_a, "value"_a,
          "A person at the appliance changes a property (checked against the profile; announced "
          "as the appliance would).")
      .def("properties",
           [](ApplianceRef& a) {
             pyb::dict d;
             for (int epc = 0x80; epc <= 0xFF; ++epc) {
               if (const auto* v = a.object->value(static_cast<std::uint8_t>(epc))) {
                 d[pyb::int_(epc)] = as_bytes(*v);
               }
             }
             return d;
           })
      .def("readable", [](ApplianceRef& a, int epc) { return a.object->readable(to_epc(epc)); })
      .def("settable", [](ApplianceRef& a, int epc) { return a.object->settable(to_epc(epc)); })
      .def_property_readonly("powered", [](ApplianceRef& a) { return node_of(a).powered(); })
      .def(
          "power_on",
          [](ApplianceRef& a) {
            if (auto st = node_of(a).power_on(); !st) raise_error(st.error());
            a.world->raise_kept();
          },
          "Powers the appliance's node (every appliance on it); it announces 0xD5.")
      .def("power_off", [](ApplianceRef& a) { node_of(a).power_off(); })
      .def(
          "raise_fault",
          [](ApplianceRef& a, int description) {
            check_refused(
                node_of(a).raise_fault(a.object->eoj(), static_cast<std::uint16_t>(description)));
          },
          "description"_a = 0)
      .def("clear_fault",
           [](ApplianceRef& a) { check_refused(node_of(a).clear_fault(a.object->eoj())); })
      .def("__repr__", [](ApplianceRef& a) {
        return "<Appliance " + a.id + " " + echonet::to_string(a.object->eoj()) + ">";
      });

  pyb::class_<BenchRef>(m, "Bench", "The Modbus bench: one power channel per unit and node")
      .def_property_readonly("endpoint",
                             [](BenchRef& b) { return b.world->world().bench()->endpoint(); })
      .def_property_readonly("port", [](BenchRef& b) { return b.world->world().bench()->port(); })
      .def_property_readonly("channels",
                             [](BenchRef& b) {
                               std::vector<std::string> names;
                               auto* bench = b.world->world().bench();
                               for (std::size_t i = 0; i < bench->channel_count(); ++i) {
                                 names.push_back(bench->channel(i).name());
                               }
                               return names;
                             })
      .def("coil_of",
           [](BenchRef& b, const std::string& name) {
             return b.world->world().bench()->coil_of(name);
           })
      .def(
          "switch",
          [](BenchRef& b, const std::string& name, bool on) {
            auto& c = channel(b, name);
            if (on) {
              if (auto st = c.on(); !st) raise_error(st.error());
            } else {
              c.off();
            }
            b.world->raise_kept();
          },
          "channel"_a, "on"_a, "Switches a channel as its coil would (True: boot, False: cut)")
      .def("is_on", [](BenchRef& b, const std::string& name) { return channel(b, name).is_on(); })
      .def("power_w",
           [](BenchRef& b, const std::string& name) { return channel(b, name).power_w(); })
      .def("energy_wh",
           [](BenchRef& b, const std::string& name) { return channel(b, name).energy_wh(); });
}

}  // namespace hemsrig::py
