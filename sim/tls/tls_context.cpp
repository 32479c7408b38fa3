#include "sim/tls/tls_context.hpp"

#include <map>
#include <mutex>

#include <boost/asio/buffer.hpp>

namespace hemsrig::tls {

namespace ssl = boost::asio::ssl;

namespace {

constexpr auto kOptions = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1 | ssl::context::single_dh_use;

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_context(const ServerIdentity& identity) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(kOptions, ec);
  if (!ec) {
    ctx->use_certificate_chain(boost::asio::buffer(identity.certificate_chain_pem), ec);
    if (ec) return make_error("tls_identity", "the server certificate PEM: " + ec.message());
  }
  ctx->use_private_key(boost::asio::buffer(identity.private_key_pem), ssl::context::pem, ec);
  if (ec) return make_error("tls_identity", "the server private key PEM: " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return make_error("tls_identity", "the private key does not belong to the certificate");
  }
  return ctx;
}

Result<std::shared_ptr<ssl::context>> client_context(const std::string& ca_pem) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<ssl::context>> cache;
  std::lock_guard lock(mutex);
  if (const auto it = cache.find(ca_pem); it != cache.end()) return it->second;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(kOptions, ec);
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ca_pem.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->add_certificate_authority(boost::asio::buffer(ca_pem), ec);
    if (ec)
      return make_error("tls_ca",
                        "the trusted CA PEM holds no usable certificate: " + ec.message());
  }
  if (cache.size() >= 16) cache.clear();  // a handful of CAs at most in one rig
  cache[ca_pem] = ctx;
  return ctx;
}

}  // namespace hemsrig::tls
