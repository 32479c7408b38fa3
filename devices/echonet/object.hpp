// EchonetObject: one ECHONET object instance (a device object such as
// 0x013001, or the node profile 0x0EF001) and its property values.
//
// It knows what each property may hold (its merged ClassProfile) and enforces
// size, range and access on requests from the network. Values change either
// through a request (Set) or from inside (a behaviour, a person at the remote
// control); every change is reported to the owner's change listener, which is
// how the node sends status-change INF and the trace records state.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "devices/echonet/profile.hpp"
#include "sim/core/result.hpp"
#include "sim/echonet/frame.hpp"
#include "sim/echonet/property_map.hpp"

namespace hemsrig::echonet {

class EchonetObject;

// What a behaviour may know of the world around it at a tick.
struct Surroundings {
  std::chrono::system_clock::time_point now;  // calendar time (simulated)
  double outdoor_c = 25.0;                    // outdoor air temperature
  double house_load_w = 0.0;                  // drawn by every appliance of the house
  double house_generation_w = 0.0;            // supplied by PV and discharging batteries
};

// Physics and class-specific logic attached to an object (room temperature
// that drifts toward the set point, a battery's state of charge...).
// Behaviours see simulated time only through what the owner gives them.
class Behaviour {
 public:
  virtual ~Behaviour() = default;
  // Called once the object is in a node; keep the pointer for later writes.
  virtual void attach(EchonetObject& object) { object_ = &object; }
  // A Set that passed the profile's checks; refuse it here for reasons the
  // profile cannot express (a scene number the fixture does not have).
  virtual Status check_set(std::uint8_t /*epc*/, std::span<const std::uint8_t> /*edt*/) {
    return ok_status();
  }
  // After an accepted Set was stored.
  virtual void after_set(std::uint8_t /*epc*/) {}
  // Advances the physics by `seconds` of simulated time.
  virtual void tick(double /*seconds*/, const Surroundings& /*around*/) {}
  // Electrical power drawn from the house (W); negative for a source.
  virtual double power_w() const { return metered_w_; }
  // Meters tick after everything else, so they see this tick's load.
  virtual bool measures_house() const { return false; }

 protected:
  // Reads and writes the object's integer properties, sized as stored; a
  // property the profile left out is skipped, so behaviours work with any
  // profile that has the EPCs they know.
  std::int64_t read_int(std::uint8_t epc, bool is_signed = false) const;
  void write_int(std::uint8_t epc, std::int64_t v);
  bool is_on() const;
  // A consumer's draw over the last `seconds`: sets power_w() and the super
  // class's 0x84 (W) and 0x85 (cumulative, 0.001 kWh = 1 Wh) where the
  // profile has them.
  void meter(double watts, double seconds);

  EchonetObject* object_ = nullptr;

 private:
  double metered_w_ = 0.0;
  double consumed_wh_ = 0.0;
};

struct PropertyChange {
  Eoj eoj;
  std::uint8_t epc = 0;
  Bytes old_value;
  Bytes new_value;
  const char* cause = "";  // "set" (from the network), "internal", "fault", "user"
};

class EchonetObject {
 public:
  using ChangeListener = std::function<void(const PropertyChange&)>;

  // `profile` is the merged profile (class + super class), shared by every
  // object of the class. Every property starts at its default EDT.
  EchonetObject(Eoj eoj, std::shared_ptr<const ClassProfile> profile);

  const Eoj& eoj() const { return eoj_; }
  const ClassProfile& profile() const { return *profile_; }

  bool has(std::uint8_t epc) const { return value(epc) != nullptr; }
  bool readable(std::uint8_t epc) const;
  bool settable(std::uint8_t epc) const;

  // Network requests: enforce access, size and range, and the behaviour's
  // own checks. Get of an unreadable EPC and refused Sets are errors.
  Result<Bytes> get_for_request(std::uint8_t epc) const;
  Status set_from_request(std::uint8_t epc, std::span<const std::uint8_t> edt);

  // Inside the simulation (behaviours, faults, a person): no access check,
  // but the value must still fit the profile unless `unchecked`.
  Status write(std::uint8_t epc, Bytes edt, const char* cause = "internal");
  void write_unchecked(std::uint8_t epc, Bytes edt, const char* cause = "internal");
  // The stored value, or nullptr if the object has no such property.
  const Bytes* value(std::uint8_t epc) const;

  // Property maps computed from the profile (0x9D announce, 0x9E set, 0x9F get).
  const EpcSet& announce_map() const { return profile_->announce_map; }
  const EpcSet& set_map() const { return profile_->set_map; }
  const EpcSet& get_map() const { return profile_->get_map; }

  void set_behaviour(std::unique_ptr<Behaviour> behaviour);
  Behaviour* behaviour() const { return behaviour_.get(); }
  void on_change(ChangeListener listener) { listener_ = std::move(listener); }

  // Extra response delay for requests touching `epc` (KAIT-style per-EPC delay).
  void set_response_delay(std::uint8_t epc, std::chrono::milliseconds delay);
  std::chrono::milliseconds response_delay(std::uint8_t epc) const;

 private:
  void store(std::uint8_t epc, Bytes edt, const char* cause);

  Eoj eoj_;
  std::shared_ptr<const ClassProfile> profile_;
  // Sorted by EPC: a flat vector costs a third of a std::map's nodes, which
  // matters at 10,000 nodes. The property maps live in the shared profile.
  std::vector<std::pair<std::uint8_t, Bytes>> values_;
  std::unique_ptr<Behaviour> behaviour_;
  ChangeListener listener_;
  std::map<std::uint8_t, std::chrono::milliseconds> delays_;
};

// Reads a big-endian unsigned integer of up to 8 bytes; helpers for behaviours.
std::uint64_t read_uint(std::span<const std::uint8_t> b);
Bytes write_uint(std::uint64_t v, std::size_t size);

}  // namespace hemsrig::echonet
