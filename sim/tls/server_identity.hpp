// ServerIdentity: what a TLS server presents, as PEM text (no OpenSSL types), so that
// HttpServerOptions can carry it without pulling OpenSSL or Asio's SSL headers into every file
// that includes the server's header. TestCa issues these; any PEM pair from elsewhere works too.
#pragma once

#include <string>

namespace hemsrig::tls {

struct ServerIdentity {
  std::string certificate_chain_pem;  // the server certificate first, then intermediates (if any)
  std::string private_key_pem;        // the key of the first certificate
};

}  // namespace hemsrig::tls
