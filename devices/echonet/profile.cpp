// ProfileLibrary bookkeeping, ValueSpec sizes and first values, the super
// class merge. check() is in profile_check.cpp, the loaders in profile_yaml.cpp
// and mra_loader.cpp.
#include "devices/echonet/profile.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "devices/echonet/profile_detail.hpp"

#ifndef HEMSRIG_PROFILES_DIR
#define HEMSRIG_PROFILES_DIR ""
#endif

namespace hemsrig::echonet {

using Kind = ValueSpec::Kind;

const char* to_string(Access a) {
  switch (a) {
    case Access::Required:
      return "required";
    case Access::RequiredC:
      return "required_c";
    case Access::RequiredO:
      return "required_o";
    case Access::Optional:
      return "optional";
    case Access::NotApplicable:
      return "notApplicable";
  }
  return "notApplicable";
}

namespace {

// Size of the kinds that have exactly one, with the MRA's defaults for specs
// built by hand (date 4, time hh:mm:ss 3, date-time 7, level 1).
std::size_t fixed_size(const ValueSpec& s) {
  switch (s.kind) {
    case Kind::Number:
      return detail::format_size(s.format);
    case Kind::State:
    case Kind::NumericValue:
      if (s.min_size) return s.min_size;
      return s.choices.empty() ? 0 : s.choices.front().edt.size();
    case Kind::Level:
      return s.min_size ? s.min_size : 1;
    case Kind::Date:
      return s.min_size ? s.min_size : 4;
    case Kind::Time:
      return s.min_size ? s.min_size : 3;
    case Kind::DateTime:
      return s.min_size ? s.min_size : 7;
    case Kind::Bitmap:
      return s.min_size;
    default:
      return 0;
  }
}

}  // namespace

std::size_t ValueSpec::smallest() const {
  switch (kind) {
    case Kind::Raw:
      return min_size;
    case Kind::OneOf: {
      if (alternatives.empty()) return 0;
      std::size_t n = alternatives.front().smallest();
      for (const auto& a : alternatives) n = std::min(n, a.smallest());
      return n;
    }
    case Kind::Object: {
      std::size_t n = 0;
      for (const auto& f : fields) n += f.spec.smallest();
      return n;
    }
    case Kind::Array:
      return item_size * min_items;
    default:
      return fixed_size(*this);
  }
}

std::size_t ValueSpec::largest() const {
  switch (kind) {
    case Kind::Raw:
      return max_size;
    case Kind::OneOf: {
      std::size_t n = 0;
      for (const auto& a : alternatives) n = std::max(n, a.largest());
      return n;
    }
    case Kind::Object: {
      std::size_t n = 0;
      for (const auto& f : fields) n += f.spec.largest();
      return n;
    }
    case Kind::Array:
      return item_size * max_items;
    default:
      return fixed_size(*this);
  }
}

Bytes ValueSpec::first_valid() const {
  switch (kind) {
    case Kind::Number: {
      const std::int64_t lo = std::max(minimum, detail::format_min(format));
      const std::int64_t hi = std::min(maximum, detail::format_max(format));
      std::int64_t v = 0;
      if (lo <= hi) {
        const bool zero_ok = lo <= 0 && 0 <= hi && (step <= 0 || (0 - minimum) % step == 0);
        v = zero_ok ? 0 : lo;
      } else if (!specials.empty()) {
        v = specials.front();
      }
      return detail::write_be(v, detail::format_size(format));
    }
    case Kind::State:
    case Kind::NumericValue:
      if (!choices.empty()) return choices.front().edt;
      return Bytes(fixed_size(*this), 0);
    case Kind::Level:
      return detail::write_be(base, fixed_size(*this));
    case Kind::Date:
      return {0x07, 0xD0, 0x01, 0x01};  // 2000-01-01
    case Kind::DateTime: {
      Bytes b{0x07, 0xD0, 0x01, 0x01};
      b.resize(std::max<std::size_t>(fixed_size(*this), 4), 0);  // 00:00(:00)
      return b;
    }
    case Kind::OneOf:
      return alternatives.empty() ? Bytes{} : alternatives.front().first_valid();
    case Kind::Object: {
      Bytes b;
      for (const auto& f : fields) {
        auto part = f.spec.first_valid();
        b.insert(b.end(), part.begin(), part.end());
      }
      return b;
    }
    case Kind::Array: {
      Bytes one = item.empty() ? Bytes(item_size, 0) : item.front().first_valid();
      Bytes b;
      for (std::size_t i = 0; i < min_items; ++i) b.insert(b.end(), one.begin(), one.end());
      return b;
    }
    default:  // Raw, Bitmap, Time: zeros
      return Bytes(smallest(), 0);
  }
}

const PropertySpec* ClassProfile::find(std::uint8_t epc) const {
  auto it = properties.find(epc);
  return it == properties.end() ? nullptr : &it->second;
}

std::string ProfileLibrary::bundled_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("HEMSRIG_PROFILES_DIR"); env && *env) return env;
  if (fs::is_directory(HEMSRIG_PROFILES_DIR, ec)) return HEMSRIG_PROFILES_DIR;
  // Installed: <prefix>/bin/hemsrig next to <prefix>/share/hemsrig/profiles.
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path().parent_path() / "share" / "hemsrig" / "profiles";
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  return HEMSRIG_PROFILES_DIR;
}

