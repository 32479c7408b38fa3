#include "devices/aiseg2/web/script_body.hpp"

#include <optional>
#include <string_view>

#include "sim/http/http_message.hpp"

namespace hemsrig::aiseg2::web {

namespace {

std::string_view trim(std::string_view s) {
  const auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<nlohmann::json> try_parse(std::string_view text) {
  text = trim(text);
  if (text.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace

Result<nlohmann::json> parse_script_body(const std::string& body) {
  const std::string_view b = trim(body);
  if (b.empty()) return nlohmann::json::object();
  if (b.front() == '{' || b.front() == '[') {
    if (auto j = try_parse(b)) return std::move(*j);
    return make_error("bad_body", "the body is not valid JSON");
  }
  if (b.starts_with("data=")) {
    const std::string_view value = b.substr(5);
    // The unit's scripts: raw JSON, which may itself hold '&', '+' or '%'.
    if (auto j = try_parse(value)) return std::move(*j);
    // Form-encoded: up to the next field, '+' is a space.
    const std::string_view field = value.substr(0, value.find('&'));
    if (auto j = try_parse(http::percent_decode(field, /*plus_as_space=*/true)))
      return std::move(*j);
    if (auto j = try_parse(http::percent_decode(value))) return std::move(*j);
    return make_error("bad_body", "the data= field is neither raw nor percent-encoded JSON");
  }
  // Other form fields first: look for data among them.
  const auto fields = http::parse_query(b, /*plus_as_space=*/true);
  if (auto it = fields.find("data"); it != fields.end()) {
    if (auto j = try_parse(it->second)) return std::move(*j);
  }
  return make_error("bad_body", "expected data=<JSON>, JSON or an empty body");
}

}  // namespace hemsrig::aiseg2::web
