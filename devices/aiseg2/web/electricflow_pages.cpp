// Power flow: /data/electricflow/111/update (JSON), /page/electricflow/111 and 1113 (circuits).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "devices/aiseg2/web/page_frame.hpp"
#include "devices/aiseg2/web/web_pages.hpp"

namespace hemsrig::aiseg2::web {

namespace {

constexpr int kDetailRows = 3;  // g_d_1..3, u_d_1..3

std::string kw(double value) {
  return fmt::format("{:.1f}", std::max(0.0, value));
}

const UnitWebState::Reading* row(const std::vector<UnitWebState::Reading>& v, int i) {
  return i < static_cast<int>(v.size()) ? &v[static_cast<std::size_t>(i)] : nullptr;
}

// The first `n` code points of UTF-8 text, and the rest.
std::pair<std::string, std::string> split_code_points(const std::string& text, int n) {
  std::size_t i = 0;
  int count = 0;
  while (i < text.size()) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (count == n) break;
      ++count;
    }
    ++i;
  }
  return {text.substr(0, i), text.substr(i)};
}

}  // namespace

std::string electricflow_json(const UnitWebState& s) {
  const auto& p = s.power;
  nlohmann::ordered_json j;
  // Value types as the unit sends them: kW as strings, flags and W as ints, "-" for none.
  j["g_capacity"] = kw(p.generation_kw);
  j["u_capacity"] = kw(p.use_kw);
  j["lo_buy_sell"] = static_cast<int>(p.buy_sell);
  j["soc"] = p.battery ? p.battery_soc : 0;
  j["percent"] = p.battery ? p.battery_percent : std::string("-");
  j["charge"] = p.battery_charge;
  j["connSb"] = p.battery ? 1 : 0;
  j["connEv"] = p.ev ? 1 : 0;
  j["connPv1"] = p.pv1 ? 1 : 0;
  j["connPv2"] = p.pv2 ? 1 : 0;
  for (int i = 0; i < kDetailRows; ++i) {
    const auto* g = row(p.generators, i);
    j[fmt::format("g_d_{}_title", i + 1)] = g ? g->title : std::string();
  }
  for (int i = 0; i < kDetailRows; ++i) {
    const auto* g = row(p.generators, i);
    const std::string key = fmt::format("g_d_{}_capacity", i + 1);
    if (g) {
      j[key] = g->watts;
    } else {
      j[key] = "-";
    }
  }
  j["connFc"] = p.fuel_cell ? 1 : 0;
  j["sbNet"] = 0;
  for (int i = 0; i < kDetailRows; ++i) {
    const auto* u = row(p.top_consumers, i);
    const std::string n = std::to_string(i + 1);
    if (u) {
      j["u_d_" + n + "_capacity"] = u->watts;
    } else {
      j["u_d_" + n + "_capacity"] = "-";
    }
    j["u_d_" + n + "_title"] = u ? u->title : std::string();
    j["best" + n] = u ? 1 : 0;
  }
  j["fc"] = {{"fcState", p.fuel_cell_state}, {"fcLevel", p.fuel_cell_level}};
  j["noPvFc"] = (p.pv1 || p.pv2 || p.fuel_cell) ? 0 : 1;
  j["measReg"] = p.measuring_unit ? 1 : 0;
  j["s_button_mode"] = 0;
  j["selfSufficiencyDisable"] = 1;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string electricflow_page(const UnitWebState& s) {
  const auto& p = s.power;
  std::string main = "<div id=\"main\">\n";
  main += fmt::format("<div id=\"g_capacity\">{}</div>\n", kw(p.generation_kw));
  main += fmt::format("<div id=\"u_capacity\">{}</div>\n", kw(p.use_kw));
  main += fmt::format("<div id=\"lo_buy_sell\" class=\"buy_sell_{}\"></div>\n",
                      static_cast<int>(p.buy_sell));
  // Only rows that exist: clients read #g_d_N_title until one is missing and expect a number
  // in every #g_d_N_capacity they find.
  for (int i = 0; i < kDetailRows; ++i) {
    const auto* g = row(p.generators, i);
    if (!g) break;
    main +=
        fmt::format("<div id=\"g_d_{0}_title\">{1}</div><div id=\"g_d_{0}_capacity\">{2}</div>\n",
                    i + 1, html_escape(g->title), g->watts);
  }
  for (int i = 0; i < kDetailRows; ++i) {
    const auto* u = row(p.top_consumers, i);
    if (!u) break;
    main +=
        fmt::format("<div id=\"u_d_{0}_title\">{1}</div><div id=\"u_d_{0}_capacity\">{2}</div>\n",
                    i + 1, html_escape(u->title), u->watts);
  }
  main += "</div>\n";
  return render_page(
      s, PageFrame{"現在の電気", "electricflow/111.css", main, "electricflow/111.js", {}});
}

std::string circuits_page(const UnitWebState& s, int id) {
  std::vector<UnitWebState::Circuit> circuits = s.circuits;
  std::stable_sort(circuits.begin(), circuits.end(),
                   [](const auto& a, const auto& b) { return a.watts > b.watts; });
  const int total = static_cast<int>(circuits.size());
  const int pages = std::max(1, (total + kCircuitsPerPage - 1) / kCircuitsPerPage);
  const int page = std::clamp(id, 1, pages);
  std::string main = "<div id=\"main\">\n<div id=\"graph_area\">\n";
  for (int k = 0; k < kCircuitsPerPage; ++k) {
    const int index = (page - 1) * kCircuitsPerPage + k;
    if (index >= total) break;
    const auto& c = circuits[static_cast<std::size_t>(index)];
    const auto [head, tail] = split_code_points(c.name, 6);
    main += fmt::format(
        "<div id=\"stage_{0}\" class=\"column c-{1}\">\n<div class=\"c_bar\"></div>\n"
        "<div class=\"c_value\"> {2}W</div>\n<div class=\"c_device\">{3}<br />{4}</div>\n</div>\n",
        k + 1, k % 5 + 1, c.watts, html_escape(head), html_escape(tail));
  }
  main += "</div>\n</div>\n";
  return render_page(s, PageFrame{"回路ごとで使っている電気",
                                  "electricflow/graph_circuit.css",
                                  main,
                                  "electricflow/1113.js",
                                  {}});
}

}  // namespace hemsrig::aiseg2::web
