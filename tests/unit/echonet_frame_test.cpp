#include "sim/echonet/frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

using namespace hemsrig::echonet;

namespace {

constexpr Eoj kAircon{0x01, 0x30, 0x01};
constexpr Eoj kController{0x05, 0xFF, 0x01};

// Header of a format 1 frame: EHD1 EHD2 TID(0x0007) SEOJ DEOJ ESV; OPC follows.
Bytes header(std::uint8_t esv) {
  return {0x10, 0x81, 0x00, 0x07, 0x01, 0x30, 0x01, 0x05, 0xFF, 0x01, esv};
}

Bytes with(Bytes head, const Bytes& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

Frame decode_frame(const Bytes& bytes) {
  auto result = decode(bytes);
  EXPECT_TRUE(result.ok()) << result.error().code << ": " << result.error().message;
  if (!result.ok() || !std::holds_alternative<Frame>(*result)) return {};
  return std::get<Frame>(*result);
}

hemsrig::Error decode_error(const Bytes& bytes) {
  auto result = decode(bytes);
  EXPECT_FALSE(result.ok()) << "decoded a malformed frame";
  if (result.ok()) return {};
  return result.error();
}

const std::vector<Esv> kAllEsvs = {Esv::SetI_SNA,   Esv::SetC_SNA, Esv::Get_SNA,  Esv::INF_SNA,
                                   Esv::SetGet_SNA, Esv::SetI,     Esv::SetC,     Esv::Get,
                                   Esv::INF_REQ,    Esv::SetGet,   Esv::Set_Res,  Esv::Get_Res,
                                   Esv::INF,        Esv::INFC,     Esv::INFC_Res, Esv::SetGet_Res};

}  // namespace

TEST(Frame, EncodeWritesTheSpecifiedByteLayout) {
  Frame frame{7, kAircon, kController, Esv::Get_Res, {{0x80, {0x30}}, {0xB0, {0x41}}}, {}};
  EXPECT_EQ(encode(frame), with(header(0x72), {0x02, 0x80, 0x01, 0x30, 0xB0, 0x01, 0x41}));
}

TEST(Frame, EveryKnownEsvRoundTrips) {
  for (Esv esv : kAllEsvs) {
    SCOPED_TRACE(esv_name(esv));
    Frame frame{0xBEEF, kController, kAircon, esv, {{0x80, {0x31}}, {0xB3, {0x1A, 0x00}}}, {}};
    if (is_setget_family(esv)) frame.get_props = {{0x80, {}}, {0xBB, {}}};
    const Bytes bytes = encode(frame);
    EXPECT_EQ(bytes[10], static_cast<std::uint8_t>(esv));
    EXPECT_EQ(decode_frame(bytes), frame);
    EXPECT_EQ(encode(decode_frame(bytes)), bytes);
  }
}

TEST(Frame, OnlyTheSixteenSpecifiedEsvsAreKnown) {
  int known = 0;
  for (int v = 0; v < 256; ++v) known += is_known_esv(static_cast<std::uint8_t>(v)) ? 1 : 0;
  EXPECT_EQ(known, 16);
  for (Esv esv : kAllEsvs) EXPECT_TRUE(is_known_esv(static_cast<std::uint8_t>(esv)));
}

TEST(Frame, SetGetCarriesTheSetListThenTheGetList) {
  // SetGet: OPCSet 1 (0x80 = 0x30), OPCGet 2 (0x80, 0xB0).
  const Bytes bytes = with(header(0x6E), {0x01, 0x80, 0x01, 0x30, 0x02, 0x80, 0x00, 0xB0, 0x00});
  const Frame frame = decode_frame(bytes);
  EXPECT_EQ(frame.esv, Esv::SetGet);
  EXPECT_EQ(frame.props, (std::vector<Property>{{0x80, {0x30}}}));
  EXPECT_EQ(frame.get_props, (std::vector<Property>{{0x80, {}}, {0xB0, {}}}));
  EXPECT_EQ(encode(frame), bytes);
}

TEST(Frame, SetGetResWithEmptyListsRoundTrips) {
  const Bytes bytes = with(header(0x7E), {0x00, 0x00});
  const Frame frame = decode_frame(bytes);
  EXPECT_TRUE(frame.props.empty());
  EXPECT_TRUE(frame.get_props.empty());
  EXPECT_EQ(encode(frame), bytes);
}

TEST(Frame, OpcZeroDecodesForAnyEsv) {
  const Frame frame = decode_frame(with(header(0x62), {0x00}));
  EXPECT_EQ(frame.esv, Esv::Get);
  EXPECT_TRUE(frame.props.empty());
}

TEST(Frame, DecodeReadsTidAndObjectsBigEndian) {
  Bytes bytes = with(header(0x62), {0x01, 0x80, 0x00});
  bytes[2] = 0x12;
  bytes[3] = 0x34;
  const Frame frame = decode_frame(bytes);
  EXPECT_EQ(frame.tid, 0x1234);
  EXPECT_EQ(frame.seoj, kAircon);
  EXPECT_EQ(frame.deoj, kController);
}

TEST(Frame, Format2EdataPassesThroughOpaque) {
  // EDATA that would be malformed as format 1 is none of the decoder's business.
  const Bytes bytes{0x10, 0x82, 0x12, 0x34, 0xFF, 0x00, 0x09};
  auto result = decode(bytes);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_TRUE(std::holds_alternative<OpaqueFrame>(*result));
  const auto& opaque = std::get<OpaqueFrame>(*result);
  EXPECT_EQ(opaque.tid, 0x1234);
  EXPECT_EQ(opaque.edata, (Bytes{0xFF, 0x00, 0x09}));
  EXPECT_EQ(encode(opaque), bytes);
}

TEST(Frame, Format2WithEmptyEdataRoundTrips) {
  const Bytes bytes{0x10, 0x82, 0x00, 0x01};
  auto result = decode(bytes);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(encode(std::get<OpaqueFrame>(*result)), bytes);
}

TEST(Frame, DecodeRejectsEmptyInputAsTruncated) {
  EXPECT_EQ(decode_error({}).code, "truncated");
}

TEST(Frame, DecodeRejectsHeaderShorterThanEhdAndTid) {
  const auto error = decode_error({0x10, 0x81, 0x00});
  EXPECT_EQ(error.code, "truncated");
  EXPECT_NE(error.message.find("3 bytes"), std::string::npos) << error.message;
}

TEST(Frame, DecodeRejectsFormat1FrameEndingBeforeOpc) {
  Bytes bytes = header(0x62);  // 11 bytes: no OPC
  const auto error = decode_error(bytes);
  EXPECT_EQ(error.code, "truncated");
  EXPECT_NE(error.message.find("12 bytes"), std::string::npos) << error.message;
}

TEST(Frame, DecodeRejectsEveryEhd1But0x10) {
  for (int ehd1 : {0x00, 0x11, 0x12, 0x18, 0x1F, 0x90, 0xFF}) {
    const auto error = decode_error({static_cast<std::uint8_t>(ehd1), 0x81, 0x00, 0x01});
    EXPECT_EQ(error.code, "bad_ehd1") << ehd1;
    EXPECT_NE(error.message.find("offset 0"), std::string::npos) << error.message;
  }
}

TEST(Frame, DecodeRejectsEhd2OtherThanFormat1Or2) {
  for (int ehd2 : {0x00, 0x80, 0x83, 0xFF}) {
    const auto error = decode_error({0x10, static_cast<std::uint8_t>(ehd2), 0x00, 0x01});
    EXPECT_EQ(error.code, "bad_ehd2") << ehd2;
    EXPECT_NE(error.message.find("offset 1"), std::string::npos) << error.message;
  }
}

TEST(Frame, DecodeRejectsUnknownEsv) {
  const auto error = decode_error(with(header(0x64), {0x00}));
  EXPECT_EQ(error.code, "unknown_esv");
  EXPECT_EQ(error.message, "ESV 0x64 at offset 10 is not a known service code");
}

TEST(Frame, DecodeRejectsPdcLongerThanTheFrame) {
  // OPC 1, EPC 0x80, PDC 5, but only 2 EDT bytes follow (EDT starts at offset 14).
  const auto error = decode_error(with(header(0x72), {0x01, 0x80, 0x05, 0x30, 0x31}));
  EXPECT_EQ(error.code, "pdc_overrun");
  EXPECT_EQ(error.message, "PDC 5 of EPC 0x80 at offset 14 needs 5 bytes, 2 left");
}

TEST(Frame, DecodeRejectsOpcClaimingMorePropertiesThanBytesAllow) {
  // OPC 3 but only one 2-byte property follows.
  const auto error = decode_error(with(header(0x62), {0x03, 0x80, 0x00}));
  EXPECT_EQ(error.code, "opc_overrun");
  EXPECT_NE(error.message.find("OPC 3 at offset 11"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("2 left"), std::string::npos) << error.message;
}

TEST(Frame, DecodeRejectsOpcWhenEarlierEdtLeavesNoRoomForTheNextProperty) {
  // OPC 2: 0x80 with 2 EDT bytes, then a lone 0x81 at offset 16 without its PDC.
  const auto error = decode_error(with(header(0x72), {0x02, 0x80, 0x02, 0xAA, 0xBB, 0x81}));
  EXPECT_EQ(error.code, "opc_overrun");
  EXPECT_NE(error.message.find("property 2 at offset 16 needs 2 bytes (EPC, PDC), 1 left"),
            std::string::npos)
      << error.message;
}

TEST(Frame, DecodeRejectsBytesAfterTheLastProperty) {
  const auto error = decode_error(with(header(0x72), {0x01, 0x80, 0x01, 0x30, 0x00}));
  EXPECT_EQ(error.code, "trailing_bytes");
  EXPECT_NE(error.message.find("1 bytes after the last property, from offset 15"),
            std::string::npos)
      << error.message;
}

TEST(Frame, NonSetGetEsvDoesNotReadAnOpcGet) {
  // A Get_Res followed by 0x00 (which would be a valid empty OPCGet) is trailing.
  EXPECT_EQ(decode_error(with(header(0x72), {0x00, 0x00})).code, "trailing_bytes");
}

TEST(Frame, DecodeRejectsSetGetEndingBeforeOpcGet) {
  const auto error = decode_error(with(header(0x6E), {0x01, 0x80, 0x01, 0x30}));
  EXPECT_EQ(error.code, "truncated");
  EXPECT_NE(error.message.find("OPCGet expected at offset 15"), std::string::npos) << error.message;
}

TEST(Frame, DecodeRejectsOverrunInTheGetList) {
  const auto error = decode_error(with(header(0x6E), {0x00, 0x02, 0x80, 0x00}));
  EXPECT_EQ(error.code, "opc_overrun");
  EXPECT_NE(error.message.find("OPCGet 2 at offset 12"), std::string::npos) << error.message;
}

TEST(Frame, CheckEncodableRejectsMoreThan255Properties) {
  Frame frame{1, kController, kAircon, Esv::Get, std::vector<Property>(256, {0x80, {}}), {}};
  auto status = check_encodable(frame);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "too_many_properties");
  frame.props.pop_back();
  EXPECT_TRUE(check_encodable(frame).ok());
}

TEST(Frame, CheckEncodableRejectsEdtLongerThan255Bytes) {
  Frame frame{1, kController, kAircon, Esv::SetGet, {}, {{0x80, Bytes(256, 0x01)}}};
  auto status = check_encodable(frame);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "edt_too_long");
}

