// Class profiles: what each ECHONET Lite class holds, as data.
//
// A ClassProfile lists a class's properties: EPC, access rules (Get, Set,
// Anno, as the MRA's accessRule get/set/inf), what an EDT may hold
// (ValueSpec, the MRA's data model), and a default EDT. Profiles come from
// the project's YAML files (devices/echonet/profiles/*.yaml, see
// docs/profiles.md) or from an MRA folder (--mra DIR); both produce the same
// structures, so the node runtime checks sizes and ranges on every Set the
// same way whatever the source.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/core/result.hpp"
#include "sim/echonet/frame.hpp"
#include "sim/echonet/property_map.hpp"

namespace hemsrig::echonet {

// MRA accessRule values. required_c / required_o (conditionally required)
// are kept apart so that a cross-check can compare them exactly.
enum class Access { Required, RequiredC, RequiredO, Optional, NotApplicable };
const char* to_string(Access a);
inline bool supported(Access a) {
  return a != Access::NotApplicable;
}

struct AccessRule {
  Access get = Access::Optional;
  Access set = Access::NotApplicable;
  Access anno = Access::Optional;  // "inf": announced on status change
};

// What an EDT may hold. One struct for every MRA data type; which fields
// matter depends on `kind`.
struct ValueSpec {
  enum class Kind {
    Number,
    State,
    Level,
    Raw,
    Bitmap,
    Date,
    Time,
    DateTime,
    NumericValue,
    OneOf,
    Object,
    Array
  };
  enum class Format { Int8, Uint8, Int16, Uint16, Int32, Uint32 };

  Kind kind = Kind::Raw;
  // Number: big-endian integer of `format`, valid in [minimum, maximum]
  // (minimum > maximum: no range, only `specials`).
  Format format = Format::Uint8;
  std::int64_t minimum = 0;
  std::int64_t maximum = 0;
  double multiple = 1.0;  // scale of one step (0.1 for "0.1 kWh"), informative
  std::string unit;
  std::int64_t step = 0;  // MRA integer "multipleOf": value - minimum divisible by it; 0: any
  // Also accepted outside the range: MRA number "enum" values and the
  // overflow/underflow codes (0xFFFF / 0xFFFE, 0x7FFF / 0x8000, ...).
  std::vector<std::int64_t> specials;
  // State and NumericValue: the allowed EDTs (each `size` bytes) and names.
  struct Choice {
    Bytes edt;
    std::string name;
    bool read_only = false;  // may be read but never Set (MRA "readOnly")
    Bytes last = {};         // non-empty: the range edt..last (MRA "0x000A...0x0013")
  };
  std::vector<Choice> choices;
  // Level: `base` .. `base + levels - 1`, big-endian in min_size bytes (1, or 2
  // for the MRA's 0xA000-style bases).
  std::uint16_t base = 0;
  int levels = 0;
  // Raw, Bitmap, Date, Time, DateTime, State, NumericValue, Level: byte sizes.
  std::size_t min_size = 0;
  std::size_t max_size = 0;
  // OneOf: any alternative matches. Object: fields in order. Array: items.
  std::vector<ValueSpec> alternatives;
  struct Field;  // defined below: it holds a ValueSpec
  std::vector<Field> fields;
  std::size_t item_size = 0;
  std::size_t min_items = 0;
  std::size_t max_items = 0;
  std::vector<ValueSpec> item;  // exactly one element for Array
  int max_hour = 23;            // Time: MRA "maximumOfHour" (timers count past 23)

  // Smallest and largest EDT this spec accepts.
  std::size_t smallest() const;
  std::size_t largest() const;
  // Why `edt` does not fit, or Ok. For a Set, `for_set` also refuses
  // read-only state values. Error codes: "size", "range", "value".
  Status check(std::span<const std::uint8_t> edt, bool for_set = false) const;
  // The first value check() accepts (first choice, 0 or the minimum, zeros,
  // 2000-01-01): what a property holds when its profile names no default.
  Bytes first_valid() const;
};

struct ValueSpec::Field {
  std::string name;
  ValueSpec spec;
};

struct PropertySpec {
  std::uint8_t epc = 0;
  std::string name;   // short name, lowerCamel as in the MRA ("operationStatus")
  std::string title;  // English property name
  AccessRule access;
  ValueSpec value;
  Bytes default_edt;  // the loaders fill it with value.first_valid() when none is given
};

struct ClassProfile {
  std::uint16_t class_code = 0;
  std::string name;                                 // short name ("homeAirConditioner")
  std::string title;                                // English class name
  std::string source;                               // file it came from, for messages
  std::map<std::uint8_t, PropertySpec> properties;  // by EPC
  // What every object of the class lists in its property maps (0x9D
  // announce, 0x9E set, 0x9F get), and those maps' EDTs: filled by
  // merged_with_super, so objects share them instead of each keeping a copy.
  EpcSet announce_map, set_map, get_map;
  Bytes announce_map_edt, set_map_edt, get_map_edt;

  const PropertySpec* find(std::uint8_t epc) const;
};

// Every class the world can instantiate, plus the device super class (0x0000)
// and the node profile (0x0EF0).
class ProfileLibrary {
 public:
  // Loads every *.yaml in a folder, or one file. Errors name file:line:col.
  Status load_yaml(const std::string& path);
  // Loads every class of an MRA folder (devices/*.json, superClass, nodeProfile,
  // definitions). A class also present as YAML keeps the YAML profile.
  Status load_mra(const std::string& dir);
  // The project's bundled profiles (devices/echonet/profiles), found next to
  // the executable's source tree or at the install prefix.
  static std::string bundled_dir();

  void add(ClassProfile profile, bool replace = true);
  const ClassProfile* find(std::uint16_t class_code) const;
  // By short name ("homeAirConditioner") or snake name ("home_air_conditioner").
  const ClassProfile* find(const std::string& name) const;
  const ClassProfile* super_class() const { return find(0x0000); }
  const ClassProfile* node_profile() const { return find(0x0EF0); }
  std::vector<const ClassProfile*> all() const;
  // The class merged with its super class (merged_with_super), built once and
  // shared by every object of the class: 10,000 air conditioners hold one
  // copy. nullptr for an unknown class. Not thread-safe, like the engine.
  std::shared_ptr<const ClassProfile> merged(std::uint16_t class_code) const;

 private:
  std::map<std::uint16_t, ClassProfile> classes_;
  mutable std::map<std::uint16_t, std::shared_ptr<const ClassProfile>> merged_;
};

// The property set an object of `cls` starts with: the super class's
// properties (or, for 0x0EF0, the node profile's) merged under the class's
// own, with the property maps computed.
ClassProfile merged_with_super(const ProfileLibrary& lib, const ClassProfile& cls);

}  // namespace hemsrig::echonet
