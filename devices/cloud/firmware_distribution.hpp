// FirmwareDistribution: the cloud's firmware catalogue on HTTP, as the unit
// (or a real firmware under test) reaches it:
//   GET /v1/firmware/{model}          -> 200 {"model","latest","versions":[{version,
//                                        release_notes,size,sha256,url}]} (oldest first)
//   GET /v1/firmware/{model}/latest   -> 200 {"version","release_notes","url","sha256","size"}
//                                        404 {"error":{"code":"unknown_model",...}}
//   GET /v1/firmware/images/{version} -> 200 the image (application/octet-stream);
//                                        Range: bytes=a-b -> 206 + Content-Range; 416 unsatisfiable
// The image checksum is SHA-256 (hex). The app back end asks latest() to refuse
// a unit whose firmware is not the latest (DOMAIN R13).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "devices/aiseg2/firmware.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::cloud {

class FirmwareDistribution : public CloudService {
 public:
  // Publishes `image` as the latest firmware of `model` (earlier versions stay in
  // the catalogue); the URL and the checksum are derived from it.
  void publish(const std::string& model, const std::string& version, std::string release_notes,
               aiseg2::Bytes image);
  const aiseg2::FirmwareRelease* latest(const std::string& model) const;
  // Every version published for `model`, oldest first (empty: unknown model).
  std::vector<aiseg2::FirmwareRelease> catalogue(const std::string& model) const;
  std::size_t image_size(const std::string& version) const;

  // Adds the routes to a bare Router (the unit tests' small servers); the
  // distribution must outlive the router.
  void add_routes(http::Router& router) const;
  std::string_view name() const override { return "firmware"; }
  void add_routes(ApiRoutes& routes) override;

 private:
  std::map<std::string, std::vector<aiseg2::FirmwareRelease>> releases_;  // by model
  std::map<std::string, std::string> images_;                             // by version: the bytes
};

// Serves `bytes` honouring a "Range: bytes=..." header of `request` (one range):
// 200 whole, 206 partial with Content-Range, 416 with "Content-Range: bytes */N".
http::HttpResponse ranged_reply(const http::HttpRequest& request, const std::string& bytes,
                                const std::string& content_type);

}  // namespace hemsrig::cloud
