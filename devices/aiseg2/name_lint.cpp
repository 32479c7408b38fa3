#include "devices/aiseg2/name_lint.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "devices/aiseg2/utf8.hpp"

namespace hemsrig::aiseg2 {

namespace {

bool in(char32_t cp, char32_t lo, char32_t hi) {
  return cp >= lo && cp <= hi;
}

struct KindRow {
  const char* id;
  const char* plural;
  std::vector<std::uint16_t> classes;
  std::vector<std::string> generic_names;
  const char* example;
};

// Generic words a household uses for a kind of appliance. R65's own examples: エアコン,
// 床暖房, 照明 (with the renames リビングエアコン, ダイニング床暖房, ダウンライト).
const std::vector<KindRow>& kinds() {
  static const std::vector<KindRow> rows = {
      {"air_conditioner",
       "air conditioners",
       {0x0130},
       {"エアコン", "クーラー", "空調", "冷暖房"},
       "リビングエアコン"},
      {"floor_heater",
       "floor heaters",
       {0x027B},
       {"床暖房", "床暖", "ゆか暖房"},
       "ダイニング床暖房"},
      {"lighting",
       "lights",
       {0x0290, 0x0291, 0x02A3, 0x02A4},
       {"照明", "ライト", "電気", "電灯", "明かり", "あかり"},
       "リビング照明"},
      {"water_heater",
       "water heaters",
       {0x026B, 0x0272},
       {"給湯器", "給湯", "温水器", "エコキュート"},
       "浴室給湯器"},
      {"storage_battery", "storage batteries", {0x027D}, {"蓄電池", "バッテリー"}, "屋外蓄電池"},
      {"solar",
       "solar power systems",
       {0x0279},
       {"太陽光", "太陽光発電", "ソーラー"},
       "南屋根太陽光"},
      {"smart_meter",
       "smart meters",
       {0x0288},
       {"スマートメーター", "メーター"},
       "母屋スマートメーター"},
      {"air_cleaner", "air cleaners", {0x0135}, {"空気清浄機"}, "寝室空気清浄機"},
      {"ventilation_fan", "ventilation fans", {0x0133}, {"換気扇", "換気"}, "浴室換気扇"},
      {"shutter",
       "shutters, blinds and curtains",
       {0x0260, 0x0261, 0x0262, 0x0263},
       {"シャッター", "雨戸", "ブラインド", "カーテン"},
       "寝室シャッター"},
      {"electric_lock", "electric locks", {0x026F}, {"鍵", "電気錠", "ロック"}, "玄関電気錠"},
      {"fuel_cell", "fuel cells", {0x027C}, {"燃料電池", "エネファーム"}, "屋外燃料電池"},
  };
  return rows;
}

// Spaces at either end do not change what is spoken.
std::string trimmed(std::string_view name) {
  auto cps = decode_utf8(name);
  if (!cps) return std::string(name);
  std::size_t b = 0, e = cps->size();
  while (b < e && classify((*cps)[b]) == CharClass::Space) ++b;
  while (e > b && classify((*cps)[e - 1]) == CharClass::Space) --e;
  std::string out;
  for (std::size_t i = b; i < e; ++i) out += encode_utf8((*cps)[i]);
  return out;
}

// For a message: the name, with bytes that are not UTF-8 shown as \xNN.
std::string printable(std::string_view name) {
  if (decode_utf8(name)) return std::string(name);
  std::string out;
  for (unsigned char c : name) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02X}", c);
    }
  }
  return out;
}

NameWarning warning(std::size_t index, const char* code, std::string_view name,
                    std::string message) {
  return NameWarning{index, code, std::string(name), std::move(message)};
}

}  // namespace

