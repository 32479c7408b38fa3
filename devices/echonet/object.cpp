#include "devices/echonet/object.hpp"

#include <algorithm>

#include <cmath>

#include <fmt/format.h>

namespace hemsrig::echonet {

namespace {
// Property maps are computed by the profile, never stored per object.
bool is_map_epc(std::uint8_t epc) {
  return epc == 0x9D || epc == 0x9E || epc == 0x9F;
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
  values_.reserve(profile_->properties.size());
  for (const auto& [epc, spec] : profile_->properties) {  // std::map: already in EPC order
    if (is_map_epc(epc)) continue;
    Bytes v = spec.default_edt;
    if (v.empty()) v.assign(std::max<std::size_t>(1, spec.value.smallest()), 0);
    values_.emplace_back(epc, std::move(v));
  }
}

bool EchonetObject::readable(std::uint8_t epc) const {
  return get_map().contains(epc) && has(epc);
}
bool EchonetObject::settable(std::uint8_t epc) const {
  return set_map().contains(epc);
}

Result<Bytes> EchonetObject::get_for_request(std::uint8_t epc) const {
  if (!readable(epc)) {
    return make_error("not_readable",
                      fmt::format("{} has no readable property 0x{:02X}", to_string(eoj_), epc));
  }
  return *value(epc);
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
  if (epc == 0x9D) return &profile_->announce_map_edt;
  if (epc == 0x9E) return &profile_->set_map_edt;
  if (epc == 0x9F) return &profile_->get_map_edt;
  auto it = std::lower_bound(values_.begin(), values_.end(), epc,
                             [](const auto& v, std::uint8_t e) { return v.first < e; });
  return it == values_.end() || it->first != epc ? nullptr : &it->second;
}

void EchonetObject::store(std::uint8_t epc, Bytes edt, const char* cause) {
  auto it = std::lower_bound(values_.begin(), values_.end(), epc,
                             [](const auto& v, std::uint8_t e) { return v.first < e; });
  if (it == values_.end() || it->first != epc) it = values_.emplace(it, epc, Bytes{});
  Bytes& slot = it->second;
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
