#include "sim/http/http_client.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <memory>
#include <type_traits>

#include "sim/tls/tls_context.hpp"

namespace hemsrig::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

Result<Url> parse_url(const std::string& url) {
  Url u;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
    u.https = true;
  } else {
    return make_error("bad_url", fmt::format("'{}' is not an http:// or https:// URL", url));
  }
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  if (authority.empty() || colon == 0)
    return make_error("bad_url", fmt::format("'{}' has no host", url));
  if (colon == std::string::npos) {
    u.host = authority;
    u.port = u.https ? "443" : "80";
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

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  (void)net::ip::make_address(host, ec);
  return !ec;
}

// One exchange: resolve, connect, (TLS handshake,) write, read; keeps itself alive until done.
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Exchange(sim::Engine& engine, Url url, bhttp::request<bhttp::string_body> request,
           std::function<void(Result<HttpResponse>)> done, HttpClientOptions options,
           std::shared_ptr<ssl::context> tls)
      : tls_(std::move(tls)),
        in_flight_(engine.begin_io()),
        url_(std::move(url)),
        resolver_(engine.io()),
        stream_(make_stream(engine, tls_.get())),
        request_(std::move(request)),
        done_(std::move(done)),
        options_(std::move(options)) {
    parser_.body_limit(options_.body_limit);
  }

  void start() {
    lowest().expires_after(options_.timeout);
    resolver_.async_resolve(
        url_.host, url_.port,
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          if (ec)
            return self->fail("offline", "cannot resolve " + self->url_.host + ": " + ec.message());
          self->lowest().async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2)
              return self->fail("offline",
                                "cannot connect to " + self->where() + ": " + ec2.message());
            self->handshake();
          });
        });
  }

 private:
  static Stream make_stream(sim::Engine& engine, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(engine.io(), *tls);
    } else {
      (void)tls;
      return Stream(engine.io());
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  std::string where() const { return url_.host + ":" + url_.port; }

  void handshake() {
    if constexpr (kTls) {
      SSL* ssl = stream_.native_handle();
      // The peer's certificate must name the host we dialled: an IP SAN for an address, a DNS
      // name otherwise (which also goes out as SNI).
      if (is_ip_address(url_.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl, url_.host.c_str());
        SSL_set1_host(ssl, url_.host.c_str());
      }
      stream_.async_handshake(ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->handshake_failed(ec);
                                self->write();
                              });
    } else {
      write();
    }
  }

  void handshake_failed(const beast::error_code& ec) {
    if constexpr (kTls) {
      if (ec == beast::error::timeout)
        return fail("offline", where() + " did not complete the TLS handshake in time");
      const long verify = SSL_get_verify_result(stream_.native_handle());
      if (verify != X509_V_OK) {
        return fail("tls", fmt::format("the certificate of {} is not trusted: {}", where(),
                                       X509_verify_cert_error_string(verify)));
      }
      fail("tls", "TLS handshake with " + where() + " failed: " + ec.message());
    }
  }

  void write() {
    bhttp::async_write(
        stream_, request_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->fail("offline", "sending to " + self->where() + ": " + ec.message());
          self->read();
        });
  }

  void read() {
    bhttp::async_read(stream_, buffer_, parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec == beast::error::timeout)
                          return self->fail("offline", self->where() + " did not answer in time");
                        if (ec)
                          return self->fail("protocol", "reading the answer of " + self->where() +
                                                            ": " + ec.message());
                        self->succeed();
                      });
  }

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
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    in_flight_.release();
    auto done = std::move(done_);
    if (done) done(std::move(result));
  }

  std::shared_ptr<ssl::context> tls_;  // null for plain HTTP
  sim::Engine::InFlight in_flight_;
  Url url_;
  tcp::resolver resolver_;
  Stream stream_;
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
  std::shared_ptr<ssl::context> tls;
  if (parsed && parsed->https) {
    auto ctx = tls::client_context(options.ca_pem);
    if (!ctx) {
      parsed = ctx.error();
    } else {
      tls = std::move(*ctx);
    }
  }
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
  if (tls) {
    std::make_shared<Exchange<beast::ssl_stream<beast::tcp_stream>>>(
        engine, std::move(*parsed), std::move(req), std::move(done), std::move(options),
        std::move(tls))
        ->start();
  } else {
    std::make_shared<Exchange<beast::tcp_stream>>(engine, std::move(*parsed), std::move(req),
                                                  std::move(done), std::move(options), nullptr)
        ->start();
  }
}

}  // namespace hemsrig::http
