// ValueSpec::check: does an EDT fit a property's data description. Messages
// say what was wrong and what was expected, since they end up in a refused
// Set's trace and in the rig's report.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "devices/echonet/profile.hpp"
#include "devices/echonet/profile_detail.hpp"

namespace hemsrig::echonet {

using Kind = ValueSpec::Kind;
using Edt = std::span<const std::uint8_t>;

namespace {

Error size_error(std::size_t got, std::size_t lo, std::size_t hi) {
  std::string expected = std::to_string(lo);
  if (hi != lo) expected += ".." + std::to_string(hi);
  return make_error("size", "EDT is " + std::to_string(got) + (got == 1 ? " byte" : " bytes") +
                                ", expected " + expected);
}

Status expect_size(Edt edt, std::size_t lo, std::size_t hi) {
  if (edt.size() < lo || edt.size() > hi) return size_error(edt.size(), lo, hi);
  return ok_status();
}

Status in_range(const char* what, int v, int lo, int hi) {
  if (v >= lo && v <= hi) return ok_status();
  return make_error("range", std::string(what) + " " + std::to_string(v) + " is out of range " +
                                 std::to_string(lo) + ".." + std::to_string(hi));
}

std::string join_values(const std::vector<std::int64_t>& values) {
  std::string s;
  for (auto v : values) s += (s.empty() ? "" : ", ") + std::to_string(v);
  return s;
}

Status check_number(const ValueSpec& s, Edt edt) {
  const auto size = detail::format_size(s.format);
  if (auto st = expect_size(edt, size, size); !st) return st;
  const std::int64_t v = detail::read_be(edt, detail::format_signed(s.format));
  if (std::find(s.specials.begin(), s.specials.end(), v) != s.specials.end()) return ok_status();
  const std::string unit = s.unit.empty() ? "" : " (" + s.unit + ")";
  if (s.minimum > s.maximum) {
    return make_error("value", std::to_string(v) + " is not one of " + join_values(s.specials));
  }
  if (v < s.minimum || v > s.maximum) {
    std::string msg = std::to_string(v) + " is out of range " + std::to_string(s.minimum) + ".." +
                      std::to_string(s.maximum) + unit;
    if (!s.specials.empty()) msg += " nor one of " + join_values(s.specials);
    return make_error("range", msg);
  }
  if (s.step > 1 && (v - s.minimum) % s.step != 0) {
    return make_error("range", std::to_string(v) + " is not " + std::to_string(s.minimum) +
                                   " plus a multiple of " + std::to_string(s.step) + unit);
  }
  return ok_status();
}

bool choice_matches(const ValueSpec::Choice& c, Edt edt) {
  if (c.last.empty()) return std::equal(edt.begin(), edt.end(), c.edt.begin(), c.edt.end());
  // Same-size big-endian byte strings order like the numbers they encode.
  return !std::lexicographical_compare(edt.begin(), edt.end(), c.edt.begin(), c.edt.end()) &&
         !std::lexicographical_compare(c.last.begin(), c.last.end(), edt.begin(), edt.end());
}

std::string describe_choice(const ValueSpec::Choice& c) {
  std::string s = detail::hex(c.edt);
  if (!c.last.empty()) s += ".." + detail::hex(c.last);
  if (!c.name.empty()) s += " (" + c.name + ")";
  return s;
}

Status check_choices(const ValueSpec& s, Edt edt, bool for_set) {
  const auto size = s.smallest();
  if (auto st = expect_size(edt, size, size); !st) return st;
  for (const auto& c : s.choices) {
    if (!choice_matches(c, edt)) continue;
    if (for_set && c.read_only) {
      return make_error("value", describe_choice(c) + " can be read but not set");
    }
    return ok_status();
  }
  std::string allowed;
  for (const auto& c : s.choices) allowed += (allowed.empty() ? "" : ", ") + describe_choice(c);
  return make_error("value", detail::hex(edt) + " is not one of " + allowed);
}

Status check_level(const ValueSpec& s, Edt edt) {
  const auto size = s.smallest();
  if (auto st = expect_size(edt, size, size); !st) return st;
  const std::int64_t v = detail::read_be(edt, false);
  const std::int64_t last = std::int64_t{s.base} + s.levels - 1;
  if (v >= s.base && v <= last) return ok_status();
  return make_error("range", detail::hex(edt) + " is out of range " +
                                 detail::hex(detail::write_be(s.base, size)) + ".." +
                                 detail::hex(detail::write_be(last, size)) + " (level 1.." +
                                 std::to_string(s.levels) + ")");
}

Status check_date(Edt edt) {
  if (auto st = in_range("month", edt[2], 1, 12); !st) return st;
  return in_range("day", edt[3], 1, 31);
}

// hh:mm[:ss] starting at `at`.
Status check_clock(Edt edt, std::size_t at, int max_hour) {
  if (auto st = in_range("hour", edt[at], 0, max_hour); !st) return st;
  if (auto st = in_range("minute", edt[at + 1], 0, 59); !st) return st;
  if (edt.size() > at + 2) return in_range("second", edt[at + 2], 0, 59);
  return ok_status();
}

Status with_prefix(Status st, const std::string& prefix) {
  if (st) return st;
  return make_error(st.error().code, prefix + ": " + st.error().message);
}

Status check_one_of(const ValueSpec& s, Edt edt, bool for_set) {
  std::optional<Error> first;
  for (const auto& alt : s.alternatives) {
    auto st = alt.check(edt, for_set);
    if (st) return st;
    if (!first && st.error().code != "size") first = st.error();
  }
  if (!first) return size_error(edt.size(), s.smallest(), s.largest());
  const auto n = s.alternatives.size();
  if (n == 1) return *first;
  // The first form that could hold this many bytes says why.
  return make_error(first->code,
                    first->message + " (matches none of " + std::to_string(n) + " forms)");
}

Status check_object(const ValueSpec& s, Edt edt, bool for_set) {
  if (auto st = expect_size(edt, s.smallest(), s.largest()); !st) return st;
  // Fixed fields take their size; the last variable one (the MRA has at most
  // one, an array at the end) takes what the others leave.
  const auto count = s.fields.size();
  std::vector<std::size_t> after(count + 1, 0);  // smallest size of the fields after i
  std::size_t last_variable = count;
  for (std::size_t i = count; i-- > 0;) {
    const auto& spec = s.fields[i].spec;
    after[i] = after[i + 1] + spec.smallest();
    if (last_variable == count && spec.smallest() != spec.largest()) last_variable = i;
  }
  std::size_t at = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& f = s.fields[i];
    std::size_t n = i == last_variable ? edt.size() - at - after[i + 1] : f.spec.smallest();
    if (auto st = with_prefix(f.spec.check(edt.subspan(at, n), for_set), f.name); !st) return st;
    at += n;
  }
  return ok_status();
}

Status check_array(const ValueSpec& s, Edt edt, bool for_set) {
  const std::size_t unit = std::max<std::size_t>(s.item_size, 1);
  if (edt.size() % unit != 0 || edt.size() < s.smallest() || edt.size() > s.largest()) {
    return make_error("size", "EDT is " + std::to_string(edt.size()) + " bytes, expected " +
                                  std::to_string(s.min_items) + ".." + std::to_string(s.max_items) +
                                  " items of " + std::to_string(s.item_size) + " bytes");
  }
  if (s.item.empty()) return ok_status();
  for (std::size_t i = 0; i * unit < edt.size(); ++i) {
    auto st = s.item.front().check(edt.subspan(i * unit, unit), for_set);
    if (!st) return with_prefix(st, "item " + std::to_string(i));
  }
  return ok_status();
}

}  // namespace

