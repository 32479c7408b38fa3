// The bench's register encoding and energy integration, without sockets.
#include <gtest/gtest.h>

#include "devices/bench/power_channel.hpp"
#include "devices/bench/register_map.hpp"

using namespace hemsrig;
using namespace hemsrig::bench;

namespace {

TEST(BenchRegisterMap, ThirtyTwoBitValuesAreHighWordFirst) {
  std::uint16_t regs[2];
  put_u32(regs, 0x12345678);
  EXPECT_EQ(regs[0], 0x1234);
  EXPECT_EQ(regs[1], 0x5678);
  put_s32(regs, -1500);
  EXPECT_EQ(regs[0], 0xFFFF);
  EXPECT_EQ(regs[1], static_cast<std::uint16_t>(-1500));
  EXPECT_EQ(get_s32(regs), -1500);
}

TEST(BenchRegisterMap, WattsRoundAndWattHoursTruncateAndBothClamp) {
  EXPECT_EQ(watts_register_value(999.6), 1000);
  EXPECT_EQ(watts_register_value(-4499.5), -4500);
  EXPECT_EQ(watts_register_value(1e12), INT32_MAX);
  EXPECT_EQ(watt_hours_register_value(999.99), 999u) << "a counter never shows more than it has";
  EXPECT_EQ(watt_hours_register_value(-3), 0u);
  EXPECT_EQ(watt_hours_register_value(1e12), UINT32_MAX);
}

TEST(BenchRegisterMap, RequestLengthFollowsTheFunctionCode) {
  using V = std::vector<std::uint8_t>;
  EXPECT_TRUE(request_length_ok(V{0x01, 0, 0, 0, 1}));
  EXPECT_FALSE(request_length_ok(V{0x01, 0, 0, 0}));
  EXPECT_TRUE(request_length_ok(V{0x0F, 0, 0, 0, 9, 2, 0xFF, 0x01}));
  EXPECT_FALSE(request_length_ok(V{0x0F, 0, 0, 0, 9, 2, 0xFF})) << "byte count says 2";
  EXPECT_FALSE(request_length_ok(V{}));
  EXPECT_TRUE(request_length_ok(V{0x2B, 0x0E})) << "unknown codes are left to exception 0x01";
}

TEST(BenchRegisterMap, ExceptionsHaveTheirModbusNames) {
  EXPECT_EQ(exception_name(0x01), "illegal function");
  EXPECT_EQ(exception_name(0x02), "illegal data address");
  EXPECT_EQ(exception_name(0x0B), "gateway target device failed to respond");
}

TEST(BenchEnergyMeter, IntegratesDrawnAndSuppliedSeparately) {
  EnergyMeter m;
  using std::chrono::minutes;
  m.sample(sim::Time{0}, 600);   // 600 W for 30 minutes: 300 Wh drawn
  m.sample(minutes(30), -1200);  // then supplies 1200 W for 15 minutes: 300 Wh supplied
  m.sample(minutes(45), 0);
  m.sample(minutes(90), 0);
  EXPECT_DOUBLE_EQ(m.drawn_wh(), 300.0);
  EXPECT_DOUBLE_EQ(m.supplied_wh(), 300.0);
}

}  // namespace
