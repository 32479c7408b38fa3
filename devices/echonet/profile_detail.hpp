// Helpers shared by the profile code (profile*.cpp, mra_loader.cpp), not by
// callers: number formats, hex text, access rule names, "did you mean" hints.
// Both loaders spell these the same way so that a YAML profile and the MRA
// describe one property with identical values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "devices/echonet/profile.hpp"

namespace hemsrig::echonet::detail {

std::size_t format_size(ValueSpec::Format f);
bool format_signed(ValueSpec::Format f);
std::int64_t format_min(ValueSpec::Format f);
std::int64_t format_max(ValueSpec::Format f);
const char* format_name(ValueSpec::Format f);  // "uint8"
std::optional<ValueSpec::Format> parse_format(std::string_view s);
const char* kind_name(ValueSpec::Kind k);  // "number", "date-time", ...

std::optional<Access> parse_access(std::string_view s);

// ECHONET Lite overflow and underflow codes of a format (Appendix, 1.2):
// unsigned 0xFF.. / 0xFF..FE, signed 0x7F.. / 0x80...
std::int64_t overflow_code(ValueSpec::Format f);
std::int64_t underflow_code(ValueSpec::Format f);

// Numbers from either loader: a missing minimum or maximum is the format's
// own limit, except that a number with an "enum" and neither bound accepts
// only the enum values. The codes and enum values go to `specials`.
void set_number_range(ValueSpec& spec, std::optional<std::int64_t> minimum,
                      std::optional<std::int64_t> maximum, const std::vector<std::int64_t>& enums,
                      bool overflow, bool underflow);

// Big-endian integer of `bytes` (at most 8), unsigned or sign-extended.
std::int64_t read_be(std::span<const std::uint8_t> bytes, bool is_signed);
Bytes write_be(std::int64_t value, std::size_t size);

// "0x1A", "0x0000" (one token, as many bytes as given); "" when empty.
std::string hex(std::span<const std::uint8_t> bytes);
// "0x1A2B" or "1A2B" (even digit count) into bytes; nullopt when malformed.
std::optional<Bytes> parse_hex(std::string_view text);
// "0x1A", "0x1A 0x2B", "0x01 0x013001": hex tokens separated by blanks.
std::optional<Bytes> parse_hex_list(std::string_view text);
// Decimal ("-127") or hex ("0x7F") integer.
std::optional<std::int64_t> parse_int(std::string_view text);

// " (did you mean 'access'?)" when a candidate is close to `word`, else "".
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);
inline std::string did_you_mean(std::string_view word,
                                std::initializer_list<std::string_view> candidates) {
  return did_you_mean(word, std::span(candidates.begin(), candidates.size()));
}

// "Status change announcement property map" -> "statusChangeAnnouncementPropertyMap".
std::string lower_camel(std::string_view title);
// "homeAirConditioner" -> "home_air_conditioner".
std::string snake_case(std::string_view camel);

}  // namespace hemsrig::echonet::detail