Status ValueSpec::check(std::span<const std::uint8_t> edt, bool for_set) const {
  switch (kind) {
    case Kind::Number:
      return check_number(*this, edt);
    case Kind::State:
    case Kind::NumericValue:
      return check_choices(*this, edt, for_set);
    case Kind::Level:
      return check_level(*this, edt);
    case Kind::Raw:
      return expect_size(edt, min_size, max_size);
    case Kind::Bitmap:
      return expect_size(edt, smallest(), smallest());
    case Kind::Date:
      if (auto st = expect_size(edt, 4, 4); !st) return st;
      return check_date(edt);
    case Kind::Time: {
      const auto size = smallest();
      if (auto st = expect_size(edt, size, size); !st) return st;
      return check_clock(edt, 0, max_hour);
    }
    case Kind::DateTime: {
      const auto size = smallest();  // 7: YYYY MM DD hh mm ss; 6: without ss
      if (auto st = expect_size(edt, size, size); !st) return st;
      if (auto st = check_date(edt.first(4)); !st) return st;
      return check_clock(edt, 4, 23);
    }
    case Kind::OneOf:
      return check_one_of(*this, edt, for_set);
    case Kind::Object:
      return check_object(*this, edt, for_set);
    case Kind::Array:
      return check_array(*this, edt, for_set);
  }
  return make_error("value", "unknown data kind");
}

}  // namespace hemsrig::echonet
