// hemsrig.Frame and World.frames(): the ECHONET Lite frames seen on the
// fabric, as the scenario's `frame` check sees them (each once, when a node of
// the world sent it or when it came from outside), so a test can assert what a
// controller or a DUT said on the wire.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "errors.hpp"
#include "handles.hpp"

namespace hemsrig::py {

namespace pyb = pybind11;
using namespace pybind11::literals;

namespace {

std::vector<std::pair<int, pyb::bytes>> properties(const std::vector<echonet::Property>& props) {
  std::vector<std::pair<int, pyb::bytes>> out;
  out.reserve(props.size());
  for (const auto& p : props) {
    out.emplace_back(p.epc, pyb::bytes(reinterpret_cast<const char*>(p.edt.data()), p.edt.size()));
  }
  return out;
}

// "127.10.0.1:3610" matches "127.10.0.1:3610", "127.10.0.1", or the id of an
// appliance or unit at that address.
std::string address_of(PyWorld& w, const std::string& who) {
  if (echonet::Node* n = w.world().node_of(who)) return n->address().to_string();
  if (aiseg2::Unit* u = w.world().unit(who)) return u->node().address().to_string();
  return who;
}

bool matches_endpoint(const std::string& endpoint, const std::string& want) {
  if (endpoint == want) return true;
  return endpoint.size() > want.size() && endpoint.compare(0, want.size(), want) == 0 &&
         endpoint[want.size()] == ':';
}

std::vector<FrameSeen> select(PyWorld& w, const std::optional<std::string>& source,
                              const std::optional<std::string>& destination,
                              const std::optional<std::string>& esv, std::optional<int> epc) {
  const std::string from = source ? address_of(w, *source) : std::string{};
  const std::string to = destination ? address_of(w, *destination) : std::string{};
  std::vector<FrameSeen> out;
  for (const FrameSeen& f : w.frames()) {
    if (source && !matches_endpoint(f.source, from)) continue;
    if (destination && !matches_endpoint(f.destination, to)) continue;
    if (esv && *esv != echonet::esv_name(f.frame.esv)) continue;
    if (epc) {
      bool found = false;
      for (const auto& p : f.frame.props) found = found || p.epc == *epc;
      for (const auto& p : f.frame.get_props) found = found || p.epc == *epc;
      if (!found) continue;
    }
    out.push_back(f);
  }
  return out;
}

}  // namespace

void bind_frames(pyb::module_& m) {
  // World is bound first (bind_world); this adds its frame methods.
  auto world =
      pyb::reinterpret_borrow<pyb::class_<PyWorld, std::shared_ptr<PyWorld>>>(m.attr("World"));
  pyb::class_<FrameSeen>(m, "Frame", "An ECHONET Lite frame seen on the fabric")
      .def_readonly("t", &FrameSeen::t, "Simulated seconds since the world's start")
      .def_readonly("source", &FrameSeen::source, "'127.10.0.1:3610'")
      .def_readonly("destination", &FrameSeen::destination, "'224.0.23.0:3610' for multicast")
      .def_property_readonly("tid", [](const FrameSeen& f) { return f.frame.tid; })
      .def_property_readonly("seoj",
                             [](const FrameSeen& f) { return echonet::to_string(f.frame.seoj); })
      .def_property_readonly("deoj",
                             [](const FrameSeen& f) { return echonet::to_string(f.frame.deoj); })
      .def_property_readonly(
          "esv", [](const FrameSeen& f) { return std::string(echonet::esv_name(f.frame.esv)); },
          "'Get', 'Get_Res', 'SetC', 'INF', ...")
      .def_property_readonly(
          "properties", [](const FrameSeen& f) { return properties(f.frame.props); },
          "[(epc, edt)]: OPC, or OPCSet for SetGet")
      .def_property_readonly(
          "get_properties", [](const FrameSeen& f) { return properties(f.frame.get_props); },
          "[(epc, edt)]: OPCGet of the SetGet family, else []")
      .def("__repr__", [](const FrameSeen& f) {
        return "<Frame " + std::string(echonet::esv_name(f.frame.esv)) + " " + f.source + " -> " +
               f.destination + " " + echonet::to_string(f.frame.seoj) + " -> " +
               echonet::to_string(f.frame.deoj) + ">";
      });
  world
      .def("frames", &select, "source"_a = pyb::none(), "destination"_a = pyb::none(),
           "esv"_a = pyb::none(), "epc"_a = pyb::none(),
           "The frames seen so far (the most recent 100,000), oldest first. source and "
           "destination: an address ('127.10.0.1' or '127.10.0.1:3610') or the id of an "
           "appliance or unit; esv: its name ('Get_Res'); epc: a property the frame carries.")
      .def("clear_frames", &PyWorld::clear_frames);
}

}  // namespace hemsrig::py
