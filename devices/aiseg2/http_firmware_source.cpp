#include "devices/aiseg2/http_firmware_source.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace hemsrig::aiseg2 {

namespace {
Error http_error(const http::HttpResponse& res, const std::string& what) {
  return make_error(fmt::format("http_{}", res.status),
                    fmt::format("{} answered HTTP {}", what, res.status));
}
}  // namespace

void HttpFirmwareSource::latest(const std::string& model,
                                std::function<void(Result<FirmwareRelease>)> done) {
  const std::string url = cloud_ + "/v1/firmware/" + http::percent_encode(model) + "/latest";
  http::http_request(
      engine_, "GET", url, {}, {},
      [done = std::move(done), url](Result<http::HttpResponse> res) {
        if (!res) return done(res.error());
        if (res->status != 200) return done(http_error(*res, url));
        const auto j = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
        if (!j.is_object() || !j.contains("version") || !j["version"].is_string() ||
            !j.contains("url") || !j["url"].is_string() || !j.contains("sha256") ||
            !j["sha256"].is_string()) {
          return done(
              make_error("protocol", url + " answered no firmware release (version, url, sha256)"));
        }
        done(FirmwareRelease{j["version"].get<std::string>(),
                             j.value("release_notes", std::string{}), j["url"].get<std::string>(),
                             j["sha256"].get<std::string>()});
      },
      options_);
}

void HttpFirmwareSource::download(const FirmwareRelease& release,
                                  std::function<void(Result<Bytes>)> done) {
  const std::string url = release.url.rfind("http://", 0) == 0 ? release.url : cloud_ + release.url;
  http::http_request(
      engine_, "GET", url, {}, {},
      [done = std::move(done), url](Result<http::HttpResponse> res) {
        if (!res) return done(res.error());
        if (res->status != 200) return done(http_error(*res, url));
        done(Bytes(res->body.begin(), res->body.end()));
      },
      options_);
}

}  // namespace hemsrig::aiseg2
