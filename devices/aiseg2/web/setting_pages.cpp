// Settings and menu pages: version information (/page/setting/etc/743), the top menu
// (/page/myhome/9), and the UPnP device description that SSDP points to.
#include <fmt/format.h>

#include "devices/aiseg2/web/page_frame.hpp"
#include "devices/aiseg2/web/web_pages.hpp"

namespace hemsrig::aiseg2::web {

std::string version_page(const UnitWebState& s) {
  // The five rows in the order the unit shows them (AISEG2-FACTS, seen).
  const std::pair<const char*, const std::string*> rows[] = {
      {"機器名称", &s.device_name},
      {"ファームウェア（本体）", &s.firmware},
      {"ファームウェア（出力制御）", &s.output_control_firmware},
      {"サポートコード", &s.support_code},
      {"MACアドレス", &s.mac_address},
  };
  std::string main = "<div id=\"main\" class=\"wrap_set\">\n";
  main += fmt::format("<script type=\"text/javascript\">var sdmVersion = \"{}\";</script>\n",
                      html_escape(s.firmware));
  main += "<div id=\"table_wrapper1\" class=\"table_wrapper\">\n<table class=\"table_object\">\n";
  main += "<tr class=\"table_title\"><th>項目</th><th>値</th></tr>\n";
  int i = 0;
  for (const auto& [label, value] : rows) {
    main += fmt::format("<tr class=\"{}\"><th>{}</th><td>{}</td></tr>\n",
                        i++ % 2 == 0 ? "odd" : "even", label, html_escape(*value));
  }
  main += "</table>\n</div>\n";
  main +=
      "<div id=\"button_update\" class=\"button\"><div class=\"button_text\">ファームウェア更新"
      "</div><a href=\"javascript:checkFirmware()\" class=\"hit\">&nbsp;</a></div>\n";
  main += "</div>\n";
  return render_page(
      s, PageFrame{"バージョン情報", "setting/etc/743.css", main, "setting/etc/743.js", {}});
}

std::string myhome_page(const UnitWebState& s) {
  std::string main = "<div id=\"main\">\n";
  const std::pair<const char*, const char*> items[] = {
      {"/page/electricflow/111", "現在の電気"},
      {"/page/devices/device/32", "機器コントロール"},
      {"/page/setting/etc/743", "バージョン情報"},
  };
  for (const auto& [href, label] : items) {
    main += fmt::format("<div class=\"menu_item\"><a href=\"{}\">{}</a></div>\n", href, label);
  }
  main += "</div>\n";
  return render_page(s, PageFrame{"トップ", "myhome/9.css", main, "myhome/9.js", {}});
}

std::string description_xml(const UnitWebState& s, const std::string& url_base) {
  // Discovery tools read ModelName, ModelNumber and URLBase (AISEG2-FACTS, reported); the rest
  // is a plain UPnP 1.0 root device description of our making.
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n"
      "<specVersion><major>1</major><minor>0</minor></specVersion>\n"
      "<URLBase>{0}</URLBase>\n"
      "<device>\n"
      "<deviceType>urn:panasonic-com:device:p60AiSeg2:1</deviceType>\n"
      "<friendlyName>{1}</friendlyName>\n"
      "<manufacturer>Panasonic</manufacturer>\n"
      "<modelName>{1}</modelName>\n"
      "<modelNumber>{2}</modelNumber>\n"
      "<UDN>{3}</UDN>\n"
      "<serviceList>\n<service>\n"
      "<serviceType>urn:panasonic-com:service:p60AiSeg2DataService:1</serviceType>\n"
      "<serviceId>urn:panasonic-com:serviceId:p60AiSeg2DataService</serviceId>\n"
      "<SCPDURL>/description/scpd.xml</SCPDURL>\n"
      "<controlURL>/description/control</controlURL>\n"
      "<eventSubURL>/description/event</eventSubURL>\n"
      "</service>\n</serviceList>\n"
      "<presentationURL>{0}</presentationURL>\n"
      "</device>\n</root>\n",
      html_escape(url_base), html_escape(s.device_name), html_escape(s.model), html_escape(s.udn));
}

}  // namespace hemsrig::aiseg2::web
