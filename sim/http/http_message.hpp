// HttpRequest / HttpResponse: the plain structs a handler sees and returns.
//
// The server (http_server.hpp) parses the wire into an HttpRequest and writes the HttpResponse
// back; nothing in here knows about sockets or Beast, so handlers are tested by building a
// request by hand. Header names compare case-insensitively; the order headers were added in is
// kept. Query parameters are percent-decoded but '+' stays '+': AiSEG2 clients send base64 with a
// raw '+' in `?data=` (AISEG2-FACTS, seen), so a '+' must never become a space there.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hemsrig::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive ASCII comparison (header names, scheme names).
bool iequals(std::string_view a, std::string_view b);
// First header called `name`, or nullptr.
const std::string* find_header(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method;  // as sent, e.g. "GET", "POST"
  std::string target;  // as sent: "/page/devices/device/32?page=2"
  std::string path;    // target up to '?', not decoded: "/page/devices/device/32"
  std::string query;   // after '?', raw: "page=2"
  std::map<std::string, std::string> query_params;  // decoded ('+' kept as '+')
  std::map<std::string, std::string> path_params;   // filled by the Router from "{name}" segments
  Headers headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1", empty when built by hand

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
  std::string query_param(const std::string& name, std::string fallback = {}) const;

  // Builds a request from method + target, splitting and decoding the target.
  static HttpRequest make(std::string method, std::string target, std::string body = {},
                          Headers headers = {});
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
  // Replaces a header of that name, or adds it.
  HttpResponse& set_header(std::string name, std::string value);

  static HttpResponse text(int status, std::string body,
                           std::string content_type = "text/plain; charset=UTF-8");
  static HttpResponse html(std::string body);  // 200, text/html; charset=UTF-8
  static HttpResponse json(std::string body);  // 200, application/json; charset=UTF-8
  static HttpResponse xml(std::string body);   // 200, text/xml; charset=UTF-8
  static HttpResponse error(int status);       // a short text body naming the status
};

// The standard reason phrase ("Not Found"), "Unknown" for codes we never send.
std::string_view reason_phrase(int status);

// "%7B%22a%22" -> "{\"a\"". Invalid escapes stay as they are. With plus_as_space, '+' becomes
// ' ' (application/x-www-form-urlencoded bodies); query strings keep '+'.
std::string percent_decode(std::string_view text, bool plus_as_space = false);
std::string percent_encode(std::string_view text);  // every byte but [A-Za-z0-9-._~]
// "a=1&b=%20x" -> {a: "1", b: " x"}. A key without '=' maps to "". Later duplicates win.
std::map<std::string, std::string> parse_query(std::string_view query, bool plus_as_space = false);

}  // namespace hemsrig::http
