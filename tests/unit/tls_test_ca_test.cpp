// sim/tls: the rig's test CA. Certificates are read back with the openssl command line (an
// independent reader), and a kept CA survives a restart of the rig (a second load).
#include "sim/tls/test_ca.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "http_wire.hpp"

using namespace hemsrig;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("hemsrig-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// Runs a shell command and returns its standard output (stderr merged).
std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen((command + " 2>&1").c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof(buffer), p) != nullptr) out += buffer;
    ::pclose(p);
  }
  return out;
}

}  // namespace

TEST(TestCa, KeptInTheStateDirSoARestartedRigTrustsTheSameCa) {
  TempDir dir;
  const auto ca_dir = tls::test_ca_dir(dir.path.string());
  EXPECT_EQ(ca_dir, (dir.path / "tls").string());
  auto first = tls::TestCa::load_or_create(ca_dir);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created_now());
  EXPECT_TRUE(fs::exists(dir.path / "tls" / "ca.pem"));
  EXPECT_TRUE(fs::exists(dir.path / "tls" / "ca-key.pem"));
  const auto perms = fs::status(dir.path / "tls" / "ca-key.pem").permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);

  auto again = tls::TestCa::load_or_create(ca_dir);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->created_now());
  EXPECT_EQ(again->certificate_pem(), first->certificate_pem());
  // A certificate the restarted CA issues verifies against the CA exported before the restart.
  auto id = again->issue_server_identity();
  ASSERT_TRUE(id.ok()) << id.error().message;
  write(dir.path / "exported.pem", first->certificate_pem());
  write(dir.path / "server.pem", id->certificate_chain_pem);
  const auto verified = run("openssl verify -CAfile " + (dir.path / "exported.pem").string() + " " +
                            (dir.path / "server.pem").string());
  EXPECT_NE(verified.find(": OK"), std::string::npos) << verified;
}

TEST(TestCa, WithoutAStateDirEachCaIsNewAndLivesInMemory) {
  auto a = tls::TestCa::load_or_create();
  auto b = tls::TestCa::load_or_create();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->dir().empty());
  EXPECT_NE(a->certificate_pem(), b->certificate_pem());
  EXPECT_TRUE(a->certificate_pem().starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_NE(a->private_key_pem().find("PRIVATE KEY"), std::string::npos);
}

TEST(TestCa, ServerCertificateNamesLocalhostLoopbackAndTheExtraNames) {
  TempDir dir;
  auto ca = tls::TestCa::create();
  ASSERT_TRUE(ca.ok());
  auto id = ca->issue_server_identity({"127.0.0.9", "cloud.hemsrig.test", "::1"});
  ASSERT_TRUE(id.ok()) << id.error().message;
  write(dir.path / "ca.pem", ca->certificate_pem());
  write(dir.path / "server.pem", id->certificate_chain_pem);
  const auto text = run("openssl x509 -noout -text -in " + (dir.path / "server.pem").string());
  for (const char* name :
       {"DNS:localhost", "IP Address:127.0.0.1", "IP Address:127.0.0.9", "DNS:cloud.hemsrig.test",
        "IP Address:0:0:0:0:0:0:0:1", "TLS Web Server Authentication", "CA:FALSE"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name << "\n" << text;
  }
  const auto ca_text = run("openssl x509 -noout -text -in " + (dir.path / "ca.pem").string());
  EXPECT_NE(ca_text.find("CA:TRUE"), std::string::npos) << ca_text;
  EXPECT_NE(ca_text.find("Certificate Sign"), std::string::npos) << ca_text;
  const auto verified = run("openssl verify -CAfile " + (dir.path / "ca.pem").string() + " " +
                            (dir.path / "server.pem").string());
  EXPECT_NE(verified.find(": OK"), std::string::npos) << verified;
}

TEST(TestCa, UnusableNamesAreRefused) {
  auto ca = tls::TestCa::create();
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(ca->issue_server_identity({""}).error().code, "tls_name");
  EXPECT_EQ(ca->issue_server_identity({"a,DNS:evil.example"}).error().code, "tls_name");
  EXPECT_EQ(ca->issue_server_identity({"has space"}).error().code, "tls_name");
}

TEST(TestCa, BrokenStateIsAClearErrorAndNothingIsOverwritten) {
  TempDir dir;
  // A certificate without its key.
  write(dir.path / "ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto lone = tls::TestCa::load_or_create(dir.path.string());
  ASSERT_FALSE(lone.ok());
  EXPECT_EQ(lone.error().code, "tls_state");
  EXPECT_NE(lone.error().message.find("ca-key.pem"), std::string::npos) << lone.error().message;
  // Garbage in both.
  write(dir.path / "ca-key.pem", "not a key");
  auto garbage = tls::TestCa::load_or_create(dir.path.string());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, "tls_pem");
  EXPECT_NE(garbage.error().message.find("ca.pem"), std::string::npos) << garbage.error().message;
  std::ifstream kept(dir.path / "ca-key.pem");
  std::string content((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "not a key");
  // A key that belongs to another CA.
  auto one = tls::TestCa::create();
  auto other = tls::TestCa::create();
  ASSERT_TRUE(one.ok() && other.ok());
  write(dir.path / "ca.pem", one->certificate_pem());
  write(dir.path / "ca-key.pem", other->private_key_pem());
  auto mismatch = tls::TestCa::load_or_create(dir.path.string());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, "tls_pem");
}
