// ApplianceRegistry: the appliances registered on the unit, each with the
// name a person gave it (UTF-8, Japanese as a rule: リビングエアコン), its
// class, and a copy of the state the controller last saw.
//
// The key is the appliance's place on the network (node address + EOJ).
// Names need not be unique (the real unit accepts duplicates), so lookup by
// name returns every match; lint() reports what a smart speaker would
// stumble on (DOMAIN R65). Keep the state copies current by passing the
// controller's events to apply(). Pointers returned stay valid until that
// appliance is removed. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "devices/aiseg2/appliance_controller.hpp"
#include "devices/aiseg2/name_lint.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

struct RegisteredAppliance {
  ApplianceKey key;
  std::string name;
  std::uint16_t class_code = 0;
  PropertyValues state;  // the controller's state copy
  bool online = true;
  std::uint64_t order = 0;  // registration order: the unit lists appliances in it
};

struct RegistryWarning {
  ApplianceKey key;
  NameWarning warning;
};

class ApplianceRegistry {
 public:
  // Errors: "already_registered", "name_not_utf8", "name_empty", "name_too_long".
  Result<const RegisteredAppliance*> add(const ApplianceKey& key, std::string name,
                                         std::uint16_t class_code, PropertyValues state = {});
  // Errors: "not_registered" and the name errors of add().
  Status rename(const ApplianceKey& key, std::string name);
  Status remove(const ApplianceKey& key);  // "not_registered"

  const RegisteredAppliance* find(const ApplianceKey& key) const;
  // Every appliance with exactly this name, in registration order (spaces at either end ignored).
  std::vector<const RegisteredAppliance*> find_by_name(std::string_view name) const;
  std::vector<const RegisteredAppliance*> all() const;  // registration order
  std::size_t size() const { return entries_.size(); }

  // Keeps the state copy and online flag of a registered appliance current (StateChanged,
  // Ready, Offline, Online, ControlResult, GetResult); events of others are ignored.
  void apply(const ControllerEvent& event);

  // DOMAIN R65: warnings for every registered name, in registration order.
  std::vector<RegistryWarning> lint() const;

  // Longest name accepted, in characters (code points). The manual gives no figure; ours.
  static constexpr std::size_t kMaxNameChars = 32;

 private:
  std::map<ApplianceKey, RegisteredAppliance> entries_;
  std::uint64_t next_order_ = 1;
};

}  // namespace hemsrig::aiseg2
