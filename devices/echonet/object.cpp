#include "devices/echonet/object.hpp"

#include <cmath>

#include <fmt/format.h>

namespace hemsrig::echonet {

namespace {
// Property maps are computed, never stored as profile defaults.
bool is_map_epc(std::uint8_t epc) {
  return epc == 0x9D || epc == 0x9E || epc == 0x9F;
}

// The announce map holds the properties the class must announce on a status
// change (inf "required"); optional announcements would flood the LAN with
// every power reading.
bool announces(Access a) {
  return a == Access::Required || a == Access::RequiredC || a == Access::RequiredO;
}
}  // namespace

std::uint64_t read_uint(std::span<const std::uint8_t> b) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < b.size() && i < 8; ++i) v = v << 8 | b[i];
  return v;
}

Bytes write_uint(std::uint64_t v, std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i)
    out[size - 1 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

EchonetObject::EchonetObject(Eoj eoj, std::shared_ptr<const ClassProfile> profile)
    : eoj_(eoj), profile_(std::move(profile)) {
  for (const auto& [epc, spec] : profile_->properties) {
    if (is_map_epc(epc)) continue;
    Bytes v = spec.default_edt;
    if (v.empty()) v.assign(std::max<std::size_t>(1, spec.value.smallest()), 0);
    values_[epc] = std::move(v);
  }
  rebuild_maps();
}

void EchonetObject::rebuild_maps() {
  announce_.clear();
  set_.clear();
  get_.clear();
  for (const auto& [epc, spec] : profile_->properties) {
    if (supported(spec.access.get)) get_.insert(epc);
    if (supported(spec.access.set) && !is_map_epc(epc)) set_.insert(epc);
    if (announces(spec.access.anno) && !is_map_epc(epc)) announce_.insert(epc);
  }
  // The maps themselves are always readable (super class and node profile mandate them).
  get_.insert({0x9D, 0x9E, 0x9F});
  values_[0x9D] = encode_property_map(announce_);
  values_[0x9E] = encode_property_map(set_);
  values_[0x9F] = encode_property_map(get_);
}

bool EchonetObject::readable(std::uint8_t epc) const {
  return get_.contains(epc) && values_.contains(epc);
}
bool EchonetObject::settable(std::uint8_t epc) const {
  return set_.contains(epc);
}

Result<Bytes> EchonetObject::get_for_request(std::uint8_t epc) const {
  if (!readable(epc)) {
    return make_error("not_readable",
                      fmt::format("{} has no readable property 0x{:02X}", to_string(eoj_), epc));
  }
  return values_.at(epc);
}

Status EchonetObject::set_from_request(std::uint8_t epc, std::span<const std::uint8_t> edt) {
  if (!settable(epc)) {
    return make_error("not_settable",
                      fmt::format("{} has no settable property 0x{:02X}", to_string(eoj_), epc));
  }
  const PropertySpec* spec = profile_->find(epc);
  if (spec != nullptr) {
    if (auto st = spec->value.check(edt, /*for_set=*/true); !st) return st;
  }
  if (behaviour_) {
    if (auto st = behaviour_->check_set(epc, edt); !st) return st;
  }
  store(epc, Bytes(edt.begin(), edt.end()), "set");
  if (behaviour_) behaviour_->after_set(epc);
  return ok_status();
}

Status EchonetObject::write(std::uint8_t epc, Bytes edt, const char* cause) {
  const PropertySpec* spec = profile_->find(epc);
  if (spec == nullptr || is_map_epc(epc)) {
    return make_error("unknown_property",
                      fmt::format("{} has no property 0x{:02X}", to_string(eoj_), epc));
  }
  if (auto st = spec->value.check(edt); !st) return st;
  store(epc, std::move(edt), cause);
  return ok_status();
}

void EchonetObject::write_unchecked(std::uint8_t epc, Bytes edt, const char* cause) {
  store(epc, std::move(edt), cause);
}

const Bytes* EchonetObject::value(std::uint8_t epc) const {
  auto it = values_.find(epc);
  return it == values_.end() ? nullptr : &it->second;
}

void EchonetObject::store(std::uint8_t epc, Bytes edt, const char* cause) {
  Bytes& slot = values_[epc];
  if (slot == edt) return;
  PropertyChange change{eoj_, epc, slot, edt, cause};
  slot = std::move(edt);
  if (listener_) listener_(change);
}

void EchonetObject::set_behaviour(std::unique_ptr<Behaviour> behaviour) {
  behaviour_ = std::move(behaviour);
  if (behaviour_) behaviour_->attach(*this);
}

void EchonetObject::set_response_delay(std::uint8_t epc, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    delays_.erase(epc);
  } else {
    delays_[epc] = delay;
  }
}

std::chrono::milliseconds EchonetObject::response_delay(std::uint8_t epc) const {
  auto it = delays_.find(epc);
  return it == delays_.end() ? std::chrono::milliseconds{0} : it->second;
}

}  // namespace hemsrig::echonet

namespace hemsrig::echonet {

std::int64_t Behaviour::read_int(std::uint8_t epc, bool is_signed) const {
  const Bytes* v = object_ ? object_->value(epc) : nullptr;
  if (v == nullptr || v->empty()) return 0;
  std::uint64_t u = read_uint(*v);
  if (is_signed && v->size() < 8 && ((*v)[0] & 0x80)) u |= ~std::uint64_t{0} << (8 * v->size());
  return static_cast<std::int64_t>(u);
}

void Behaviour::write_int(std::uint8_t epc, std::int64_t v) {
  const Bytes* cur = object_ ? object_->value(epc) : nullptr;
  if (cur == nullptr) return;
  object_->write_unchecked(epc, write_uint(static_cast<std::uint64_t>(v), cur->size()));
}

void Behaviour::meter(double watts, double seconds) {
  metered_w_ = watts;
  consumed_wh_ += watts * seconds / 3600.0;
  write_int(0x84, static_cast<std::int64_t>(std::lround(watts)));
  write_int(0x85, static_cast<std::int64_t>(consumed_wh_));
}

bool Behaviour::is_on() const {
  const Bytes* v = object_ ? object_->value(0x80) : nullptr;
  return v != nullptr && v->size() == 1 && (*v)[0] == 0x30;
}

}  // namespace hemsrig::echonet
