#include "devices/echonet/profile_detail.hpp"

#include "sim/core/did_you_mean.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

namespace hemsrig::echonet::detail {

using F = ValueSpec::Format;

std::size_t format_size(F f) {
  switch (f) {
    case F::Int8:
    case F::Uint8:
      return 1;
    case F::Int16:
    case F::Uint16:
      return 2;
    case F::Int32:
    case F::Uint32:
      return 4;
  }
  return 1;
}

bool format_signed(F f) {
  return f == F::Int8 || f == F::Int16 || f == F::Int32;
}

std::int64_t format_min(F f) {
  if (!format_signed(f)) return 0;
  return -(std::int64_t{1} << (8 * format_size(f) - 1));
}

std::int64_t format_max(F f) {
  const auto bits = 8 * format_size(f);
  return format_signed(f) ? (std::int64_t{1} << (bits - 1)) - 1 : (std::int64_t{1} << bits) - 1;
}

const char* format_name(F f) {
  switch (f) {
    case F::Int8:
      return "int8";
    case F::Uint8:
      return "uint8";
    case F::Int16:
      return "int16";
    case F::Uint16:
      return "uint16";
    case F::Int32:
      return "int32";
    case F::Uint32:
      return "uint32";
  }
  return "uint8";
}

std::optional<F> parse_format(std::string_view s) {
  for (F f : {F::Int8, F::Uint8, F::Int16, F::Uint16, F::Int32, F::Uint32}) {
    if (s == format_name(f)) return f;
  }
  return std::nullopt;
}

const char* kind_name(ValueSpec::Kind k) {
  using K = ValueSpec::Kind;
  switch (k) {
    case K::Number:
      return "number";
    case K::State:
      return "state";
    case K::Level:
      return "level";
    case K::Raw:
      return "raw";
    case K::Bitmap:
      return "bitmap";
    case K::Date:
      return "date";
    case K::Time:
      return "time";
    case K::DateTime:
      return "date-time";
    case K::NumericValue:
      return "numericValue";
    case K::OneOf:
      return "oneOf";
    case K::Object:
      return "object";
    case K::Array:
      return "array";
  }
  return "raw";
}

std::optional<Access> parse_access(std::string_view s) {
  for (Access a : {Access::Required, Access::RequiredC, Access::RequiredO, Access::Optional,
                   Access::NotApplicable}) {
    if (s == to_string(a)) return a;
  }
  return std::nullopt;
}

std::int64_t overflow_code(F f) {
  return format_max(f);
}  // 0x7F.. or 0xFF..

std::int64_t underflow_code(F f) {
  return format_signed(f) ? format_min(f) : format_max(f) - 1;  // 0x80.. or 0xFF..FE
}

void set_number_range(ValueSpec& spec, std::optional<std::int64_t> minimum,
                      std::optional<std::int64_t> maximum, const std::vector<std::int64_t>& enums,
                      bool overflow, bool underflow) {
  if (!minimum && !maximum && !enums.empty()) {
    spec.minimum = 1;  // empty range: only the enum values
    spec.maximum = 0;
  } else {
    spec.minimum = minimum.value_or(format_min(spec.format));
    spec.maximum = maximum.value_or(format_max(spec.format));
  }
  spec.specials = enums;
  if (overflow) spec.specials.push_back(overflow_code(spec.format));
  if (underflow) spec.specials.push_back(underflow_code(spec.format));
}

std::int64_t read_be(std::span<const std::uint8_t> bytes, bool is_signed) {
  std::uint64_t v = 0;
  for (auto b : bytes) v = v << 8 | b;
  if (is_signed && !bytes.empty() && bytes.size() < 8 && (bytes[0] & 0x80)) {
    v |= ~std::uint64_t{0} << (8 * bytes.size());  // sign-extend
  }
  return static_cast<std::int64_t>(v);
}

Bytes write_be(std::int64_t value, std::size_t size) {
  Bytes out(size);
  auto v = static_cast<std::uint64_t>(value);
  for (std::size_t i = size; i-- > 0;) {
    out[i] = static_cast<std::uint8_t>(v & 0xFF);
    v >>= 8;
  }
  return out;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return "";
  static const char* digits = "0123456789ABCDEF";
  std::string s = "0x";
  for (auto b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 0xF];
  }
  return s;
}

std::optional<Bytes> parse_hex(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.empty() || text.size() % 2 != 0) return std::nullopt;
  Bytes out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    std::uint8_t b = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + i + 2, b, 16);
    if (ec != std::errc{} || p != text.data() + i + 2) return std::nullopt;
    out.push_back(b);
  }
  return out;
}

std::optional<Bytes> parse_hex_list(std::string_view text) {
  Bytes out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    auto token = parse_hex(text.substr(i, j - i));
    if (!token) return std::nullopt;
    out.insert(out.end(), token->begin(), token->end());
    i = j;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  auto s = static_cast<std::int64_t>(v);
  return negative ? -s : s;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  const std::string best = closest_word(word, candidates);
  if (best.empty()) return "";
  return " (did you mean '" + best + "'?)";
}

std::string lower_camel(std::string_view title) {
  std::string out;
  bool upper_next = false;
  for (char c : title) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper_next = !out.empty();
      continue;
    }
    if (out.empty()) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    }
    upper_next = false;
  }
  return out;
}

std::string snake_case(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty()) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace hemsrig::echonet::detail
