// sim/http: the request/response structs, the Router (no sockets), and HttpServer over real
// loopback sockets with a raw TCP client that sends exact bytes.
#include "sim/http/http_server.hpp"

#include <gtest/gtest.h>

#include "http_wire.hpp"
#include "sim/http/router.hpp"

using namespace hemsrig;
using namespace hemsrig::http;
using hemsrig::testing::raw_exchange;
using hemsrig::testing::run_beside;
using hemsrig::testing::split_responses;

namespace {

HttpResponse ok(std::string body) {
  return HttpResponse::text(200, std::move(body));
}

// A realtime engine with a server on 127.0.0.1:<ephemeral> that echoes method, path and body.
struct EchoServer {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  Router router;
  std::unique_ptr<HttpServer> server;
  boost::asio::ip::tcp::endpoint endpoint;

  explicit EchoServer(HttpServerOptions options = {}) {
    router.add("*", "*", [](const HttpRequest& r) {
      return ok(r.method + " " + r.path + " [" + r.body + "]");
    });
    server = std::make_unique<HttpServer>(engine, router.handler(), options);
    auto bound = server->listen("127.0.0.1", 0);
    EXPECT_TRUE(bound.ok()) << bound.error().message;
    if (bound) endpoint = *bound;
  }
  std::string exchange(const std::string& bytes, int responses) {
    return run_beside<std::string>(engine,
                                   [&] { return raw_exchange(endpoint, bytes, responses); });
  }
};

const std::string kGet = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";

}  // namespace

TEST(HttpMessage, QueryKeepsPlusAndDecodesPercent) {
  // Graph pages get ?data=<base64> with a raw '+': it must stay a '+'.
  const auto r = HttpRequest::make("GET", "/page/graph/51111?data=eyJk+YXk/=&x=%7B%22a%22%7D");
  EXPECT_EQ(r.path, "/page/graph/51111");
  EXPECT_EQ(r.query_param("data"), "eyJk+YXk/=");
  EXPECT_EQ(r.query_param("x"), "{\"a\"}");
  EXPECT_EQ(r.query_param("missing", "fallback"), "fallback");
}

TEST(HttpMessage, FormDecodingTurnsPlusIntoSpaceAndKeepsBadEscapes) {
  EXPECT_EQ(percent_decode("a+b%20c", true), "a b c");
  EXPECT_EQ(percent_decode("100%", false), "100%");
  EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(percent_decode(percent_encode("{\"k\":\"ä +&\"}")), "{\"k\":\"ä +&\"}");
}

TEST(HttpMessage, HeadersCompareCaseInsensitively) {
  HttpResponse r = HttpResponse::json("{}");
  r.set_header("content-type", "text/plain");
  ASSERT_NE(r.header("Content-Type"), nullptr);
  EXPECT_EQ(*r.header("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(r.headers.size(), 1u);
}

TEST(HttpRouter, ExactRouteWinsOverPatternAndPrefix) {
  Router router;
  router.get("/page/*", [](const HttpRequest&) { return ok("prefix"); });
  router.get("/page/{id}",
             [](const HttpRequest& r) { return ok("pattern " + r.path_params.at("id")); });
  router.get("/page/9", [](const HttpRequest&) { return ok("exact"); });
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/page/9")).body, "exact");
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/page/7?x=1")).body, "pattern 7");
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/page/7/8")).body, "prefix");
}

TEST(HttpRouter, PrefixesMatchLongestFirstAndHandTheRestOver) {
  Router router;
  router.get("/contents/*",
             [](const HttpRequest& r) { return ok("short " + r.path_params.at("*")); });
  router.get("/contents/v1/*",
             [](const HttpRequest& r) { return ok("long " + r.path_params.at("*")); });
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/contents/v1/a/b.css")).body, "long a/b.css");
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/contents/v2/x")).body, "short v2/x");
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/contentsX")).status, 404);
}

TEST(HttpRouter, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router;
  router.post("/data/x", [](const HttpRequest&) { return ok("x"); });
  router.add("PUT", "/data/x", [](const HttpRequest&) { return ok("x"); });
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/nothing")).status, 404);
  const auto r = router.dispatch(HttpRequest::make("GET", "/data/x"));
  EXPECT_EQ(r.status, 405);
  ASSERT_NE(r.header("Allow"), nullptr);
  EXPECT_EQ(*r.header("Allow"), "POST, PUT");
}

TEST(HttpRouter, GuardRunsBeforeGuardedRoutesAndUnknownPathsButNotOpenRoutes) {
  Router router;
  int guarded_calls = 0;
  router.get("/secret", [&](const HttpRequest&) {
    ++guarded_calls;
    return ok("secret");
  });
  router.get(
      "/public", [](const HttpRequest&) { return ok("public"); }, RouteAccess::Open);
  router.set_guard([](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.header("X-Key") != nullptr) return std::nullopt;
    return HttpResponse::error(401);
  });
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/secret")).status, 401);
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/unknown")).status, 401);
  EXPECT_EQ(guarded_calls, 0);
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/public")).body, "public");
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/secret", "", {{"x-key", "1"}})).body,
            "secret");
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/unknown", "", {{"x-key", "1"}})).status,
            404);
}

