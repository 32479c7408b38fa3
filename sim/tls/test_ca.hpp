// TestCa: the rig's own certificate authority, so the mock cloud can serve HTTPS that a real app
// or firmware trusts once it is told the CA certificate (`hemsrig ca export`).
//
// The CA is an EC P-256 key and a self-signed certificate; it issues server certificates whose
// subjectAltNames list the names and addresses a client dials (localhost, 127.0.0.1, the listen
// address, extra names). With a state dir the CA lives on disk as PEM (ca.pem, ca-key.pem), so a
// restarted rig keeps the same CA; without one it lives in memory only. OpenSSL stays in the .cpp.
// Not thread-safe per object; separate objects are independent.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "sim/core/result.hpp"
#include "sim/tls/server_identity.hpp"

namespace hemsrig::tls {

// Where a rig keeps its CA inside a `--state DIR`: DIR/tls. Empty state dir: empty (in memory).
std::string test_ca_dir(const std::string& state_dir);

class TestCa {
 public:
  // With `dir` empty: a fresh CA in memory. Otherwise loads dir/ca.pem + dir/ca-key.pem, or
  // creates both (the dir too; the key file mode 0600) when neither exists. Errors: "tls_state"
  // (one file without the other, unreadable or unwritable files), "tls_pem" (a file that is not
  // a PEM certificate/key, or a key that does not belong to the certificate), "tls_openssl".
  static Result<TestCa> load_or_create(const std::string& dir = {});
  // A fresh CA in memory; `common_name` names it in the subject.
  static Result<TestCa> create(const std::string& common_name = "hemsrig test CA");

  const std::string& certificate_pem() const { return cert_pem_; }  // what clients trust
  const std::string& private_key_pem() const { return key_pem_; }
  // Where it was loaded from or saved to; empty for an in-memory CA.
  const std::string& dir() const { return dir_; }
  // The certificate's PEM file (dir/ca.pem), what clients are told to trust; empty in memory.
  std::string certificate_file() const;
  bool created_now() const { return created_now_; }  // false when loaded from disk

  // A server certificate signed by this CA for `names`: each name that parses as an IP address
  // becomes an IP SAN, any other a DNS SAN; "localhost" and "127.0.0.1" are always included.
  // The certificate is valid from an hour ago (clock skew) for `validity`.
  // Errors: "tls_name" (an empty or unusable name), "tls_openssl".
  Result<ServerIdentity> issue_server_identity(
      const std::vector<std::string>& names = {},
      std::chrono::hours validity = std::chrono::hours(24 * 397)) const;

 private:
  std::string cert_pem_;
  std::string key_pem_;
  std::string dir_;
  bool created_now_ = false;
};

}  // namespace hemsrig::tls
