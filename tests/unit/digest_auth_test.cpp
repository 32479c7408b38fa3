// HTTP Digest (sim/http/digest_auth): header parsing, the RFC 2617 example, nonce and nc rules,
// and curl (a real, independent client) against a guarded server over loopback.
#include "sim/http/digest_auth.hpp"

#include <gtest/gtest.h>

#include "http_wire.hpp"
#include "sim/http/http_server.hpp"

using namespace hemsrig;
using namespace hemsrig::http;
using hemsrig::testing::curl;
using hemsrig::testing::run_beside;

namespace {

std::string nonce_of(const HttpResponse& challenge) {
  const auto params = parse_digest_header(*challenge.header("WWW-Authenticate"));
  return params ? params->at("nonce") : std::string();
}

// The request a client sends after a challenge.
HttpRequest answered(const std::string& method, const std::string& target, const std::string& nonce,
                     const std::string& password, const std::string& nc = "00000001",
                     const std::string& user = "aiseg") {
  const std::string cnonce = "0a4f113b";
  const std::string response = DigestAuth::expected_response(user, "AiSEG", password, method,
                                                             target, nonce, nc, cnonce, "auth");
  const std::string header = "Digest username=\"" + user + "\", realm=\"AiSEG\", nonce=\"" + nonce +
                             "\", uri=\"" + target + "\", algorithm=MD5, response=\"" + response +
                             "\", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\"";
  return HttpRequest::make(method, target, "", {{"Authorization", header}});
}

}  // namespace

TEST(DigestAuth, Md5AndTheRfc2617Example) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  // RFC 2617, 3.5.
  EXPECT_EQ(DigestAuth::expected_response("Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
                                          "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                                          "00000001", "0a4f113b", "auth"),
            "6629fae49393a05397450978507c4ef1");
}

TEST(DigestAuth, ParsesQuotedUnquotedAndEscapedValues) {
  const auto p = parse_digest_header(
      R"(Digest username="ai\"seg", realm="AiSEG",nc=00000001 , qop=auth, uri="/a?b=1,2")");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->at("username"), "ai\"seg");
  EXPECT_EQ(p->at("nc"), "00000001");
  EXPECT_EQ(p->at("qop"), "auth");
  EXPECT_EQ(p->at("uri"), "/a?b=1,2");
  EXPECT_FALSE(parse_digest_header("Basic YWlzZWc6cA==").has_value());
  EXPECT_FALSE(parse_digest_header("Digest username=\"open").has_value());
  EXPECT_FALSE(parse_digest_header("Digest").has_value());
  EXPECT_FALSE(parse_digest_header("Digest =x").has_value());
}

