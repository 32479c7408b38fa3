// HttpServer over TLS with a certificate from the rig's test CA, met by independent clients
// (curl, openssl s_client) trusting the exported CA, and by our own http_request over https.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "http_wire.hpp"
#include "sim/http/fault_injector.hpp"
#include "sim/http/fault_plan.hpp"
#include "sim/http/http_client.hpp"
#include "sim/http/http_server.hpp"
#include "sim/http/router.hpp"
#include "sim/tls/test_ca.hpp"

using namespace hemsrig;
using namespace hemsrig::http;
using hemsrig::testing::raw_exchange;
using hemsrig::testing::run_beside;
using hemsrig::testing::shell_quote;
namespace fs = std::filesystem;

namespace {

std::string sh(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen((command + " 2>&1").c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof(buffer), p) != nullptr) out += buffer;
    ::pclose(p);
  }
  return out;
}

// A realtime engine with an HTTPS echo server on `address`, its certificate from `ca`, and the
// CA exported to a file as `hemsrig ca export --out` writes it.
struct TlsEchoServer {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  Router router;
  std::unique_ptr<HttpServer> server;
  boost::asio::ip::tcp::endpoint endpoint;
  fs::path ca_file;

  explicit TlsEchoServer(const tls::TestCa& ca, const std::string& address = "127.0.0.1",
                         std::vector<std::string> names = {}) {
    router.add("*", "*", [](const HttpRequest& r) {
      return HttpResponse::text(200, r.method + " " + r.path + " [" + r.body + "]");
    });
    auto id = ca.issue_server_identity(names);
    EXPECT_TRUE(id.ok()) << id.error().message;
    HttpServerOptions options;
    options.tls = *id;
    server = std::make_unique<HttpServer>(engine, router.handler(), options);
    auto bound = server->listen(address, 0);
    EXPECT_TRUE(bound.ok()) << bound.error().message;
    if (bound) endpoint = *bound;
    static int counter = 0;
    ca_file = fs::temp_directory_path() / ("hemsrig-ca-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(counter++) + ".pem");
    std::ofstream(ca_file) << ca.certificate_pem();
  }
  ~TlsEchoServer() {
    std::error_code ec;
    fs::remove(ca_file, ec);
  }
  std::string url(const std::string& path) const {
    return "https://" + endpoint.address().to_string() + ":" + std::to_string(endpoint.port()) +
           path;
  }
  // Runs our own client and pumps the engine until it answers.
  Result<HttpResponse> request(const std::string& url, HttpClientOptions options) {
    std::optional<Result<HttpResponse>> got;
    options.timeout = std::chrono::seconds(5);
    http_request(
        engine, "POST", url, "hi", {}, [&](Result<HttpResponse> r) { got = std::move(r); },
        options);
    engine.run_until([&] { return got.has_value(); }, std::chrono::seconds(10));
    if (!got) return make_error("test", "no answer");
    return *got;
  }
};

tls::TestCa make_ca() {
  auto ca = tls::TestCa::create();
  EXPECT_TRUE(ca.ok());
  return *ca;
}

}  // namespace

TEST(TlsServer, CurlTrustingTheExportedCaGetsTwoAnswersOnOneConnection) {
  const auto ca = make_ca();
  TlsEchoServer s(ca);
  ASSERT_TRUE(s.server->tls());
  const std::string out = run_beside<std::string>(s.engine, [&] {
    return sh("curl -sS --max-time 5 --noproxy '*' --cacert " + shell_quote(s.ca_file) + " " +
              shell_quote(s.url("/one")) + " " + shell_quote(s.url("/two")) +
              " -w '[%{num_connects}]'");
  });
  // The second transfer reused the first one's connection (0 new connects).
  EXPECT_EQ(out, "GET /one [][1]GET /two [][0]");
  EXPECT_EQ(s.server->counters().connections, 1u);
  EXPECT_EQ(s.server->counters().requests, 2u);
}