TEST(Frame, EncodeClampsAnOversizedFrameToOneThatDecodes) {
  Frame frame{1, kController, kAircon, Esv::SetC, std::vector<Property>(300, {0x80, {}}), {}};
  frame.props[0].edt = Bytes(400, 0x41);
  const Frame decoded = decode_frame(encode(frame));
  EXPECT_EQ(decoded.props.size(), 255u);
  EXPECT_EQ(decoded.props[0].edt, Bytes(255, 0x41));
}

TEST(Frame, DescribeListsEsvTidObjectsAndProperties) {
  Frame frame{7, kAircon, kController, Esv::Get_Res, {{0x80, {0x30}}, {0xB0, {0x41}}}, {}};
  EXPECT_EQ(describe(frame), "Get_Res tid=7 0x013001->0x05FF01 [80:30 B0:41]");
}

TEST(Frame, DescribeShowsSetAndGetListsForSetGet) {
  Frame frame{1, kController, kAircon, Esv::SetGet, {{0x80, {0x30}}}, {{0xB0, {}}, {0xBB, {}}}};
  EXPECT_EQ(describe(frame), "SetGet tid=1 0x05FF01->0x013001 set[80:30] get[B0 BB]");
}

TEST(Frame, EojPrintsAsSixUpperCaseHexDigits) {
  EXPECT_EQ(to_string(kController), "0x05FF01");
  EXPECT_EQ(to_string(kNodeProfile), "0x0EF001");
}

TEST(Frame, EsvNamesAreTheSpecificationNames) {
  EXPECT_STREQ(esv_name(Esv::Get_Res), "Get_Res");
  EXPECT_STREQ(esv_name(Esv::INFC_Res), "INFC_Res");
  EXPECT_STREQ(esv_name(Esv::SetGet_SNA), "SetGet_SNA");
  EXPECT_STREQ(esv_name(static_cast<Esv>(0x00)), "unknown");
}
