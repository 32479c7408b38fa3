// HttpFirmwareSource: the unit's way to the cloud's firmware distribution
// (devices/cloud/firmware_distribution.hpp describes the routes). A cloud
// that cannot be reached answers "offline" (DOMAIN R10).
#pragma once

#include <string>

#include "devices/aiseg2/firmware.hpp"
#include "sim/http/http_client.hpp"

namespace hemsrig::aiseg2 {

class HttpFirmwareSource : public FirmwareSource {
 public:
  // `cloud` is the cloud's base URL, e.g. "http://127.0.0.1:8080".
  HttpFirmwareSource(sim::Engine& engine, std::string cloud, http::HttpClientOptions options = {})
      : engine_(engine), cloud_(std::move(cloud)), options_(options) {}

  void latest(const std::string& model, std::function<void(Result<FirmwareRelease>)> done) override;
  void download(const FirmwareRelease& release, std::function<void(Result<Bytes>)> done) override;

 private:
  sim::Engine& engine_;
  std::string cloud_;
  http::HttpClientOptions options_;
};

}  // namespace hemsrig::aiseg2
