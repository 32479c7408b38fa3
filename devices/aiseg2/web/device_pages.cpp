// Appliances: the list (/page/devices/device/32) and the lighting panels (32i1).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "devices/aiseg2/web/page_frame.hpp"
#include "devices/aiseg2/web/web_pages.hpp"

namespace hemsrig::aiseg2::web {

namespace {

using Appliance = UnitWebState::Appliance;

// One panel of the list page: a group (all lighting, all air conditioners) or one appliance.
struct Panel {
  std::string title;
  std::vector<const Appliance*> members;
};

std::vector<Panel> device_panels(const UnitWebState& s) {
  std::vector<Panel> panels;
  int lighting = -1;
  int aircon = -1;
  for (const auto& a : s.appliances) {
    int* group = a.type == web_type::kLighting         ? &lighting
                 : a.type == web_type::kAirConditioner ? &aircon
                                                       : nullptr;
    if (group != nullptr) {
      if (*group < 0) {
        *group = static_cast<int>(panels.size());
        panels.push_back(Panel{a.type == web_type::kLighting ? "照明" : "エアコン", {}});
      }
      panels[static_cast<std::size_t>(*group)].members.push_back(&a);
    } else {
      panels.push_back(Panel{a.name, {&a}});
    }
  }
  return panels;
}

std::string display_name(const Appliance& a) {
  if (a.location.empty() || a.location == "-") return a.name;
  return a.location + "・" + a.name;
}

std::vector<const Appliance*> lights(const UnitWebState& s) {
  std::vector<const Appliance*> out;
  for (const auto& a : s.appliances) {
    if (a.type == web_type::kLighting) out.push_back(&a);
  }
  return out;
}

std::string token_span(const UnitWebState& s) {
  return fmt::format("<span class=\"setting_value\" style=\"display:none;\">{}</span>\n", s.token);
}

}  // namespace

int device_panel_count(const UnitWebState& s) {
  return static_cast<int>(device_panels(s).size());
}

int device_page_count(const UnitWebState& s) {
  return std::max(1, (device_panel_count(s) + kDevicePanelsPerPage - 1) / kDevicePanelsPerPage);
}

std::string device_list_page(const UnitWebState& s, int page, int old_page) {
  const auto panels = device_panels(s);
  page = std::clamp(page, 1, device_page_count(s));
  std::string main = token_span(s);
  main += "<div id=\"main\">\n";
  for (int k = 0; k < kDevicePanelsPerPage; ++k) {
    const std::size_t index = static_cast<std::size_t>((page - 1) * kDevicePanelsPerPage + k);
    if (index >= panels.size()) break;
    const Panel& p = panels[index];
    main +=
        fmt::format("<div id=\"panel_{}\" class=\"panel\">\n<div class=\"kiki_title\">{}</div>\n",
                    k + 1, html_escape(p.title));
    if (p.members.size() > 1 || p.members.front()->type == web_type::kLighting) {
      const auto on = std::count_if(p.members.begin(), p.members.end(),
                                    [](const Appliance* a) { return a->on; });
      main += fmt::format(
          "<div class=\"kiki_val\"><div><span>停止中：</span><span>{}</span></div>"
          "<div><span>運転中：</span><span>{}</span></div></div>\n",
          static_cast<long>(p.members.size()) - on, on);
    } else {
      main += fmt::format("<div class=\"kiki_state\"><div class=\"state {0}\">{1}</div></div>\n",
                          p.members.front()->on ? "on" : "off",
                          p.members.front()->on ? "運転中" : "停止中");
    }
    main += "</div>\n";
  }
  main += "</div>\n";

  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& a : s.appliances) {
    nlohmann::ordered_json e;
    e["nodeId"] = std::to_string(a.node_id);
    e["eoj"] = hex_code(a.eoj, 6);
    e["type"] = hex_code(a.type, 2);
    e["name"] = a.name;
    e["location"] = a.location;
    list.push_back(std::move(e));
  }
  // init(total panels, page, previous page, token, every appliance): argument order as seen.
  const std::string init = fmt::format(
      "window.onload = init({}, {}, {}, {}, {});", static_cast<int>(panels.size()), page, old_page,
      s.token, script_json(list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  return render_page(s, PageFrame{"機器コントロール", "devices/device/32.css", main,
                                  "devices/device/32.js", init});
}

int lighting_page_count(const UnitWebState& s) {
  const int n = static_cast<int>(lights(s).size());
  return std::max(1, (n + kLightingPanelsPerPage - 1) / kLightingPanelsPerPage);
}

std::string lighting_page(const UnitWebState& s, int page) {
  const auto all = lights(s);
  page = std::clamp(page, 1, lighting_page_count(s));
  std::string main = token_span(s);
  main += fmt::format("<div id=\"main\" token={}>\n", s.token);  // unquoted, as the unit does
  int shown = 0;
  for (int k = 0; k < kLightingPanelsPerPage; ++k) {
    const std::size_t index = static_cast<std::size_t>((page - 1) * kLightingPanelsPerPage + k);
    if (index >= all.size()) break;
    const Appliance& a = *all[index];
    const char* state = a.on ? "on" : "off";
    main += fmt::format(
        "<div id=\"panel_{0}\" class=\"panel\" nodeId=\"{1}\" eoj=\"{2}\" type=\"{3}\" "
        "nodeIdentNum=\"0x{1:016d}\" deviceId=\"{1:03d}\" state=\"{4}\">\n"
        "<div class=\"icon {4}\"><div class=\"icon_img icon_img_li_etc\">&nbsp;</div></div>\n"
        "<div class=\"lighting_title\">{5}</div>\n"
        "<div class=\"lighting_state {4}\">{6}</div>\n"
        "<div class=\"lighting_switch button\"><div class=\"button_text\">{7}</div>"
        "<a href=\"javascript:void(0)\" class=\"hit\">&nbsp;</a></div>\n"
        "<div class=\"lighting_control button{8}\"><div class=\"button_text\">調光"
        "<div class=\"per_bar lv_{9}\"><div class=\"per_bar_val\"></div></div></div>"
        "<a href=\"javascript:void(0)\" class=\"hit\">&nbsp;</a></div>\n</div>\n",
        k + 1, a.node_id, hex_code(a.eoj, 6), hex_code(a.type, 2), state,
        html_escape(display_name(a)), a.on ? "点灯中" : "消灯中", a.on ? "消灯" : "点灯",
        a.dimmable ? "" : " hidden", std::clamp(a.level, 0, 5));
    ++shown;
  }
  main += "</div>\n";
  return render_page(s, PageFrame{"照明", "devices/device/32i1.css", main, "devices/device/32i1.js",
                                  fmt::format("var deviceCnt = {};", shown)});
}

}  // namespace hemsrig::aiseg2::web
