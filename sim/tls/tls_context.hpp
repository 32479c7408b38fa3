// Asio SSL contexts built from PEM text: the server side from a ServerIdentity, the client side
// trusting a CA PEM (or the system's CAs). Only the .cpp files of the HTTP server and client
// include this (it pulls in Asio's SSL and OpenSSL headers).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "sim/core/result.hpp"
#include "sim/tls/server_identity.hpp"

namespace hemsrig::tls {

// TLS 1.2 and 1.3 only. Error "tls_identity" when the PEM certificate or key is unusable or the
// key does not match the certificate.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(
    const ServerIdentity& identity);

// Verifies the peer against `ca_pem` (empty: the system's default CAs). Contexts are cached by
// CA (they are immutable once built and safe to share between threads). Error "tls_ca" when
// ca_pem holds no certificate.
Result<std::shared_ptr<boost::asio::ssl::context>> client_context(const std::string& ca_pem);

}  // namespace hemsrig::tls
