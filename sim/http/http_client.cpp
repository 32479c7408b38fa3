#include "sim/http/http_client.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>

namespace hemsrig::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

Result<Url> parse_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return make_error("bad_url", fmt::format("'{}' is not an http:// URL", url));
  }
  const std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  Url u;
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  if (authority.empty() || colon == 0)
    return make_error("bad_url", fmt::format("'{}' has no host", url));
  if (colon == std::string::npos) {
    u.host = authority;
    u.port = "80";
  } else {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
    if (u.port.empty() || u.port.find_first_not_of("0123456789") != std::string::npos) {
      return make_error("bad_url", fmt::format("'{}' has a bad port", url));
    }
  }
  return u;
}

namespace {

// One exchange: resolve, connect, write, read; keeps itself alive until done.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(sim::Engine& engine, Url url, bhttp::request<bhttp::string_body> request,
           std::function<void(Result<HttpResponse>)> done, HttpClientOptions options)
      : in_flight_(engine.begin_io()),
        url_(std::move(url)),
        resolver_(engine.io()),
        stream_(engine.io()),
        request_(std::move(request)),
        done_(std::move(done)),
        options_(options) {
    parser_.body_limit(options_.body_limit);
  }

  void start() {
    stream_.expires_after(options_.timeout);
    resolver_.async_resolve(
        url_.host, url_.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          if (ec)
            return self->fail("offline", "cannot resolve " + self->url_.host + ": " + ec.message());
          self->stream_.async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2)
              return self->fail("offline",
                                "cannot connect to " + self->where() + ": " + ec2.message());
            bhttp::async_write(
                self->stream_, self->request_, [self](beast::error_code ec3, std::size_t) {
                  if (ec3)
                    return self->fail("offline",
                                      "sending to " + self->where() + ": " + ec3.message());
                  bhttp::async_read(
                      self->stream_, self->buffer_, self->parser_,
                      [self](beast::error_code ec4, std::size_t) {
                        if (ec4 == beast::error::timeout)
                          return self->fail("offline", self->where() + " did not answer in time");
                        if (ec4)
                          return self->fail("protocol", "reading the answer of " + self->where() +
                                                            ": " + ec4.message());
                        self->succeed();
                      });
                });
          });
        });
  }

 private:
  std::string where() const { return url_.host + ":" + url_.port; }

  void fail(const char* code, std::string message) { finish(make_error(code, std::move(message))); }

  void succeed() {
    auto& res = parser_.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res)
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(res.body());
    finish(std::move(out));
  }

  void finish(Result<HttpResponse> result) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    in_flight_.release();
    auto done = std::move(done_);
    if (done) done(std::move(result));
  }

  sim::Engine::InFlight in_flight_;
  Url url_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  bhttp::request<bhttp::string_body> request_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  std::function<void(Result<HttpResponse>)> done_;
  HttpClientOptions options_;
};

}  // namespace

void http_request(sim::Engine& engine, std::string method, const std::string& url, std::string body,
                  Headers headers, std::function<void(Result<HttpResponse>)> done,
                  HttpClientOptions options) {
  auto parsed = parse_url(url);
  if (!parsed) {
    boost::asio::post(engine.io(), [done = std::move(done), e = parsed.error()] { done(e); });
    return;
  }
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(parsed->target);
  req.version(11);
  req.set(bhttp::field::host, parsed->host + ":" + parsed->port);
  req.set(bhttp::field::connection, "close");
  for (auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  std::make_shared<Exchange>(engine, std::move(*parsed), std::move(req), std::move(done), options)
      ->start();
}

}  // namespace hemsrig::http
