// markup_escape: text made safe inside HTML or XML, as element content or a
// quoted attribute value: & < > " ' become entities, and control characters
// XML 1.0 forbids (all below 0x20 but tab, LF, CR) are dropped. One function
// for the unit's web pages, the cloud's consent page and the JUnit report.
#pragma once

#include <string>
#include <string_view>

namespace hemsrig {

std::string markup_escape(std::string_view text);

}  // namespace hemsrig
