#include "devices/aiseg2/device_code.hpp"

#include "devices/aiseg2/utf8.hpp"

namespace hemsrig::aiseg2 {

namespace {

Error format_error(std::string what) {
  return make_error("device_code_format",
                    "device code: " + std::move(what) +
                        "; a device code is 10 half-width digits, written XXXXX-XXXXX or "
                        "XXXXXXXXXX (the code printed on the unit)");
}

std::string describe(char32_t cp, std::size_t position) {
  return "'" + encode_utf8(cp) + "' (" + code_point_name(cp) + ") at character " +
         std::to_string(position);
}

bool is_alnum_ascii(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

Result<DeviceCode> DeviceCode::parse(std::string_view text, DeviceCodeSyntax syntax) {
  auto cps = decode_utf8(text);
  if (!cps) return format_error(cps.error().message);
  if (cps->empty()) return format_error("nothing was typed");
  const bool normalise = syntax.full_width == FullWidth::Normalise;
  std::string digits;
  bool hyphen = false;
  for (std::size_t i = 0; i < cps->size(); ++i) {
    const char32_t cp = (*cps)[i];
    const std::size_t pos = i + 1;
    if (cp >= U'0' && cp <= U'9') {
      digits += static_cast<char>(cp);
    } else if (cp >= 0xFF10 && cp <= 0xFF19) {
      if (!normalise) return format_error("full-width digit " + describe(cp, pos));
      digits += static_cast<char>('0' + (cp - 0xFF10));
    } else if (cp == U'-' || cp == 0xFF0D) {
      if (cp == 0xFF0D && !normalise) return format_error("full-width hyphen " + describe(cp, pos));
      if (hyphen) return format_error("a second hyphen " + describe(cp, pos));
      if (digits.size() != 5) {
        return format_error("hyphen " + describe(cp, pos) + " after " +
                            std::to_string(digits.size()) +
                            " digits; it belongs after the fifth digit");
      }
      hyphen = true;
    } else {
      return format_error("not a digit: " + describe(cp, pos));
    }
  }
  if (digits.size() != kDigits) {
    return format_error(std::to_string(digits.size()) + " digits were typed, 10 are needed");
  }
  return DeviceCode(std::move(digits));
}

std::string DeviceCode::printed() const {
  return digits_.substr(0, 5) + "-" + digits_.substr(5);
}

AccessPassword AccessPassword::factory(const DeviceCode& code) {
  return AccessPassword(code.digits());  // DOMAIN R32
}

Status AccessPassword::validate(std::string_view text) {
  const std::string rule =
      "an access password is 4 to 16 half-width letters or digits (A-Z, a-z, 0-9; the rig's "
      "rule, the unit's own is not public)";
  if (text.size() < kMinLength || text.size() > kMaxLength) {
    // Count characters, not bytes, for the message.
    auto cps = decode_utf8(text);
    const std::size_t n = cps ? cps->size() : text.size();
    if (n >= kMinLength && n <= kMaxLength) {
      // Right length in characters, so some are multi-byte: not half-width.
      return make_error("access_password_format",
                        "access password has characters that are not half-width letters or "
                        "digits; " +
                            rule);
    }
    return make_error("access_password_format",
                      "access password has " + std::to_string(n) + " characters; " + rule);
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_alnum_ascii(text[i])) {
      return make_error("access_password_format",
                        "access password has a character that is not a half-width letter or "
                        "digit at byte " +
                            std::to_string(i + 1) + "; " + rule);
    }
  }
  return ok_status();
}

Result<AccessPassword> AccessPassword::make(std::string_view text) {
  if (auto st = validate(text); !st) return st.error();
  return AccessPassword(std::string(text));
}

Status AccessPassword::change(std::string_view next) {
  if (auto st = validate(next); !st) return st;
  text_ = std::string(next);
  return ok_status();
}

bool AccessPassword::check(std::string_view typed) const {
  if (typed.size() != text_.size()) return false;
  unsigned char diff = 0;  // no early exit: the comparison time says nothing
  for (std::size_t i = 0; i < typed.size(); ++i) {
    diff |= static_cast<unsigned char>(typed[i] ^ text_[i]);
  }
  return diff == 0;
}

}  // namespace hemsrig::aiseg2
