// The unit's identity: its device code (機器コード) and its access password.
//
// A device code is 10 digits, printed with a hyphen "XXXXX-XXXXX" on the unit
// and the manual's back cover (the manual's confirm screen, p45, shows the same
// code without the hyphen: "9999950072"). The factory access password is those
// 10 digits without the hyphen (DOMAIN R32); the user may change it. The access
// password is also the HTTP Digest password of the unit's web pages
// (AISEG2-FACTS, Transport and auth).
// Plain values: copy freely; no engine, no threads.
#pragma once

#include <string>
#include <string_view>

#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

// How parse() treats full-width input (０-９ and the full-width hyphen '－').
// The unit's own keypad types half-width only and the manual is silent, so the
// default refuses full-width with an error that says so; a front end that
// takes Japanese IME input (the app, the cloud) may choose Normalise.
enum class FullWidth { Refuse, Normalise };

struct DeviceCodeSyntax {
  FullWidth full_width = FullWidth::Refuse;
};

class DeviceCode {
 public:
  static constexpr std::size_t kDigits = 10;

  // Accepts exactly "XXXXX-XXXXX" or "XXXXXXXXXX" (X = 0-9), nothing around
  // it (no spaces). Errors (code "device_code_format") say what was wrong:
  // empty, a character that is not a digit (with its position), a misplaced or
  // second hyphen, the wrong number of digits, full-width characters.
  static Result<DeviceCode> parse(std::string_view text, DeviceCodeSyntax syntax = {});

  // "9999950072"
  const std::string& digits() const { return digits_; }
  // "99999-50072"
  std::string printed() const;

  bool operator==(const DeviceCode&) const = default;

 private:
  explicit DeviceCode(std::string digits) : digits_(std::move(digits)) {}
  std::string digits_;
};

// The access password of a unit: the factory value is the device code's 10
// digits (DOMAIN R32). A changed password must be 4 to 16 half-width letters
// or digits (A-Z, a-z, 0-9): the real unit's rule is not public, this is the
// rig's choice; the factory value satisfies it.
class AccessPassword {
 public:
  static constexpr std::size_t kMinLength = 4;
  static constexpr std::size_t kMaxLength = 16;

  // DOMAIN R32: the factory password is the device code without its hyphen.
  static AccessPassword factory(const DeviceCode& code);
  // A password the user chose; Error (code "access_password_format") when it
  // breaks the rule above, naming the rule broken.
  static Result<AccessPassword> make(std::string_view text);
  static Status validate(std::string_view text);

  // Replaces the password; on error the old one stays.
  Status change(std::string_view next);

  // Exact, case-sensitive comparison.
  bool check(std::string_view typed) const;
  bool is_factory_of(const DeviceCode& code) const { return text_ == code.digits(); }
  // The password itself (the web face needs it for HTTP Digest).
  const std::string& text() const { return text_; }

 private:
  explicit AccessPassword(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace hemsrig::aiseg2
