#include "devices/cloud/firmware_distribution.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

namespace hemsrig::cloud {

namespace {

nlohmann::json release_json(const aiseg2::FirmwareRelease& r, std::size_t size) {
  return {{"version", r.version},
          {"release_notes", r.release_notes},
          {"url", r.url},
          {"sha256", r.sha256},
          {"size", size}};
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

void FirmwareDistribution::publish(const std::string& model, const std::string& version,
                                   std::string release_notes, aiseg2::Bytes image) {
  aiseg2::FirmwareRelease r{version, std::move(release_notes), "/v1/firmware/images/" + version,
                            aiseg2::sha256_hex(image)};
  images_[version] = std::string(image.begin(), image.end());
  auto& list = releases_[model];
  std::erase_if(list, [&](const aiseg2::FirmwareRelease& e) { return e.version == version; });
  list.push_back(std::move(r));
}

const aiseg2::FirmwareRelease* FirmwareDistribution::latest(const std::string& model) const {
  auto it = releases_.find(model);
  return it == releases_.end() || it->second.empty() ? nullptr : &it->second.back();
}

std::vector<aiseg2::FirmwareRelease> FirmwareDistribution::catalogue(
    const std::string& model) const {
  auto it = releases_.find(model);
  return it == releases_.end() ? std::vector<aiseg2::FirmwareRelease>{} : it->second;
}

std::size_t FirmwareDistribution::image_size(const std::string& version) const {
  auto it = images_.find(version);
  return it == images_.end() ? 0 : it->second.size();
}

http::HttpResponse ranged_reply(const http::HttpRequest& request, const std::string& bytes,
                                const std::string& content_type) {
  const std::string* range = request.header("Range");
  const std::uint64_t n = bytes.size();
  if (range == nullptr) {
    auto res = http::HttpResponse::text(200, bytes, content_type);
    res.set_header("Accept-Ranges", "bytes");
    return res;
  }
  auto unsatisfiable = [&] {
    auto res = http::HttpResponse::text(416, "", content_type);
    res.set_header("Content-Range", "bytes */" + std::to_string(n));
    return res;
  };
  std::string_view spec(*range);
  if (!spec.starts_with("bytes=") || spec.find(',') != std::string_view::npos) {
    // Not a single byte range: serve the whole (RFC 9110 allows ignoring Range).
    auto res = http::HttpResponse::text(200, bytes, content_type);
    res.set_header("Accept-Ranges", "bytes");
    return res;
  }
  spec.remove_prefix(6);
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return unsatisfiable();
  const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  std::uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last b bytes
    std::uint64_t suffix = 0;
    if (!parse_u64(b, suffix) || suffix == 0 || n == 0) return unsatisfiable();
    first = suffix >= n ? 0 : n - suffix;
    last = n - 1;
  } else {
    if (!parse_u64(a, first)) return unsatisfiable();
    if (b.empty()) {
      last = n == 0 ? 0 : n - 1;
    } else if (!parse_u64(b, last) || last < first) {
      return unsatisfiable();
    }
    if (first >= n) return unsatisfiable();
    if (last >= n) last = n - 1;
  }
  auto res = http::HttpResponse::text(206, bytes.substr(first, last - first + 1), content_type);
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                      "/" + std::to_string(n));
  return res;
}

void FirmwareDistribution::add_routes(http::Router& router) const {
  router.get("/v1/firmware/{model}/latest", [this](const http::HttpRequest& req) {
    const std::string& model = req.path_params.at("model");
    const aiseg2::FirmwareRelease* r = latest(model);
    if (r == nullptr)
      return api_error(404, "unknown_model", "no firmware is published for " + model, "R2");
    return json_reply(200, release_json(*r, image_size(r->version)));
  });
  router.get("/v1/firmware/images/{version}", [this](const http::HttpRequest& req) {
    auto it = images_.find(req.path_params.at("version"));
    if (it == images_.end())
      return api_error(404, "unknown_version",
                       "no firmware image " + req.path_params.at("version"));
    return ranged_reply(req, it->second, "application/octet-stream");
  });
  router.get("/v1/firmware/{model}", [this](const http::HttpRequest& req) {
    const std::string& model = req.path_params.at("model");
    auto it = releases_.find(model);
    if (it == releases_.end() || it->second.empty())
      return api_error(404, "unknown_model", "no firmware is published for " + model, "R2");
    nlohmann::json versions = nlohmann::json::array();
    for (const auto& r : it->second) versions.push_back(release_json(r, image_size(r.version)));
    return json_reply(200, {{"model", model},
                            {"latest", it->second.back().version},
                            {"versions", std::move(versions)}});
  });
}

void FirmwareDistribution::add_routes(ApiRoutes& routes) {
  add_routes(routes.router());
  const nlohmann::json release = {{"version", "Ver.2.98A-03"},
                                  {"release_notes", "安定性を改善しました。"},
                                  {"url", "/v1/firmware/images/Ver.2.98A-03"},
                                  {"sha256", "9f86d08..."},
                                  {"size", 65536}};
  routes.document("GET", "/v1/firmware/{model}/latest",
                  {"The latest firmware of a model (DOMAIN R10-R13)",
                   "firmware",
                   nullptr,
                   release,
                   {"unknown_model"}});
  routes.document("GET", "/v1/firmware/images/{version}",
                  {"A firmware image (application/octet-stream); a Range header gets 206 with "
                   "Content-Range, an unsatisfiable one 416",
                   "firmware",
                   nullptr,
                   nullptr,
                   {"unknown_version"}});
  routes.document("GET", "/v1/firmware/{model}",
                  {"The catalogue of a model: every version with release notes, size and "
                   "SHA-256, oldest first",
                   "firmware",
                   nullptr,
                   {{"model", "MKN704"}, {"latest", "Ver.2.98A-03"}, {"versions", {release}}},
                   {"unknown_model"}});
}

}  // namespace hemsrig::cloud
