#include "sim/tls/test_ca.hpp"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace hemsrig::tls {

namespace fs = std::filesystem;

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BigNum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

constexpr const char* kCertFile = "ca.pem";
constexpr const char* kKeyFile = "ca-key.pem";
constexpr long kCaValiditySeconds = 10L * 365 * 24 * 3600;

// The newest OpenSSL error as text (and the queue cleared), for messages.
std::string openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return what + ": " + text;
}

Error openssl_failure(const std::string& what) {
  return make_error("tls_openssl", openssl_error(what));
}

PKey generate_key() {
  return PKey(EVP_EC_gen("P-256"));
}

std::string to_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Cert cert_from_pem(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Cert();
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PKey key_from_pem(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return PKey();
  return PKey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  Extension ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A certificate with a random 127-bit serial, valid from an hour ago for `seconds`, for `key`,
// named `common_name`; issuer and extensions are the caller's.
Cert new_certificate(EVP_PKEY* key, const std::string& common_name, long seconds) {
  Cert cert(X509_new());
  BigNum serial(BN_new());
  if (!cert || !serial) return Cert();
  if (X509_set_version(cert.get(), 2) != 1 || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, 0) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), seconds) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return Cert();
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* o = reinterpret_cast<const unsigned char*>("hemsrig");
  const auto* cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, o, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1) {
    return Cert();
  }
  return cert;
}

bool is_ip_address(const std::string& name) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '*' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("tls_state", "cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status write_text(const fs::path& path, const std::string& text, bool secret) {
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return make_error("tls_state", "cannot write " + temp.string());
    if (secret) {
      std::error_code ec;
      fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write, ec);
    }
    out << text;
    if (!out.flush()) return make_error("tls_state", "cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return make_error("tls_state", "cannot write " + path.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace

std::string test_ca_dir(const std::string& state_dir) {
  if (state_dir.empty()) return {};
  return (fs::path(state_dir) / "tls").string();
}

std::string TestCa::certificate_file() const {
  if (dir_.empty()) return {};
  return (fs::path(dir_) / kCertFile).string();
}

Result<TestCa> TestCa::create(const std::string& common_name) {
  PKey key = generate_key();
  if (!key) return openssl_failure("generating the CA key");
  Cert cert = new_certificate(key.get(), common_name, kCaValiditySeconds);
  if (!cert) return openssl_failure("building the CA certificate");
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1)
    return openssl_failure("naming the CA issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (!add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash") ||
      !add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always")) {
    return openssl_failure("adding the CA extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return openssl_failure("signing the CA certificate");
  TestCa ca;
  ca.cert_pem_ = to_pem(cert.get());
  ca.key_pem_ = to_pem(key.get());
  ca.created_now_ = true;
  if (ca.cert_pem_.empty() || ca.key_pem_.empty()) return openssl_failure("writing the CA as PEM");
  return ca;
}

Result<TestCa> TestCa::load_or_create(const std::string& dir) {
  if (dir.empty()) return create();
  const fs::path cert_path = fs::path(dir) / kCertFile;
  const fs::path key_path = fs::path(dir) / kKeyFile;
  std::error_code ec;
  const bool have_cert = fs::exists(cert_path, ec);
  const bool have_key = fs::exists(key_path, ec);
  if (have_cert != have_key) {
    return make_error("tls_state", (have_cert ? cert_path : key_path).string() + " exists but " +
                                       (have_cert ? key_path : cert_path).string() +
                                       " does not; remove it to create a new CA");
  }
  if (have_cert) {
    auto cert_pem = read_text(cert_path);
    if (!cert_pem) return cert_pem.error();
    auto key_pem = read_text(key_path);
    if (!key_pem) return key_pem.error();
    Cert cert = cert_from_pem(*cert_pem);
    if (!cert)
      return make_error("tls_pem", openssl_error(cert_path.string() + " holds no PEM certificate"));
    PKey key = key_from_pem(*key_pem);
    if (!key)
      return make_error("tls_pem", openssl_error(key_path.string() + " holds no PEM private key"));
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      return make_error(
          "tls_pem", openssl_error(key_path.string() + " is not the key of " + cert_path.string()));
    }
    TestCa ca;
    ca.cert_pem_ = std::move(*cert_pem);
    ca.key_pem_ = std::move(*key_pem);
    ca.dir_ = dir;
    return ca;
  }
  fs::create_directories(dir, ec);
  if (ec) return make_error("tls_state", "cannot create " + dir + ": " + ec.message());
  auto ca = create();
  if (!ca) return ca;
  if (auto s = write_text(key_path, ca->key_pem_, true); !s) return s.error();
  if (auto s = write_text(cert_path, ca->cert_pem_, false); !s) return s.error();
  ca->dir_ = dir;
  return ca;
}

Result<ServerIdentity> TestCa::issue_server_identity(const std::vector<std::string>& names,
                                                     std::chrono::hours validity) const {
  std::vector<std::string> all = {"localhost", "127.0.0.1"};
  for (const auto& n : names) {
    if (n.empty()) return make_error("tls_name", "a certificate name is empty");
    if (!is_ip_address(n) && !is_dns_name(n)) {
      return make_error("tls_name", "'" + n + "' is neither an IP address nor a DNS name");
    }
    if (std::find(all.begin(), all.end(), n) == all.end()) all.push_back(n);
  }
  std::string san;
  for (const auto& n : all)
    san += (san.empty() ? "" : ",") + std::string(is_ip_address(n) ? "IP:" : "DNS:") + n;

  Cert ca_cert = cert_from_pem(cert_pem_);
  PKey ca_key = key_from_pem(key_pem_);
  if (!ca_cert || !ca_key) return openssl_failure("reading the CA");
  PKey key = generate_key();
  if (!key) return openssl_failure("generating the server key");
  const long seconds = static_cast<long>(std::chrono::seconds(validity).count());
  Cert cert = new_certificate(key.get(), all.size() > 2 ? all[2] : all[0], seconds);
  if (!cert) return openssl_failure("building the server certificate");
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) != 1)
    return openssl_failure("naming the issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, ca_cert.get(), cert.get(), nullptr, nullptr, 0);
  if (!add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyAgreement") ||
      !add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth") ||
      !add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash") ||
      !add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always") ||
      !add_extension(cert.get(), &ctx, NID_subject_alt_name, san)) {
    return openssl_failure("adding the server certificate's extensions (" + san + ")");
  }
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0)
    return openssl_failure("signing the server certificate");
  ServerIdentity id;
  id.certificate_chain_pem = to_pem(cert.get());
  id.private_key_pem = to_pem(key.get());
  if (id.certificate_chain_pem.empty() || id.private_key_pem.empty())
    return openssl_failure("writing the server identity as PEM");
  return id;
}

}  // namespace hemsrig::tls