TEST(HttpRouter, ThrowingHandlerBecomes500) {
  Router router;
  router.get("/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  EXPECT_EQ(router.dispatch(HttpRequest::make("GET", "/boom")).status, 500);
}

TEST(HttpServer, ListenOnPortZeroReportsTheBoundPortAndRefusesASecondListener) {
  EchoServer s;
  EXPECT_NE(s.endpoint.port(), 0);
  EXPECT_TRUE(s.server->listening());
  sim::Engine other_engine;
  Router router;
  HttpServer other(other_engine, router.handler());
  auto again = other.listen("127.0.0.1", s.endpoint.port());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "address_in_use");
  EXPECT_EQ(other.listen("not-an-ip", 0).error().code, "invalid_address");
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  EchoServer s;
  const std::string two =
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
  const auto responses = split_responses(s.exchange(two, 2));
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].body, "GET /one []");
  EXPECT_EQ(responses[1].body, "POST /two [hello]");
  EXPECT_EQ(s.server->counters().connections, 1u);
  EXPECT_EQ(s.server->counters().requests, 2u);
}

TEST(HttpServer, GarbageGets400AndTheServerGoesOnServing) {
  EchoServer s;
  const auto bad =
      split_responses(s.exchange(std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n", 17), 1));
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].status, 400);
  EXPECT_NE(bad[0].head.find("Connection: close"), std::string::npos);
  const auto good = split_responses(s.exchange(kGet, 1));
  ASSERT_EQ(good.size(), 1u);
  EXPECT_EQ(good[0].status, 200);
  EXPECT_EQ(s.server->counters().bad_requests, 1u);
}

TEST(HttpServer, MalformedRequestLineGets400) {
  EchoServer s;
  for (const std::string line : {"GET\r\n\r\n", "GET /a HTTP/9\r\n\r\n", "G@T /a HTTP/1.1\r\n\r\n",
                                 "GET /a HTTP/1.1\r\nno colon here\r\n\r\n"}) {
    const auto r = split_responses(s.exchange(line, 1));
    ASSERT_EQ(r.size(), 1u) << line;
    EXPECT_EQ(r[0].status, 400) << line;
  }
}

TEST(HttpServer, OversizedBodyGets400) {
  HttpServerOptions options;
  options.body_limit = 16;
  EchoServer s(options);
  const std::string big =
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'x');
  const auto r = split_responses(s.exchange(big, 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 400);
  const std::string fits =
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n" + std::string(16, 'y');
  const auto f = split_responses(s.exchange(fits, 1));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].status, 200);
}

TEST(HttpServer, ExpectContinueIsAnsweredBeforeTheBody) {
  EchoServer s;
  const std::string req =
      "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc";
  const auto r = split_responses(s.exchange(req, 1));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, 100);
  EXPECT_EQ(r[1].body, "POST /e [abc]");
}

