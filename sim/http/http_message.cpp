#include "sim/http/http_message.hpp"

#include <cctype>

namespace hemsrig::http {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

std::string HttpRequest::query_param(const std::string& name, std::string fallback) const {
  auto it = query_params.find(name);
  return it == query_params.end() ? std::move(fallback) : it->second;
}

HttpRequest HttpRequest::make(std::string method, std::string target, std::string body,
                              Headers headers) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  const auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) {
    r.query = r.target.substr(q + 1);
    r.query_params = parse_query(r.query);
  }
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

HttpResponse& HttpResponse::set_header(std::string name, std::string value) {
  for (auto& [key, v] : headers) {
    if (iequals(key, name)) {
      v = std::move(value);
      return *this;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

HttpResponse HttpResponse::html(std::string body) {
  return text(200, std::move(body), "text/html; charset=UTF-8");
}

HttpResponse HttpResponse::json(std::string body) {
  return text(200, std::move(body), "application/json; charset=UTF-8");
}

HttpResponse HttpResponse::xml(std::string body) {
  return text(200, std::move(body), "text/xml; charset=UTF-8");
}

HttpResponse HttpResponse::error(int status) {
  return text(status, std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n");
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0F]);
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view query, bool plus_as_space) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), plus_as_space);
      std::string value = eq == std::string_view::npos
                              ? std::string()
                              : percent_decode(pair.substr(eq + 1), plus_as_space);
      out[std::move(key)] = std::move(value);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace hemsrig::http