void ProfileLibrary::add(ClassProfile profile, bool replace) {
  auto code = profile.class_code;
  if (!replace && classes_.count(code)) return;
  classes_[code] = std::move(profile);
  merged_.clear();  // a new class or super class changes what merges produce
}

const ClassProfile* ProfileLibrary::find(std::uint16_t class_code) const {
  auto it = classes_.find(class_code);
  return it == classes_.end() ? nullptr : &it->second;
}

const ClassProfile* ProfileLibrary::find(const std::string& name) const {
  for (const auto& [code, cls] : classes_) {
    if (cls.name == name || detail::snake_case(cls.name) == name) return &cls;
  }
  return nullptr;
}

std::vector<const ClassProfile*> ProfileLibrary::all() const {
  std::vector<const ClassProfile*> out;
  out.reserve(classes_.size());
  for (const auto& [code, cls] : classes_) out.push_back(&cls);
  return out;
}

std::shared_ptr<const ClassProfile> ProfileLibrary::merged(std::uint16_t class_code) const {
  if (auto it = merged_.find(class_code); it != merged_.end()) return it->second;
  const ClassProfile* cls = find(class_code);
  if (cls == nullptr) return nullptr;
  auto m = std::make_shared<const ClassProfile>(merged_with_super(*this, *cls));
  merged_.emplace(class_code, m);
  return m;
}

namespace {
bool is_map_epc(std::uint8_t epc) {
  return epc == 0x9D || epc == 0x9E || epc == 0x9F;
}

// The announce map holds the properties the class must announce on a status
// change (inf "required"); optional announcements would flood the LAN with
// every power reading.
bool announces(Access a) {
  return a == Access::Required || a == Access::RequiredC || a == Access::RequiredO;
}

void compute_property_maps(ClassProfile& p) {
  p.announce_map.clear();
  p.set_map.clear();
  p.get_map.clear();
  for (const auto& [epc, spec] : p.properties) {
    if (supported(spec.access.get)) p.get_map.insert(epc);
    if (supported(spec.access.set) && !is_map_epc(epc)) p.set_map.insert(epc);
    if (announces(spec.access.anno) && !is_map_epc(epc)) p.announce_map.insert(epc);
  }
  // The maps themselves are always readable (super class and node profile mandate them).
  p.get_map.insert({0x9D, 0x9E, 0x9F});
  p.announce_map_edt = encode_property_map(p.announce_map);
  p.set_map_edt = encode_property_map(p.set_map);
  p.get_map_edt = encode_property_map(p.get_map);
}
}  // namespace

ClassProfile merged_with_super(const ProfileLibrary& lib, const ClassProfile& cls) {
  ClassProfile merged = cls;
  // The node profile and the super class stand alone; device classes inherit.
  if (cls.class_code != 0x0EF0 && cls.class_code != 0x0000) {
    if (const ClassProfile* super = lib.super_class()) {
      for (const auto& [epc, prop] : super->properties) merged.properties.emplace(epc, prop);
    }
  }
  compute_property_maps(merged);
  return merged;
}

}  // namespace hemsrig::echonet
