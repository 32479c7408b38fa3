#include "devices/aiseg2/web/page_frame.hpp"

#include <fmt/format.h>

#include "devices/aiseg2/web/web_pages.hpp"

namespace hemsrig::aiseg2::web {

std::string hex_code(std::uint32_t value, int digits) {
  return fmt::format("0x{:0{}x}", value, digits);
}

std::string script_json(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    out.push_back(json[i]);
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') out.push_back('\\');
  }
  return out;
}

std::string render_page(const UnitWebState& s, const PageFrame& f) {
  const std::string fw = html_escape(s.firmware);
  const std::string title = html_escape(f.title);
  std::string page;
  page.reserve(4096 + f.main.size());
  page += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  page +=
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
      "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"ja\" lang=\"ja\">\n<head>\n"
      "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n"
      "<meta http-equiv=\"content-script-type\" content=\"text/javascript\" />\n";
  page += fmt::format(
      "<link href=\"/contents/{0}/stylesheets/common.css\" rel=\"stylesheet\" type=\"text/css\" "
      "/>\n",
      fw);
  if (!f.stylesheet.empty()) {
    page += fmt::format(
        "<link href=\"/contents/{0}/stylesheets/pages/{1}\" rel=\"stylesheet\" "
        "type=\"text/css\" />\n",
        fw, html_escape(f.stylesheet));
  }
  page += fmt::format("<title>{}</title>\n", title);
  page += fmt::format("<script type=\"text/javascript\">var version = '{}';</script>\n", fw);
  page += "</head>\n<body class=\"pc\">\n<div class=\"wrap\">\n<div id=\"page\">\n";
  page +=
      "<div id=\"fmenu\"><div id=\"fmbtn_wrapper\">"
      "<div id=\"fmbtn_00\" class=\"fmbtn\"><a href=\"/page/myhome/9\" "
      "class=\"fmhit\">&nbsp;</a></div>"
      "<div id=\"fmbtn_01\" class=\"fmbtn\"><a href=\"/page/electricflow/111\" "
      "class=\"fmhit\">&nbsp;</a></div>"
      "<div id=\"fmbtn_03\" class=\"fmbtn\"><a href=\"/page/devices/device/32\" "
      "class=\"fmhit\">&nbsp;</a></div>"
      "</div></div>\n";
  page += "<div class=\"contents\">\n";
  page += fmt::format("<div id=\"header\"><h1 id=\"h_title\">{}</h1></div>\n", title);
  page += f.main;
  page += "</div>\n</div>\n</div>\n";
  page += fmt::format(
      "<script type=\"text/javascript\" src=\"/contents/{}/javascripts/common.new.js\"></script>\n",
      fw);
  if (!f.script.empty()) {
    page += fmt::format(
        "<script type=\"text/javascript\" src=\"/contents/{}/javascripts/pages/{}\"></script>\n",
        fw, html_escape(f.script));
  }
  if (!f.inline_script.empty()) {
    page += "<script type=\"text/javascript\">" + f.inline_script + "</script>\n";
  }
  page += "</body>\n</html>\n";
  return page;
}

}  // namespace hemsrig::aiseg2::web