TEST(HttpServer, Http10ClosesAfterTheAnswer) {
  EchoServer s;
  const auto raw = s.exchange("GET /old HTTP/1.0\r\n\r\n", 5);  // reads until the server closes
  const auto r = split_responses(raw);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "GET /old []");
}

TEST(HttpServer, StopClosesOpenConnectionsAndTheListener) {
  EchoServer s;
  // A client that connects, sends half a request and waits: stop() must end it.
  auto pending = std::async(std::launch::async, [&] {
    return raw_exchange(s.endpoint, "GET /half HTTP/1.1\r\n", 1, std::chrono::seconds(5));
  });
  hemsrig::testing::pump_until(
      s.engine, [&] { return s.server->open_connections() == 1; }, std::chrono::seconds(3));
  ASSERT_EQ(s.server->open_connections(), 1u);
  s.server->stop();
  EXPECT_FALSE(s.server->listening());
  hemsrig::testing::pump_until(
      s.engine,
      [&] { return pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
      std::chrono::seconds(3));
  EXPECT_EQ(pending.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_EQ(pending.get(), "");  // closed without an answer
  s.engine.run_for(std::chrono::milliseconds(20));
  EXPECT_EQ(s.server->open_connections(), 0u);
  // And it may listen again.
  EXPECT_TRUE(s.server->listen("127.0.0.1", 0).ok());
}

TEST(HttpRouter, AsyncRouteAnswersThroughItsResponderAndOnlyOnce) {
  Router router;
  Responder kept;
  router.add_async("GET", "/later", [&](const HttpRequest&, Responder r) { kept = std::move(r); });
  std::vector<int> answers;
  router.dispatch_async(HttpRequest::make("GET", "/later"),
                        [&](HttpResponse r) { answers.push_back(r.status); });
  EXPECT_TRUE(answers.empty());
  kept(HttpResponse::text(202, "done"));
  kept(HttpResponse::text(200, "again"));  // a second answer is dropped
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0], 202);
  // Unknown paths still answer at once through the same entry.
  router.dispatch_async(HttpRequest::make("GET", "/nope"),
                        [&](HttpResponse r) { answers.push_back(r.status); });
  EXPECT_EQ(answers.back(), 404);
}

TEST(HttpServer, DeferredAnswerArrivesLaterAndTheConnectionStaysUsable) {
  sim::Engine engine{sim::EngineOptions{sim::ClockMode::Realtime}};
  Router router;
  router.add_async("GET", "/wait", [&](const HttpRequest&, Responder respond) {
    engine.after(std::chrono::milliseconds(50),
                 [respond] { respond(HttpResponse::text(200, "waited")); });
  });
  router.add("GET", "/now", [](const HttpRequest&) { return ok("now"); });
  HttpServer server(engine, router.async_handler());
  auto bound = server.listen("127.0.0.1", 0);
  ASSERT_TRUE(bound.ok());
  const std::string got = run_beside<std::string>(engine, [&] {
    return raw_exchange(
        *bound, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\nGET /now HTTP/1.1\r\nHost: x\r\n\r\n", 2);
  });
  const auto responses = split_responses(got);
  ASSERT_EQ(responses.size(), 2u) << got;
  EXPECT_EQ(responses[0].body, "waited");  // in order, on one connection
  EXPECT_EQ(responses[1].body, "now");
}

TEST(Engine, ParkedRequestLetsVirtualTimeJump) {
  // A client request in flight holds virtual time; once the server parks it
  // (it waits for simulated time), a 10-minute timer may fire.
  sim::Engine engine;
  auto in_flight = engine.begin_io();
  bool fired = false;
  engine.after(std::chrono::minutes(10), [&] { fired = true; });
  sim::Engine::Parked parked = engine.park();
  EXPECT_TRUE(engine.run_until([&] { return fired; }, std::chrono::hours(1)));
  EXPECT_EQ(engine.now(), sim::Time(std::chrono::minutes(10)));
  parked.release();
  in_flight.release();
}