CharClass classify(char32_t cp) {
  // ASCII
  if (cp < 0x80) {
    if (cp == 0x20 || cp == 0x09) return CharClass::Space;
    if (in(cp, '0', '9')) return CharClass::Digit;
    if (in(cp, 'A', 'Z') || in(cp, 'a', 'z')) return CharClass::Latin;
    return CharClass::Symbol;  // punctuation, and control characters nobody can say
  }
  // Latin-1 and Latin Extended
  if (cp == 0xA0) return CharClass::Space;
  if (cp == 0xB2 || cp == 0xB3 || cp == 0xB9 || in(cp, 0xBC, 0xBE)) return CharClass::Digit;
  if (in(cp, 0x80, 0xBF) || cp == 0xD7 || cp == 0xF7) return CharClass::Symbol;
  if (in(cp, 0xC0, 0x24F) || in(cp, 0x1E00, 0x1EFF)) return CharClass::Latin;
  // General punctuation, super/subscripts, currency, letterlike, number forms, arrows,
  // mathematical and technical symbols, enclosed alphanumerics, shapes, dingbats.
  if (in(cp, 0x2000, 0x200A) || cp == 0x202F || cp == 0x205F) return CharClass::Space;
  if (cp == 0x2070 || in(cp, 0x2074, 0x2079) || in(cp, 0x2080, 0x2089)) return CharClass::Digit;
  if (in(cp, 0x2150, 0x215F)) return CharClass::Digit;  // vulgar fractions
  if (in(cp, 0x2160, 0x2188)) return CharClass::Latin;  // Roman numerals Ⅰ Ⅱ
  if (in(cp, 0x2460, 0x249B) || in(cp, 0x24EA, 0x24FF)) return CharClass::Digit;  // ① ⑴ ⒈ ⓪
  if (in(cp, 0x249C, 0x24E9)) return CharClass::Latin;                            // ⒜ Ⓐ ⓐ
  if (in(cp, 0x200B, 0x2BFF) || in(cp, 0x2E00, 0x2E7F)) return CharClass::Symbol;
  // CJK symbols and punctuation: 、。「」〜 and friends; 々 〆 〇 and the kana marks are words.
  if (cp == 0x3000) return CharClass::Space;
  if (in(cp, 0x3001, 0x3004) || in(cp, 0x3008, 0x3020) || cp == 0x3030 || in(cp, 0x3036, 0x3037) ||
      in(cp, 0x303D, 0x303F) || cp == 0x30A0 || cp == 0x30FB) {
    return CharClass::Symbol;
  }
  // Enclosed CJK and compatibility: circled numbers, ㈱, ㎡.
  if (in(cp, 0x3251, 0x325F) || in(cp, 0x32B1, 0x32BF)) return CharClass::Digit;
  if (in(cp, 0x3200, 0x33FF) || in(cp, 0xFE30, 0xFE6F)) return CharClass::Symbol;
  // Full-width forms: ！-／ ０-９ ：-＠ Ａ-Ｚ ［-｀ ａ-ｚ ｛-･, and ￠-￮.
  if (in(cp, 0xFF10, 0xFF19)) return CharClass::Digit;
  if (in(cp, 0xFF21, 0xFF3A) || in(cp, 0xFF41, 0xFF5A)) return CharClass::Latin;
  if (in(cp, 0xFF01, 0xFF65) || in(cp, 0xFFE0, 0xFFEE)) return CharClass::Symbol;
  // Mathematical alphanumerics, enclosed alphanumerics supplement, emoji and pictographs.
  if (in(cp, 0x1D7CE, 0x1D7FF) || in(cp, 0x1F100, 0x1F10F)) return CharClass::Digit;
  if (in(cp, 0x1D400, 0x1D7CD) || in(cp, 0x1F110, 0x1F1FF)) return CharClass::Latin;
  if (in(cp, 0x1F000, 0x1FAFF)) return CharClass::Symbol;
  return CharClass::Other;
}

ApplianceKind appliance_kind(std::uint16_t class_code) {
  for (const auto& row : kinds()) {
    if (std::find(row.classes.begin(), row.classes.end(), class_code) != row.classes.end()) {
      return ApplianceKind{row.id, row.plural, row.generic_names, row.example};
    }
  }
  return ApplianceKind{fmt::format("class_0x{:04X}", class_code),
                       fmt::format("appliances of class 0x{:04X}", class_code),
                       {},
                       {}};
}

