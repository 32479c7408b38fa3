// UTF-8 helpers for the unit's text input: names typed on the touch screen or
// posted from a browser arrive as UTF-8, and the rules count characters, not
// bytes (DOMAIN R72: "6 characters, full- or half-width").
// decode() never throws: invalid UTF-8 comes back as an Error naming the byte
// offset.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

// The code points of `text`, or an Error (code "invalid_utf8") naming the
// offset of the first byte that is not well-formed UTF-8 (overlong forms,
// surrogates and values past U+10FFFF are refused too).
Result<std::vector<char32_t>> decode_utf8(std::string_view text);

// One code point as UTF-8.
std::string encode_utf8(char32_t cp);

// "U+FF11" for messages.
std::string code_point_name(char32_t cp);

}  // namespace hemsrig::aiseg2
