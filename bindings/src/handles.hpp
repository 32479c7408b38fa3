// What Python holds: small handles that keep their world alive (a shared
// PyWorld) and point at one part of it, so a Unit or an Appliance taken from a
// world stays valid as long as Python holds it. Also the conversions every
// binding file shares (durations, appliance keys).
#pragma once

#include <memory>
#include <string>

#include <pybind11/pybind11.h>

#include "py_world.hpp"

namespace hemsrig::py {

struct UnitRef {
  std::shared_ptr<PyWorld> world;
  aiseg2::Unit* unit = nullptr;
};
// The unit's parts as Python sees them, each its own class.
struct FirmwareRef : UnitRef {};
struct ServerServiceRef : UnitRef {};
struct LinkCodesRef : UnitRef {};
struct LightingScenesRef : UnitRef {};
struct VoiceScenesRef : UnitRef {};

struct ApplianceRef {
  std::shared_ptr<PyWorld> world;
  std::string id;
  echonet::EchonetObject* object = nullptr;
};

struct BenchRef {
  std::shared_ptr<PyWorld> world;
};

struct CloudRef {
  std::shared_ptr<PyWorld> world;
};

// A scripted app or Google client of the world, by its id.
struct AppRef {
  std::shared_ptr<PyWorld> world;
  std::string id;
};
struct GoogleRef {
  std::shared_ptr<PyWorld> world;
  std::string id;
};

// A device under test of the world (docs/dut.md), by its id.
struct DutRef {
  std::shared_ptr<PyWorld> world;
  std::string id;
};

// Seconds (int or float) or a datetime.timedelta.
sim::Duration to_duration(const pybind11::handle& value);
sim::Duration from_seconds(double seconds);

// "127.10.0.1/0x013001" -> the unit's key of a registered appliance; raises NotFound.
aiseg2::ApplianceKey registered_key(aiseg2::Unit& unit, const std::string& text);

void bind_world(pybind11::module_& m);
void bind_unit(pybind11::module_& m);
void bind_appliance(pybind11::module_& m);
void bind_cloud(pybind11::module_& m);
void bind_clients(pybind11::module_& m);
void bind_dut(pybind11::module_& m);
void bind_frames(pybind11::module_& m);  // after bind_world: adds World.frames

}  // namespace hemsrig::py