std::vector<NameWarning> lint_name(std::string_view name) {
  return lint_names({NamedAppliance{std::string(name), 0}});
}

std::vector<NameWarning> lint_names(const std::vector<NamedAppliance>& appliances) {
  std::vector<NameWarning> out;
  // DOMAIN R65: digits, Latin letters and symbols in a name may be misrecognised.
  for (std::size_t i = 0; i < appliances.size(); ++i) {
    const std::string& name = appliances[i].name;
    auto cps = decode_utf8(name);
    if (!cps) {
      out.push_back(warning(i, kNameNotUtf8, name,
                            fmt::format("'{}' is not valid UTF-8, so the speaker gets no name for "
                                        "it (DOMAIN R65)",
                                        printable(name))));
      continue;
    }
    if (trimmed(name).empty()) {
      out.push_back(warning(i, kNameEmpty, name,
                            fmt::format("'{}' is empty: an appliance without a name cannot be "
                                        "called by voice (DOMAIN R65)",
                                        name)));
      continue;
    }
    bool digits = false, latin = false, symbols = false;
    for (char32_t cp : *cps) {
      switch (classify(cp)) {
        case CharClass::Digit:
          digits = true;
          break;
        case CharClass::Latin:
          latin = true;
          break;
        case CharClass::Symbol:
          symbols = true;
          break;
        default:
          break;
      }
    }
    if (digits) {
      out.push_back(
          warning(i, kNameHasDigits, name,
                  fmt::format("'{}' contains digits, which a speaker may misrecognise (DOMAIN R65)",
                              name)));
    }
    if (latin) {
      out.push_back(warning(
          i, kNameHasLatin, name,
          fmt::format("'{}' contains Latin letters, which a speaker may misrecognise (DOMAIN R65)",
                      name)));
    }
    if (symbols) {
      out.push_back(warning(
          i, kNameHasSymbols, name,
          fmt::format("'{}' contains symbols, which a speaker may misrecognise (DOMAIN R65)",
                      name)));
    }
  }

  // DOMAIN R65: no group control: one name on several appliances fails or hits the wrong one.
  std::map<std::string, std::vector<std::size_t>> by_name;
  std::map<std::string, std::size_t> per_kind;
  for (std::size_t i = 0; i < appliances.size(); ++i) {
    ++per_kind[appliance_kind(appliances[i].class_code).id];
    const std::string t = trimmed(appliances[i].name);
    if (!t.empty() && decode_utf8(t)) by_name[t].push_back(i);
  }
  for (const auto& [name, indices] : by_name) {
    if (indices.size() < 2) continue;
    for (std::size_t i : indices) {
      out.push_back(warning(
          i, kNameShared, appliances[i].name,
          fmt::format("'{}' names {} appliances; with no group control a spoken command fails or "
                      "reaches the wrong one: give each a unique name (DOMAIN R65)",
                      name, indices.size())));
    }
  }

  // DOMAIN R65: a bare class word (エアコン) needs its room once the house has several.
  for (std::size_t i = 0; i < appliances.size(); ++i) {
    const ApplianceKind kind = appliance_kind(appliances[i].class_code);
    const std::string t = trimmed(appliances[i].name);
    const std::size_t count = per_kind[kind.id];
    if (count < 2) continue;
    if (std::find(kind.generic_names.begin(), kind.generic_names.end(), t) ==
        kind.generic_names.end()) {
      continue;
    }
    out.push_back(warning(
        i, kNameGeneric, appliances[i].name,
        fmt::format("'{}' is a generic name and the house has {} {}; name it with its room, e.g. "
                    "'{}' (DOMAIN R65)",
                    t, count, kind.plural, kind.example)));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const NameWarning& a, const NameWarning& b) { return a.index < b.index; });
  return out;
}

}  // namespace hemsrig::aiseg2
