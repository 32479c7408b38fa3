// The simulated unit's pages and script-call replies, rendered from a UnitWebState.
//
// Pure functions (state in, text out) so each page's shape is tested without sockets or auth;
// UnitWebSite wires them to paths. The shapes (ids, classes, attributes, JSON keys and value
// types, the argument order of init(...)) follow AISEG2-FACTS.md and the recorded pages; the
// markup around them is ours. docs/aiseg2-web.md lists which is which.
#pragma once

#include "sim/core/markup_escape.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include "devices/aiseg2/web/unit_web_state.hpp"

namespace hemsrig::aiseg2::web {

inline constexpr int kDevicePanelsPerPage = 4;    // 32: panels per page (recorded: 4)
inline constexpr int kLightingPanelsPerPage = 8;  // 32i1 (AISEG2-FACTS: 8 a page)
inline constexpr int kCircuitsPerPage = 10;       // 1113: #stage_1..10

// POST /data/electricflow/111/update: kW as strings ("2.1"), W as ints or "-".
std::string electricflow_json(const UnitWebState& s);
// GET /page/electricflow/111: div#g_capacity, #u_capacity, #g_d_N_title/_capacity, #u_d_N_...
std::string electricflow_page(const UnitWebState& s);
// GET /page/electricflow/1113?id=N: page N of the circuits, largest first; an id past the data
// shows the last page again (clients stop paging when a page repeats).
std::string circuits_page(const UnitWebState& s, int id);

// Number of panels on the appliance list: lighting and air conditioners one panel each,
// every other appliance a panel of its own.
int device_panel_count(const UnitWebState& s);
int device_page_count(const UnitWebState& s);  // at least 1
// GET /page/devices/device/32[?page=N]: window.onload = init(total, page, oldPage, TOKEN, [...])
// and the token in span.setting_value.
std::string device_list_page(const UnitWebState& s, int page, int old_page);
// GET /page/devices/device/32i1?page=N: lighting panels, <div id="main" token=NNN>.
std::string lighting_page(const UnitWebState& s, int page);
int lighting_page_count(const UnitWebState& s);

// GET /page/setting/etc/743: #table_wrapper1 with the five rows.
std::string version_page(const UnitWebState& s);
// GET /page/myhome/9: the top menu (leaves setting mode).
std::string myhome_page(const UnitWebState& s);

// GET /description.xml: the UPnP device description (ModelName, ModelNumber, URLBase).
std::string description_xml(const UnitWebState& s, const std::string& url_base);

using hemsrig::markup_escape;  // sim/core/markup_escape.hpp
inline std::string html_escape(std::string_view text) {
  return markup_escape(text);
}
std::string hex_code(std::uint32_t value, int digits);  // (0x29101, 6) -> "0x029101"
// JSON for inside a <script>: "</" becomes "<\/" so a name cannot close the script.
std::string script_json(const std::string& json);

}  // namespace hemsrig::aiseg2::web
