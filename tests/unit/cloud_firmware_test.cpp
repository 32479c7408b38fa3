// Firmware distribution in the mock cloud over real HTTP: the catalogue per
// model with release notes, sizes and checksums, and image downloads with
// HTTP Range (206 + Content-Range; 416 for a range past the end), checked with
// curl as an independent client too.
#include <gtest/gtest.h>

#include "cloud_test_client.hpp"
#include "http_wire.hpp"

using namespace hemsrig;
using hemsrig::testing::CloudReply;
using hemsrig::testing::CloudTest;
using nlohmann::json;

namespace {

template <typename Base>
class FirmwareIn : public Base {
 protected:
  void SetUp() override {
    Base::SetUp();
    aiseg2::Bytes image(1000);
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::uint8_t>(i % 251);
    image_ = image;
    this->cloud_->firmware().publish("MKN704", "Ver.2.97I-03", "前の版", aiseg2::Bytes(10, 7));
    this->cloud_->firmware().publish("MKN704", "Ver.2.98A-03", "安定性を改善しました。", image);
  }
  aiseg2::Bytes image_;
};
class CloudFirmware : public FirmwareIn<CloudTest> {};
class CloudFirmwareCurl : public FirmwareIn<hemsrig::testing::RealtimeCloudTest> {};

TEST_F(CloudFirmware, CatalogueListsEveryVersionOldestFirst) {
  auto r = call("GET", "/v1/firmware/MKN704");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["latest"], "Ver.2.98A-03");
  ASSERT_EQ(r.body["versions"].size(), 2u);
  EXPECT_EQ(r.body["versions"][1]["release_notes"], "安定性を改善しました。");
  EXPECT_EQ(r.body["versions"][1]["size"], 1000);
  EXPECT_EQ(r.body["versions"][1]["sha256"], aiseg2::sha256_hex(image_));
  EXPECT_EQ(call("GET", "/v1/firmware/MKN704/latest").body["version"], "Ver.2.98A-03");
  auto none = call("GET", "/v1/firmware/MKN999");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.code(), "unknown_model");
}

TEST_F(CloudFirmware, RangeRequestsGetPartialContent) {
  auto part = call("GET", "/v1/firmware/images/Ver.2.98A-03", std::string(), std::string(),
                   {{"Range", "bytes=100-199"}});
  EXPECT_EQ(part.status, 206);
  ASSERT_EQ(part.raw.body.size(), 100u);
  EXPECT_EQ(static_cast<std::uint8_t>(part.raw.body[0]), 100);
  EXPECT_EQ(*part.raw.header("Content-Range"), "bytes 100-199/1000");
  auto tail = call("GET", "/v1/firmware/images/Ver.2.98A-03", std::string(), std::string(),
                   {{"Range", "bytes=-10"}});
  EXPECT_EQ(*tail.raw.header("Content-Range"), "bytes 990-999/1000");
  auto open = call("GET", "/v1/firmware/images/Ver.2.98A-03", std::string(), std::string(),
                   {{"Range", "bytes=900-"}});
  EXPECT_EQ(open.raw.body.size(), 100u);
  auto whole = call("GET", "/v1/firmware/images/Ver.2.98A-03");
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.raw.body.size(), 1000u);
}

TEST_F(CloudFirmware, UnsatisfiableRangeGets416) {
  auto r = call("GET", "/v1/firmware/images/Ver.2.98A-03", std::string(), std::string(),
                {{"Range", "bytes=1000-1100"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(*r.raw.header("Content-Range"), "bytes */1000");
  EXPECT_EQ(call("GET", "/v1/firmware/images/Ver.2.98A-03", std::string(), std::string(),
                 {{"Range", "bytes=50-10"}})
                .status,
            416);
}

TEST_F(CloudFirmwareCurl, CurlResumesADownload) {
  const std::string url = cloud_->url() + "/v1/firmware/images/Ver.2.98A-03";
  auto r = hemsrig::testing::run_beside<hemsrig::testing::CurlResult>(engine_, [&] {
    return hemsrig::testing::curl("-r 500-999 " + hemsrig::testing::shell_quote(url));
  });
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body.size(), 500u);
  EXPECT_EQ(static_cast<std::uint8_t>(r.body[0]), 500 % 251);
}

}  // namespace