TEST(DigestAuth, ChallengeQuotesEveryValue) {
  DigestAuth auth({}, [] { return "1234567890"; });
  const auto r = auth.check(HttpRequest::make("GET", "/page/myhome/9"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  const std::string h = *r->header("WWW-Authenticate");
  EXPECT_TRUE(h.starts_with("Digest realm=\"AiSEG\", nonce=\"")) << h;
  EXPECT_NE(h.find("qop=\"auth\""), std::string::npos) << h;
  // Every value quoted: each '=' is followed by a '"'.
  for (std::size_t at = h.find('='); at != std::string::npos; at = h.find('=', at + 1)) {
    EXPECT_EQ(h[at + 1], '"') << h;
  }
}

TEST(DigestAuth, RightPasswordPassesWrongPasswordAndOtherUserAreChallengedAgain) {
  DigestAuth auth({}, [] { return "1234567890"; });
  const std::string nonce = nonce_of(*auth.check(HttpRequest::make("GET", "/x")));
  EXPECT_FALSE(auth.check(answered("GET", "/x", nonce, "1234567890")).has_value());
  const auto wrong = auth.check(answered("GET", "/x", nonce, "wrong", "00000002"));
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->header("WWW-Authenticate")->find("stale"), std::string::npos);
  EXPECT_TRUE(
      auth.check(answered("GET", "/x", nonce, "1234567890", "00000003", "admin")).has_value());
  EXPECT_EQ(auth.counters().accepted, 1u);
  EXPECT_EQ(auth.counters().wrong_credentials, 2u);
}

TEST(DigestAuth, GarbageAuthorizationGetsAChallenge) {
  DigestAuth auth({}, [] { return "p"; });
  for (const char* h : {"", "Digest", "Basic YWlzZWc6cA==", "Digest username=\"aiseg\"",
                        "Digest username=\"aiseg\", realm=\"AiSEG\", nonce=\"x\", uri=\"/x\", "
                        "response=\"00\", qop=auth, nc=zz, cnonce=\"c\"",
                        "\x01\x02\xff"}) {
    const auto r = auth.check(HttpRequest::make("GET", "/x", "", {{"Authorization", h}}));
    ASSERT_TRUE(r.has_value()) << h;
    EXPECT_EQ(r->status, 401);
    EXPECT_NE(r->header("WWW-Authenticate"), nullptr);
  }
}

TEST(DigestAuth, UriMustNameTheRequestedTarget) {
  DigestAuth auth({}, [] { return "p"; });
  const std::string nonce = nonce_of(*auth.check(HttpRequest::make("GET", "/x")));
  HttpRequest r = answered("GET", "/x", nonce, "p");
  r.target = r.path = "/other";
  EXPECT_TRUE(auth.check(r).has_value());
}

TEST(DigestAuth, EachFreshChallengeAcceptsNcOneAndNcMustGrowOnANonce) {
  DigestAuth auth({}, [] { return "p"; });
  // Clients re-authenticate on every request: each fresh nonce is answered with nc=00000001.
  for (int i = 0; i < 3; ++i) {
    const std::string nonce = nonce_of(*auth.check(HttpRequest::make("GET", "/x")));
    EXPECT_FALSE(auth.check(answered("GET", "/x", nonce, "p", "00000001")).has_value());
  }
  const std::string nonce = nonce_of(*auth.check(HttpRequest::make("GET", "/x")));
  EXPECT_FALSE(auth.check(answered("GET", "/x", nonce, "p", "00000001")).has_value());
  EXPECT_FALSE(auth.check(answered("GET", "/x", nonce, "p", "00000002")).has_value());
  const auto replay = auth.check(answered("GET", "/x", nonce, "p", "00000002"));
  ASSERT_TRUE(replay.has_value());
  EXPECT_NE(replay->header("WWW-Authenticate")->find("stale=\"true\""), std::string::npos);
}

TEST(DigestAuth, NcPolicyAnyAcceptsARepeatedNc) {
  DigestAuthOptions options;
  options.nc_policy = NcPolicy::Any;
  DigestAuth auth(options, [] { return "p"; });
  const std::string nonce = nonce_of(*auth.check(HttpRequest::make("GET", "/x")));
  EXPECT_FALSE(auth.check(answered("GET", "/x", nonce, "p")).has_value());
  EXPECT_FALSE(auth.check(answered("GET", "/x", nonce, "p")).has_value());
}

TEST(DigestAuth, UnknownNonceIsStaleAndOldNoncesAgeOut) {
  sim::Time now{0};
  DigestAuthOptions options;
  options.max_nonces = 2;
  DigestAuth auth(
      options, [] { return "p"; }, [&] { return now; });
  EXPECT_NE(
      auth.check(answered("GET", "/x", "madeup", "p"))->header("WWW-Authenticate")->find("stale"),
      std::string::npos);
  // By count: a third challenge pushes the first nonce out.
  const std::string first = nonce_of(auth.challenge());
  (void)auth.challenge();
  (void)auth.challenge();
  EXPECT_TRUE(auth.check(answered("GET", "/x", first, "p")).has_value());
  // By age.
  const std::string young = nonce_of(auth.challenge());
  now += std::chrono::minutes(11);
  EXPECT_TRUE(auth.check(answered("GET", "/x", young, "p")).has_value());
}

TEST(DigestAuth, PasswordIsAskedOnEveryCheck) {
  std::string password = "1234567890";
  DigestAuth auth({}, [&] { return password; });
  std::string nonce = nonce_of(auth.challenge());
  EXPECT_FALSE(auth.check(answered("GET", "/x", nonce, "1234567890")).has_value());
  password = "changed";  // R32: the user changed the access password
  nonce = nonce_of(auth.challenge());
  EXPECT_TRUE(auth.check(answered("GET", "/x", nonce, "1234567890")).has_value());
  nonce = nonce_of(auth.challenge());
  EXPECT_FALSE(auth.check(answered("GET", "/x", nonce, "changed")).has_value());
}

TEST(DigestAuth, SameSeedSameNonces) {
  DigestAuth a({}, [] { return "p"; });
  DigestAuth b({}, [] { return "p"; });
  EXPECT_EQ(nonce_of(a.challenge()), nonce_of(b.challenge()));
  DigestAuthOptions other;
  other.seed = 2;
  DigestAuth c(other, [] { return "p"; });
  EXPECT_NE(nonce_of(a.challenge()), nonce_of(c.challenge()));
}

namespace {

struct GuardedServer {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  DigestAuth auth{{}, [] { return "0123456789"; }};
  Router router;
  std::unique_ptr<HttpServer> server;
  std::string base;

  GuardedServer() {
    router.set_guard(auth.guard());
    router.get("/page/myhome/9", [](const HttpRequest&) { return HttpResponse::html("home"); });
    server = std::make_unique<HttpServer>(engine, router.handler());
    auto bound = server->listen("127.0.0.1", 0);
    EXPECT_TRUE(bound.ok());
    base = "http://127.0.0.1:" + std::to_string(bound->port());
  }
  hemsrig::testing::CurlResult run(const std::string& args) {
    return run_beside<hemsrig::testing::CurlResult>(engine, [&] { return curl(args); });
  }
};

}  // namespace

TEST(DigestAuth, CurlWithTheRightPasswordGetsThePage) {
  GuardedServer s;
  const auto r = s.run("--digest -u aiseg:0123456789 " + s.base + "/page/myhome/9");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "home");
  EXPECT_EQ(s.auth.counters().accepted, 1u);
}

TEST(DigestAuth, CurlWithAWrongPasswordGets401) {
  GuardedServer s;
  const auto r = s.run("--digest -u aiseg:wrong " + s.base + "/page/myhome/9");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(s.auth.counters().accepted, 0u);
  EXPECT_GE(s.auth.counters().wrong_credentials, 1u);
}

TEST(DigestAuth, NoCredentialsGet401WithAQuotedChallenge) {
  GuardedServer s;
  const auto r = s.run(s.base + "/page/myhome/9");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.headers.find("WWW-Authenticate: Digest realm=\"AiSEG\", nonce=\""), std::string::npos)
      << r.headers;
  EXPECT_NE(r.headers.find("qop=\"auth\""), std::string::npos) << r.headers;
}

TEST(DigestAuth, CurlKeepsOneConnectionForTwoAuthenticatedRequests) {
  GuardedServer s;
  // One connection for both; curl answers with the nonce it has (nc=00000002) or a fresh one.
  const auto r = s.run("--digest -u aiseg:0123456789 " + s.base + "/page/myhome/9 " + s.base +
                       "/page/myhome/9");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(s.auth.counters().accepted, 2u);
  EXPECT_EQ(s.server->counters().connections, 1u);
}
