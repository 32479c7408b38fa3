#include "sim/http/digest_auth.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>

#include <fmt/format.h>

namespace hemsrig::http {

namespace {

std::string to_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// "00000001" -> 1; nullopt unless exactly 8 hex digits.
std::optional<std::uint64_t> parse_nc(const std::string& nc) {
  if (nc.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : nc) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 16 +
        static_cast<std::uint64_t>(std::isdigit(static_cast<unsigned char>(c))
                                       ? c - '0'
                                       : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
  }
  return v;
}

}  // namespace

std::string md5_hex(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_md5(), nullptr);
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::optional<std::map<std::string, std::string>> parse_digest_header(const std::string& header) {
  std::size_t i = 0;
  const std::size_t n = header.size();
  while (i < n && is_space(header[i])) ++i;
  if (n - i < 7 || to_lower(header.substr(i, 6)) != "digest" || !is_space(header[i + 6])) {
    return std::nullopt;
  }
  i += 7;
  std::map<std::string, std::string> params;
  while (i < n) {
    while (i < n && (is_space(header[i]) || header[i] == ',')) ++i;
    if (i >= n) break;
    const std::size_t key_start = i;
    while (i < n && header[i] != '=' && header[i] != ',' && !is_space(header[i])) ++i;
    std::string key = to_lower(header.substr(key_start, i - key_start));
    while (i < n && is_space(header[i])) ++i;
    if (key.empty() || i >= n || header[i] != '=') return std::nullopt;
    ++i;
    while (i < n && is_space(header[i])) ++i;
    std::string value;
    if (i < n && header[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        const char c = header[i++];
        if (c == '\\' && i < n) {
          value.push_back(header[i++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return std::nullopt;
    } else {
      const std::size_t start = i;
      while (i < n && header[i] != ',') ++i;
      std::size_t end = i;
      while (end > start && is_space(header[end - 1])) --end;
      value = header.substr(start, end - start);
    }
    params[std::move(key)] = std::move(value);
  }
  if (params.empty()) return std::nullopt;
  return params;
}

DigestAuth::DigestAuth(DigestAuthOptions options, PasswordSource password, Clock clock)
    : options_(std::move(options)),
      password_(std::move(password)),
      clock_(std::move(clock)),
      rng_(options_.seed) {}

std::string DigestAuth::expected_response(const std::string& user, const std::string& realm,
                                          const std::string& password, const std::string& method,
                                          const std::string& uri, const std::string& nonce,
                                          const std::string& nc, const std::string& cnonce,
                                          const std::string& qop) {
  const std::string ha1 = md5_hex(user + ":" + realm + ":" + password);
  const std::string ha2 = md5_hex(method + ":" + uri);
  if (qop.empty()) return md5_hex(ha1 + ":" + nonce + ":" + ha2);  // RFC 2069 form
  return md5_hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
}

std::string DigestAuth::new_nonce() {
  std::string nonce = fmt::format("{:016x}{:016x}", rng_(), rng_());
  nonces_[nonce] = NonceState{clock_ ? clock_() : sim::Time{0}, 0};
  nonce_order_.push_back(nonce);
  while (nonce_order_.size() > options_.max_nonces) {
    nonces_.erase(nonce_order_.front());
    nonce_order_.pop_front();
  }
  return nonce;
}

HttpResponse DigestAuth::challenge(bool stale) {
  std::string value =
      fmt::format(R"(Digest realm="{}", nonce="{}", qop="auth")", options_.realm, new_nonce());
  if (stale) value += R"(, stale="true")";
  HttpResponse r = HttpResponse::text(
      401,
      "<html><head><title>401 Unauthorized</title></head><body>401 Unauthorized</body></html>\n",
      "text/html; charset=UTF-8");
  r.set_header("WWW-Authenticate", std::move(value));
  return r;
}

std::optional<HttpResponse> DigestAuth::check(const HttpRequest& request) {
  const std::string* header = request.header("Authorization");
  if (header == nullptr) {
    ++counters_.challenged;
    return challenge();
  }
  const auto params = parse_digest_header(*header);
  if (!params) {
    ++counters_.challenged;
    return challenge();
  }
  auto get = [&](const char* key) -> std::string {
    auto it = params->find(key);
    return it == params->end() ? std::string() : it->second;
  };
  const std::string username = get("username");
  const std::string realm = get("realm");
  const std::string nonce = get("nonce");
  const std::string uri = get("uri");
  const std::string response = to_lower(get("response"));
  const std::string qop = get("qop");
  const std::string nc = get("nc");
  const std::string cnonce = get("cnonce");
  const std::string algorithm = get("algorithm");

  const bool qop_ok = qop.empty() || (to_lower(qop) == "auth" && !cnonce.empty() && parse_nc(nc));
  const bool algorithm_ok = algorithm.empty() || to_lower(algorithm) == "md5";
  // The digest-uri names the request's target; some clients leave the query out of it.
  const bool uri_ok = uri == request.target || uri == request.path;
  if (username.empty() || nonce.empty() || response.empty() || !qop_ok || !algorithm_ok ||
      !uri_ok || realm != options_.realm) {
    ++counters_.challenged;
    return challenge();
  }
  const std::string want =
      expected_response(options_.user, options_.realm, password_ ? password_() : std::string(),
                        request.method, uri, nonce, nc, cnonce, qop.empty() ? "" : "auth");
  if (username != options_.user || response != want) {
    ++counters_.wrong_credentials;
    return challenge();
  }
  // Right credentials: now the nonce must be one of ours, fresh, and (qop) its nc must grow.
  auto it = nonces_.find(nonce);
  const bool expired =
      it != nonces_.end() && clock_ && clock_() - it->second.issued > options_.nonce_lifetime;
  if (it == nonces_.end() || expired) {
    if (expired) nonces_.erase(it);
    ++counters_.stale;
    return challenge(true);
  }
  if (!qop.empty()) {
    const std::uint64_t count = *parse_nc(nc);
    const bool grows = count > it->second.last_nc;
    if (count == 0 || (options_.nc_policy == NcPolicy::Increasing && !grows)) {
      ++counters_.stale;
      return challenge(true);
    }
    if (grows) it->second.last_nc = count;
  }
  ++counters_.accepted;
  return std::nullopt;
}

}  // namespace hemsrig::http
