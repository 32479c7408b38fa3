#include "devices/aiseg2/appliance_registry.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "devices/aiseg2/utf8.hpp"

namespace hemsrig::aiseg2 {

namespace {

bool is_space(char32_t cp) {
  return classify(cp) == CharClass::Space;
}

// The name as stored: spaces at either end dropped. Errors for names the unit cannot keep.
Result<std::string> clean_name(std::string_view name) {
  auto cps = decode_utf8(name);
  if (!cps) {
    return make_error("name_not_utf8", "an appliance name must be UTF-8: " + cps.error().message);
  }
  std::size_t b = 0, e = cps->size();
  while (b < e && is_space((*cps)[b])) ++b;
  while (e > b && is_space((*cps)[e - 1])) --e;
  if (b == e) return make_error("name_empty", "an appliance needs a name");
  if (e - b > ApplianceRegistry::kMaxNameChars) {
    return make_error("name_too_long", fmt::format("'{}' has {} characters; at most {}", name,
                                                   e - b, ApplianceRegistry::kMaxNameChars));
  }
  std::string out;
  for (std::size_t i = b; i < e; ++i) out += encode_utf8((*cps)[i]);
  return out;
}

Error not_registered(const ApplianceKey& key) {
  return make_error("not_registered", fmt::format("no appliance {} is registered", to_string(key)));
}

}  // namespace

Result<const RegisteredAppliance*> ApplianceRegistry::add(const ApplianceKey& key, std::string name,
                                                          std::uint16_t class_code,
                                                          PropertyValues state) {
  if (auto it = entries_.find(key); it != entries_.end()) {
    return make_error("already_registered", fmt::format("{} is already registered as '{}'",
                                                        to_string(key), it->second.name));
  }
  auto clean = clean_name(name);
  if (!clean) return clean.error();
  RegisteredAppliance& e = entries_[key];
  e.key = key;
  e.name = std::move(*clean);
  e.class_code = class_code;
  e.state = std::move(state);
  e.order = next_order_++;
  return &e;
}

Status ApplianceRegistry::rename(const ApplianceKey& key, std::string name) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return not_registered(key);
  auto clean = clean_name(name);
  if (!clean) return clean.error();
  it->second.name = std::move(*clean);
  return ok_status();
}

Status ApplianceRegistry::remove(const ApplianceKey& key) {
  if (entries_.erase(key) == 0) return not_registered(key);
  return ok_status();
}

const RegisteredAppliance* ApplianceRegistry::find(const ApplianceKey& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const RegisteredAppliance*> ApplianceRegistry::all() const {
  std::vector<const RegisteredAppliance*> out;
  for (const auto& [key, e] : entries_) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](const RegisteredAppliance* a, const RegisteredAppliance* b) {
    return a->order < b->order;
  });
  return out;
}

std::vector<const RegisteredAppliance*> ApplianceRegistry::find_by_name(
    std::string_view name) const {
  std::vector<const RegisteredAppliance*> out;
  auto clean = clean_name(name);
  if (!clean) return out;
  for (const RegisteredAppliance* e : all()) {
    if (e->name == *clean) out.push_back(e);
  }
  return out;
}

void ApplianceRegistry::apply(const ControllerEvent& event) {
  auto it = entries_.find(event.key);
  if (it == entries_.end()) return;
  RegisteredAppliance& e = it->second;
  switch (event.kind) {
    case EventKind::Offline:
      e.online = false;
      break;
    case EventKind::Online:
      e.online = true;
      break;
    case EventKind::StateChanged:
      e.state[event.epc] = event.new_value;
      break;
    default:
      break;
  }
  // Ready, control and get results (and the rest) carry the controller's whole copy.
  if (event.state != nullptr) {
    e.state = event.state->properties;
    e.online = event.state->online;
  }
}

std::vector<RegistryWarning> ApplianceRegistry::lint() const {
  const auto list = all();
  std::vector<NamedAppliance> named;
  for (const RegisteredAppliance* e : list) named.push_back(NamedAppliance{e->name, e->class_code});
  std::vector<RegistryWarning> out;
  for (auto& w : lint_names(named))
    out.push_back(RegistryWarning{list[w.index]->key, std::move(w)});
  return out;
}

}  // namespace hemsrig::aiseg2