TEST(TlsServer, OpensslSClientVerifiesTheChainAgainstTheExportedCa) {
  const auto ca = make_ca();
  TlsEchoServer s(ca);
  const std::string connect = "127.0.0.1:" + std::to_string(s.endpoint.port());
  const std::string out = run_beside<std::string>(s.engine, [&] {
    return sh("timeout 5 openssl s_client -connect " + connect + " -CAfile " +
              shell_quote(s.ca_file) + " -verify_ip 127.0.0.1 -verify_return_error </dev/null");
  });
  EXPECT_NE(out.find("Verify return code: 0 (ok)"), std::string::npos) << out;
}

TEST(TlsServer, ClientsTrustingAnotherCaRefuseTheCertificate) {
  const auto ca = make_ca();
  const auto stranger = make_ca();
  TlsEchoServer s(ca);
  TlsEchoServer other(stranger);  // only for its exported CA file
  const std::string connect = "127.0.0.1:" + std::to_string(s.endpoint.port());
  const std::string openssl = run_beside<std::string>(s.engine, [&] {
    return sh("timeout 5 openssl s_client -connect " + connect + " -CAfile " +
              shell_quote(other.ca_file) + " </dev/null");
  });
  EXPECT_EQ(openssl.find("Verify return code: 0 (ok)"), std::string::npos) << openssl;
  EXPECT_NE(openssl.find("Verify return code: "), std::string::npos) << openssl;
  const auto curl = run_beside<hemsrig::testing::CurlResult>(s.engine, [&] {
    return hemsrig::testing::curl("--cacert " + shell_quote(other.ca_file) + " " +
                                  shell_quote(s.url("/x")));
  });
  EXPECT_EQ(curl.exit_code, 60);  // CURLE_PEER_FAILED_VERIFICATION
  EXPECT_EQ(s.server->counters().requests, 0u);

  HttpClientOptions trust_stranger;
  trust_stranger.ca_pem = stranger.certificate_pem();
  auto refused = s.request(s.url("/x"), trust_stranger);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "tls");
  EXPECT_NE(refused.error().message.find("not trusted"), std::string::npos)
      << refused.error().message;
}

TEST(TlsServer, HttpRequestOverHttpsVerifiesTheCaAndTheAddressDialled) {
  const auto ca = make_ca();
  TlsEchoServer s(ca);
  HttpClientOptions trust;
  trust.ca_pem = ca.certificate_pem();
  auto ok = s.request(s.url("/hello"), trust);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "POST /hello [hi]");
  // By name: the certificate names localhost too.
  auto by_name = s.request("https://localhost:" + std::to_string(s.endpoint.port()) + "/n", trust);
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(by_name->body, "POST /n [hi]");

  // A server on 127.0.0.2 whose certificate does not name that address.
  TlsEchoServer elsewhere(ca, "127.0.0.2");
  auto mismatch = elsewhere.request(elsewhere.url("/x"), trust);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, "tls");
  EXPECT_NE(mismatch.error().message.find("mismatch"), std::string::npos)
      << mismatch.error().message;
  // With the address among the certificate's names it is trusted.
  TlsEchoServer named(ca, "127.0.0.2", {"127.0.0.2"});
  auto fine = named.request(named.url("/y"), trust);
  ASSERT_TRUE(fine.ok()) << fine.error().message;
}

TEST(TlsServer, RefusedConnectionStaysOfflineAndAPlainServerIsATlsError) {
  const auto ca = make_ca();
  TlsEchoServer s(ca);
  HttpClientOptions trust;
  trust.ca_pem = ca.certificate_pem();
  const auto port = s.endpoint.port();
  s.server->stop();
  auto offline = s.request("https://127.0.0.1:" + std::to_string(port) + "/x", trust);
  ASSERT_FALSE(offline.ok());
  EXPECT_EQ(offline.error().code, "offline");

  // https:// to a server that speaks plain HTTP.
  Router router;
  router.get("/x", [](const HttpRequest&) { return HttpResponse::text(200, "plain"); });
  HttpServer plain(s.engine, router.handler());
  auto bound = plain.listen("127.0.0.1", 0);
  ASSERT_TRUE(bound.ok());
  auto mixed = s.request("https://127.0.0.1:" + std::to_string(bound->port()) + "/x", trust);
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().code, "tls");
}

