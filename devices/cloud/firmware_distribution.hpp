// FirmwareDistribution: the cloud's firmware catalogue on HTTP, as the unit
// (or a real firmware under test) reaches it:
//   GET /v1/firmware/{model}/latest -> 200 {"version","release_notes","url","sha256"}
//                                      404 {"code":"unknown_model",...}
//   GET /v1/firmware/images/{version} -> 200 the image (application/octet-stream)
// The mock cloud (issue 4) serves these routes among its others; docs/firmware-distribution.md.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "devices/aiseg2/firmware.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::cloud {

class FirmwareDistribution {
 public:
  // Publishes `image` as the latest firmware of `model`; the URL and the
  // checksum are derived from it.
  void publish(const std::string& model, const std::string& version, std::string release_notes,
               aiseg2::Bytes image);
  const aiseg2::FirmwareRelease* latest(const std::string& model) const;
  // Adds the routes; the distribution must outlive the router.
  void add_routes(http::Router& router) const;

 private:
  std::map<std::string, aiseg2::FirmwareRelease> latest_;  // by model
  std::map<std::string, std::string> images_;              // by version: the bytes
};

}  // namespace hemsrig::cloud
