#include "sim/echonet/property_map.hpp"

#include <gtest/gtest.h>

using namespace hemsrig::echonet;

namespace {

EpcSet first_n_epcs(int n) {
  EpcSet set;
  for (int i = 0; i < n; ++i) set.insert(static_cast<std::uint8_t>(0x80 + i));
  return set;
}

// 16 EPCs and their bitmap, worked out by hand: EPC e sits in byte (e & 0x0F),
// bit ((e >> 4) - 8).
const EpcSet kSixteen{0x80, 0x81, 0x82, 0x83, 0x88, 0x8A, 0x9D, 0x9E,
                      0x9F, 0xB0, 0xB3, 0xBB, 0xC0, 0xD0, 0xE0, 0xF0};
const Bytes kSixteenBitmap{0x10,  // count
                           0xF9,  // byte 0: 0x80 b0, 0xB0 b3, 0xC0 b4, 0xD0 b5, 0xE0 b6, 0xF0 b7
                           0x01,  // byte 1: 0x81
                           0x01,  // byte 2: 0x82
                           0x09,  // byte 3: 0x83 b0, 0xB3 b3
                           0x00, 0x00, 0x00, 0x00,
                           0x01,  // byte 8: 0x88
                           0x00,
                           0x01,  // byte A: 0x8A
                           0x08,  // byte B: 0xBB b3
                           0x00,
                           0x02,   // byte D: 0x9D b1
                           0x02,   // byte E: 0x9E b1
                           0x02};  // byte F: 0x9F b1

std::string decode_error_code(const Bytes& edt) {
  auto result = decode_property_map(edt);
  EXPECT_FALSE(result.ok()) << "decoded a malformed map";
  return result.ok() ? "" : result.error().code;
}

}  // namespace

TEST(PropertyMap, FewerThanSixteenEpcsAreListedAfterTheCount) {
  EXPECT_EQ(encode_property_map({0x9D, 0x80, 0x81}), (Bytes{0x03, 0x80, 0x81, 0x9D}));
}

TEST(PropertyMap, FifteenEpcsStillUseTheListForm) {
  const Bytes edt = encode_property_map(first_n_epcs(15));
  ASSERT_EQ(edt.size(), 16u);
  EXPECT_EQ(edt[0], 15);
  EXPECT_EQ(edt[1], 0x80);
  EXPECT_EQ(edt[15], 0x8E);
}

TEST(PropertyMap, SixteenEpcsSwitchToTheBitmapForm) {
  const Bytes edt = encode_property_map(first_n_epcs(16));
  ASSERT_EQ(edt.size(), 17u);
  EXPECT_EQ(edt[0], 16);
  // 0x80..0x8F: bit 0 of every byte.
  for (std::size_t i = 1; i < 17; ++i) EXPECT_EQ(edt[i], 0x01) << i;
}

TEST(PropertyMap, BitmapMarksEachEpcAtItsByteAndBit) {
  EXPECT_EQ(encode_property_map(kSixteen), kSixteenBitmap);
  auto decoded = decode_property_map(kSixteenBitmap);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, kSixteen);
}

TEST(PropertyMap, AllHundredTwentyEightEpcsFillTheBitmap) {
  const Bytes edt = encode_property_map(first_n_epcs(128));
  EXPECT_EQ(edt, (Bytes{0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                        0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(PropertyMap, EpcsBelow0x80AreLeftOut) {
  EXPECT_EQ(encode_property_map({0x00, 0x7F, 0x80}), (Bytes{0x01, 0x80}));
}

TEST(PropertyMap, EmptySetIsAZeroCount) {
  EXPECT_EQ(encode_property_map({}), (Bytes{0x00}));
  auto decoded = decode_property_map(Bytes{0x00});
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

TEST(PropertyMap, EverySizeRoundTripsAcrossTheBoundary) {
  for (int n : {1, 2, 14, 15, 16, 17, 64, 127, 128}) {
    auto decoded = decode_property_map(encode_property_map(first_n_epcs(n)));
    ASSERT_TRUE(decoded.ok()) << n << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, first_n_epcs(n)) << n;
  }
}

TEST(PropertyMap, DecodeRejectsEmptyEdt) {
  EXPECT_EQ(decode_error_code({}), "empty");
}

TEST(PropertyMap, DecodeRejectsListShorterOrLongerThanItsCount) {
  EXPECT_EQ(decode_error_code({0x03, 0x80, 0x81}), "bad_length");
  EXPECT_EQ(decode_error_code({0x01, 0x80, 0x81}), "bad_length");
}

TEST(PropertyMap, DecodeRejectsListedEpcBelow0x80) {
  auto result = decode_property_map(Bytes{0x02, 0x80, 0x7F});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "bad_epc");
  EXPECT_NE(result.error().message.find("0x7F at offset 2"), std::string::npos)
      << result.error().message;
}

TEST(PropertyMap, DecodeRejectsListThatRepeatsAnEpc) {
  EXPECT_EQ(decode_error_code({0x02, 0x80, 0x80}), "count_mismatch");
}

TEST(PropertyMap, DecodeRejectsBitmapWhoseCountDisagrees) {
  Bytes edt = kSixteenBitmap;
  edt[0] = 17;  // the bitmap marks 16
  EXPECT_EQ(decode_error_code(edt), "count_mismatch");
  edt[0] = 16;
  edt[16] = 0x00;  // drop 0x9F: 15 marked
  EXPECT_EQ(decode_error_code(edt), "count_mismatch");
}

TEST(PropertyMap, DecodeRejectsBitmapOfWrongLength) {
  Bytes edt = kSixteenBitmap;
  edt.pop_back();
  EXPECT_EQ(decode_error_code(edt), "bad_length");
  edt = kSixteenBitmap;
  edt.push_back(0x00);
  EXPECT_EQ(decode_error_code(edt), "bad_length");
}
