#include "http_wire.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hemsrig::testing {

namespace {

void set_receive_timeout(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int content_length(const std::string& head) {
  std::istringstream lines(head);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "content-length") return std::stoi(line.substr(colon + 1));
  }
  return 0;
}

}  // namespace

std::vector<WireResponse> split_responses(const std::string& raw) {
  std::vector<WireResponse> out;
  std::size_t at = 0;
  while (at < raw.size()) {
    const auto end = raw.find("\r\n\r\n", at);
    if (end == std::string::npos) break;
    WireResponse r;
    r.head = raw.substr(at, end + 2 - at);
    if (r.head.size() >= 12 && r.head.starts_with("HTTP/1."))
      r.status = std::stoi(r.head.substr(9, 3));
    const int length = r.status >= 100 && r.status < 200 ? 0 : content_length(r.head);
    const std::size_t body_at = end + 4;
    if (raw.size() < body_at + static_cast<std::size_t>(length)) break;
    r.body = raw.substr(body_at, static_cast<std::size_t>(length));
    out.push_back(std::move(r));
    at = body_at + static_cast<std::size_t>(length);
  }
  return out;
}

std::string raw_exchange(const boost::asio::ip::tcp::endpoint& to, const std::string& bytes,
                         int responses, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(to.port());
  addr.sin_addr.s_addr = htonl(to.address().to_v4().to_uint());
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return got;
  }
  set_receive_timeout(fd, timeout);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    // 1xx answers do not count: they come before the answer they announce.
    int complete = 0;
    for (const auto& r : split_responses(got)) complete += r.status >= 200 ? 1 : 0;
    if (complete >= responses) break;
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

CurlResult curl(const std::string& args) {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("hemsrig-curl-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  const auto body = dir / "body";
  const auto headers = dir / "headers";
  const std::string command = "curl -sS --max-time 5 --noproxy '*' -o " + shell_quote(body) +
                              " -D " + shell_quote(headers) + " -w '%{http_code}' " + args +
                              " 2>/dev/null";
  CurlResult result;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buffer[64] = {};
    std::string out;
    while (std::fgets(buffer, sizeof(buffer), p) != nullptr) out += buffer;
    const int rc = ::pclose(p);
    result.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    try {
      result.status = std::stoi(out);
    } catch (...) {
      result.status = 0;
    }
  }
  result.body = read_file(body);
  result.headers = read_file(headers);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return result;
}

std::vector<std::string> udp_exchange(const std::string& to_address, unsigned short to_port,
                                      const std::string& datagram, std::chrono::milliseconds wait,
                                      std::size_t enough, const std::string& multicast_interface) {
  std::vector<std::string> got;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local));
  if (!multicast_interface.empty()) {
    in_addr iface{};
    ::inet_pton(AF_INET, multicast_interface.c_str(), &iface);
    ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &iface, sizeof(iface));
    const unsigned char loop = 1;
    const unsigned char ttl = 0;  // never off the host
    ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
    ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(to_port);
  ::inet_pton(AF_INET, to_address.c_str(), &to.sin_addr);
  ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  char buffer[8192];
  for (int i = 0; i < 16 && (enough == 0 || got.size() < enough); ++i) {  // a few answers at most
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    set_receive_timeout(fd, left);
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    got.emplace_back(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

}  // namespace hemsrig::testing
