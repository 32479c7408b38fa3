// Name lint: the warnings the unit gives about appliance names, because the
// names set on the unit are the names a smart speaker hears (DOMAIN R65).
//
// Per name: digits (half- and full-width), Latin letters (half- and
// full-width), symbols (ASCII punctuation, full-width and CJK punctuation,
// other symbol blocks) may be misrecognised. Across names: there is no group
// control, so one name on several appliances fails or reaches the wrong one,
// and a bare generic class word (エアコン, 床暖房, 照明) needs a room when
// the house has several appliances of that kind. Warnings, not refusals: the
// unit accepts the names; a scenario asserts on the codes. Names are UTF-8
// and checked per code point, never per byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hemsrig::aiseg2 {

// What a speaker may misread in one character (DOMAIN R65; scene names, R72, share the list).
enum class CharClass { Other, Digit, Latin, Symbol, Space };
CharClass classify(char32_t cp);

// The kind of appliance a class code belongs to, for names: every lighting class is
// "lighting" (0x0290, 0x0291, 0x02A3, 0x02A4). Unknown classes are their own kind.
struct ApplianceKind {
  std::string id;                          // "air_conditioner"; "class_0x0272" if unknown
  std::string plural;                      // "air conditioners"
  std::vector<std::string> generic_names;  // エアコン, クーラー...
  std::string example;                     // a room-qualified name: リビングエアコン
};
ApplianceKind appliance_kind(std::uint16_t class_code);

struct NamedAppliance {
  std::string name;  // UTF-8
  std::uint16_t class_code = 0;
};

// Codes, each with a message quoting the name and citing DOMAIN R65.
inline constexpr const char* kNameHasDigits = "name_has_digits";
inline constexpr const char* kNameHasLatin = "name_has_latin";
inline constexpr const char* kNameHasSymbols = "name_has_symbols";
inline constexpr const char* kNameShared = "name_shared";  // the same name on several appliances
inline constexpr const char* kNameGeneric =
    "name_generic";  // a bare class word, several of the kind
inline constexpr const char* kNameNotUtf8 = "name_not_utf8";
inline constexpr const char* kNameEmpty = "name_empty";

struct NameWarning {
  std::size_t index = 0;  // which appliance of the input
  std::string code;
  std::string name;
  std::string message;  // "'照明01' contains digits, which a speaker may misrecognise (DOMAIN R65)"
};

// Warnings for one name on its own (characters only), in the order of the codes above.
std::vector<NameWarning> lint_name(std::string_view name);
// Every warning of a house's appliances: each name on its own, then shared and generic names.
std::vector<NameWarning> lint_names(const std::vector<NamedAppliance>& appliances);

}  // namespace hemsrig::aiseg2
