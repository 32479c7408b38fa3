#include "devices/cloud/firmware_distribution.hpp"

#include <nlohmann/json.hpp>

namespace hemsrig::cloud {

void FirmwareDistribution::publish(const std::string& model, const std::string& version,
                                   std::string release_notes, aiseg2::Bytes image) {
  aiseg2::FirmwareRelease r{version, std::move(release_notes), "/v1/firmware/images/" + version,
                            aiseg2::sha256_hex(image)};
  images_[version] = std::string(image.begin(), image.end());
  latest_[model] = std::move(r);
}

const aiseg2::FirmwareRelease* FirmwareDistribution::latest(const std::string& model) const {
  auto it = latest_.find(model);
  return it == latest_.end() ? nullptr : &it->second;
}

void FirmwareDistribution::add_routes(http::Router& router) const {
  router.get("/v1/firmware/{model}/latest", [this](const http::HttpRequest& req) {
    const std::string& model = req.path_params.at("model");
    const aiseg2::FirmwareRelease* r = latest(model);
    if (r == nullptr) {
      auto res = http::HttpResponse::json(nlohmann::json{
          {"code", "unknown_model"},
          {"message", "no firmware is published for " +
                          model}}.dump());
      res.status = 404;
      return res;
    }
    return http::HttpResponse::json(nlohmann::json{
        {"version", r->version},
        {"release_notes", r->release_notes},
        {"url", r->url},
        {"sha256", r->sha256}}.dump());
  });
  router.get("/v1/firmware/images/{version}", [this](const http::HttpRequest& req) {
    auto it = images_.find(req.path_params.at("version"));
    if (it == images_.end()) return http::HttpResponse::error(404);
    return http::HttpResponse::text(200, it->second, "application/octet-stream");
  });
}

}  // namespace hemsrig::cloud
