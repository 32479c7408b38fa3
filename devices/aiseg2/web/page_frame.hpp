// PageFrame: the XHTML skeleton every page of the simulated unit shares.
//
// Pages start with `<?xml version="1.0" encoding="UTF-8"?>`, are XHTML 1.0 Transitional in
// UTF-8, load assets from /contents/<firmware>/ and carry `var version = '<firmware>';`
// (AISEG2-FACTS, seen). The layout in between (header, footer menu) is ours and small.
#pragma once

#include <string>

#include "devices/aiseg2/web/unit_web_state.hpp"

namespace hemsrig::aiseg2::web {

struct PageFrame {
  std::string title;       // <title> and h1#h_title
  std::string stylesheet;  // below /contents/<fw>/stylesheets/pages/, e.g. "setting/etc/743.css"
  std::string main;        // markup inside div.contents, after the header
  std::string script;      // below /contents/<fw>/javascripts/pages/, e.g. "devices/device/32.js"
  std::string inline_script;  // JavaScript run at the end of the body (without <script> tags)
};

std::string render_page(const UnitWebState& s, const PageFrame& frame);

}  // namespace hemsrig::aiseg2::web
