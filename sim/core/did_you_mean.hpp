// Did-you-mean for error messages: the candidate closest to a mistyped word,
// when it is close enough to be a typo (one edit per three letters, case
// ignored). Profile files, world files and scenario files all use it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hemsrig {

// The closest candidate, or "" when none is close enough.
std::string closest_word(std::string_view word, std::span<const std::string_view> candidates);
std::string closest_word(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace hemsrig
