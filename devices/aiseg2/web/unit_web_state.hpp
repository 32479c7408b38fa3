// UnitWebState: everything the simulated AiSEG2 unit's local web pages show, as plain data.
//
// The unit (or a test) fills this in and keeps it current; UnitWebSite renders pages from it at
// request time and never reaches into the unit itself. Field comments say which page and which
// element or JSON key shows the value (shapes from AISEG2-FACTS.md and the recorded pages).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hemsrig::aiseg2 {

// The unit's own appliance type codes on its pages (not ECHONET classes). AISEG2-FACTS: seen.
namespace web_type {
inline constexpr std::uint8_t kLighting = 0x92;
inline constexpr std::uint8_t kAirConditioner = 0x33;
inline constexpr std::uint8_t kFloorHeating = 0x34;
inline constexpr std::uint8_t kFuelCell = 0x32;
inline constexpr std::uint8_t kHeatPumpWaterHeater = 0x36;
inline constexpr std::uint8_t kShutter = 0x2b;
}  // namespace web_type

struct UnitWebState {
  // One entry of the appliance list (`init(..., [{nodeId,eoj,type,name,location}])` on
  // /page/devices/device/32) and, for lighting, one panel on 32i1.
  struct Appliance {
    std::uint32_t node_id = 0;  // the unit's own numbering: "nodeId":"48"
    std::uint32_t eoj = 0;      // class group, class, instance: 0x029101 -> "0x029101"
    std::uint8_t type = 0;      // web_type::...: "type":"0x92"
    std::string name;           // "照明"
    std::string location;       // "リビング" ("-" or "" when none)
    // Lighting (32i1 panels): state="on"/"off", .lighting_control.hidden unless dimmable,
    // .per_bar.lv_<level>.
    bool on = false;
    bool dimmable = false;
    int level = 0;  // 0..5
  };

  // A named power reading in W: a generator (g_d_N) or one of the top consumers (u_d_N).
  struct Reading {
    std::string title;
    int watts = 0;
  };

  // lo_buy_sell: 1 selling, 0 buying, 2 neither (AISEG2-FACTS: seen).
  enum class BuySell { Buying = 0, Selling = 1, Neither = 2 };

  // The home screen's power flow: POST /data/electricflow/111/update and GET
  // /page/electricflow/111.
  struct PowerFlow {
    double generation_kw = 0.0;  // g_capacity ("2.1")
    double use_kw = 0.0;         // u_capacity
    BuySell buy_sell = BuySell::Neither;
    std::vector<Reading> generators;     // g_d_1..3 (the first three)
    std::vector<Reading> top_consumers;  // u_d_1..3, largest first (the first three)
    bool pv1 = false;                    // connPv1
    bool pv2 = false;                    // connPv2
    bool battery = false;                // connSb
    int battery_soc = 0;                 // soc: 1..5 bars, 0 without battery
    std::string battery_percent = "-";   // percent: "-" or "57"
    int battery_charge = 2;              // charge: 0 charging, 1 discharging, 2 idle (our choice)
    bool ev = false;                     // connEv
    bool fuel_cell = false;              // connFc
    int fuel_cell_state = 0;             // fc.fcState
    int fuel_cell_level = 6;             // fc.fcLevel
    bool measuring_unit = true;          // measReg: 0 when no measuring unit is registered
  };

  // One measured circuit: /page/electricflow/1113?id=N, #stage_K > div.c_device / div.c_value.
  struct Circuit {
    std::string name;
    int watts = 0;
  };

  std::string model = "MKN713";           // description.xml modelNumber
  std::string device_name = "AiSEG2";     // 743: 機器名称
  std::string firmware = "Ver.2.97I-01";  // 743 ファームウェア（本体）, `var version`
  std::string output_control_firmware = "Ver.1.00A-00";  // 743 ファームウェア（出力制御）
  std::string support_code = "0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-00";  // 743
  std::string mac_address = "00-00-00-00-00-00";  // 743 MACアドレス ("00-50-40-ab-12-c3")
  std::string udn = "uuid:00000000-0000-0000-0000-000000000000";  // description.xml, SSDP USN
  std::uint32_t token = 10000;  // control token: span.setting_value, init(...), #main token=
  std::vector<Appliance> appliances;
  PowerFlow power;
  std::vector<Circuit> circuits;
};

}  // namespace hemsrig::aiseg2