TEST(TlsServer, PlainHttpAndGarbageOnTheTlsPortCloseOnlyThatConnection) {
  const auto ca = make_ca();
  TlsEchoServer s(ca);
  const auto plain = run_beside<std::string>(
      s.engine, [&] { return raw_exchange(s.endpoint, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 1); });
  EXPECT_FALSE(plain.starts_with("HTTP/")) << plain;
  const auto garbage = run_beside<std::string>(
      s.engine, [&] { return raw_exchange(s.endpoint, std::string(300, '\x16'), 1); });
  EXPECT_FALSE(garbage.starts_with("HTTP/"));
  EXPECT_EQ(s.server->counters().tls_handshake_failures, 2u);
  EXPECT_EQ(s.server->counters().requests, 0u);
  // The server goes on.
  const auto curl = run_beside<hemsrig::testing::CurlResult>(s.engine, [&] {
    return hemsrig::testing::curl("--cacert " + shell_quote(s.ca_file) + " " +
                                  shell_quote(s.url("/after")));
  });
  EXPECT_EQ(curl.status, 200);
  EXPECT_EQ(curl.body, "GET /after []");
}

TEST(TlsServer, UnusableIdentityIsAListenError) {
  sim::Engine engine;
  Router router;
  HttpServerOptions options;
  options.tls = tls::ServerIdentity{"not a certificate", "not a key"};
  HttpServer server(engine, router.handler(), options);
  auto bound = server.listen("127.0.0.1", 0);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code, "tls_identity");
  EXPECT_FALSE(server.listening());
}

TEST(TlsServer, FaultsWorkOverTlsToo) {
  const auto ca = make_ca();
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  auto faults = std::make_shared<FaultInjector>(engine);
  Router router;
  router.get("/hello", [](const HttpRequest&) { return HttpResponse::text(200, "hello world"); });
  HttpServerOptions options;
  options.tls = *ca.issue_server_identity();
  options.faults = faults;
  HttpServer server(engine, router.handler(), options);
  auto bound = server.listen("127.0.0.1", 0);
  ASSERT_TRUE(bound.ok());
  const std::string url = "https://127.0.0.1:" + std::to_string(bound->port()) + "/hello";
  HttpClientOptions trust;
  trust.ca_pem = ca.certificate_pem();
  auto fetch = [&] {
    std::optional<Result<HttpResponse>> got;
    http_request(
        engine, "GET", url, "", {}, [&](Result<HttpResponse> r) { got = std::move(r); }, trust);
    engine.run_until([&] { return got.has_value(); }, std::chrono::seconds(10));
    return got.value_or(make_error("test", "no answer"));
  };
  ASSERT_TRUE(faults
                  ->add(*parse_fault_rule_text(
                      R"({"kind":"dribble","delay_ms":1,"chunk_bytes":2,"times":1})"))
                  .ok());
  auto dribbled = fetch();
  ASSERT_TRUE(dribbled.ok()) << dribbled.error().message;
  EXPECT_EQ(dribbled->body, "hello world");
  ASSERT_TRUE(faults->add(*parse_fault_rule_text(R"({"kind":"reset","times":1})")).ok());
  auto reset = fetch();
  ASSERT_FALSE(reset.ok());
  EXPECT_EQ(reset.error().code, "protocol");
  faults->set_offline(true);
  auto offline = fetch();
  ASSERT_FALSE(offline.ok());
  EXPECT_EQ(offline.error().code, "offline");
  faults->set_offline(false);
  auto back = fetch();
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->status, 200);
}
