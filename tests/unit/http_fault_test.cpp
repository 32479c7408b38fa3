// Fault injection on the wire: each fault kind as a client meets it, over real loopback sockets
// (a raw TCP client that reports how the connection ended, and our own http_request), and in
// virtual time where the delays are exact.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <optional>

#include "http_wire.hpp"
#include "sim/http/fault_injector.hpp"
#include "sim/http/http_client.hpp"
#include "sim/http/http_server.hpp"
#include "sim/http/router.hpp"

using namespace hemsrig;
using namespace hemsrig::http;
using hemsrig::testing::run_beside;
using hemsrig::testing::split_responses;

namespace {

// How a raw connection ended, and what came before.
struct RawOutcome {
  enum class End { Eof, Reset, Timeout, Refused };
  std::string bytes;
  End end = End::Eof;
  int reads = 0;  // recv() calls that returned data
};

// Connects (from `source` when given), sends `bytes`, reads until the peer closes, resets, or
// `timeout` passes.
RawOutcome raw_read(const boost::asio::ip::tcp::endpoint& to, const std::string& bytes,
                    std::chrono::milliseconds timeout = std::chrono::seconds(3),
                    const std::string& source = {}) {
  RawOutcome out;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(to.port());
  addr.sin_addr.s_addr = htonl(to.address().to_v4().to_uint());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    out.end = RawOutcome::End::Refused;
    return out;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (true) {
    if (std::chrono::steady_clock::now() >= deadline) {
      out.end = RawOutcome::End::Timeout;
      break;
    }
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      out.bytes.append(buffer, static_cast<std::size_t>(n));
      ++out.reads;
      continue;
    }
    if (n == 0) {
      out.end = RawOutcome::End::Eof;
    } else if (errno == ECONNRESET) {
      out.end = RawOutcome::End::Reset;
    } else {
      out.end = RawOutcome::End::Timeout;
    }
    break;
  }
  ::close(fd);
  return out;
}

std::string get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
}

const std::string kBig(1000, 'b');

// A server with a few routes and a fault injector; every fault event is kept.
struct FaultServer {
  sim::Engine engine;
  std::shared_ptr<FaultInjector> faults;
  Router router;
  std::unique_ptr<HttpServer> server;
  boost::asio::ip::tcp::endpoint endpoint;
  std::vector<FaultEvent> events;
  int handled = 0;

  explicit FaultServer(sim::ClockMode mode = sim::ClockMode::Realtime, std::uint64_t seed = 1)
      : engine(sim::EngineOptions{mode, seed}), faults(std::make_shared<FaultInjector>(engine)) {
    router.get("/hello", [this](const HttpRequest&) {
      ++handled;
      return HttpResponse::text(200, "hello world");
    });
    router.get("/big", [this](const HttpRequest&) {
      ++handled;
      return HttpResponse::text(200, kBig);
    });
    faults->on_fault([this](const FaultEvent& e) { events.push_back(e); });
    HttpServerOptions options;
    options.faults = faults;
    server = std::make_unique<HttpServer>(engine, router.async_handler(), options);
    auto bound = server->listen("127.0.0.1", 0);
    EXPECT_TRUE(bound.ok()) << bound.error().message;
    if (bound) endpoint = *bound;
  }

  std::string add(FaultRule rule) {
    auto id = faults->add(std::move(rule));
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id ? *id : "";
  }
  RawOutcome raw(const std::string& bytes,
                 std::chrono::milliseconds timeout = std::chrono::seconds(3),
                 const std::string& source = {}) {
    return run_beside<RawOutcome>(engine,
                                  [&] { return raw_read(endpoint, bytes, timeout, source); });
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(endpoint.port()) + path;
  }
  Result<HttpResponse> request(const std::string& path,
                               std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    std::optional<Result<HttpResponse>> got;
    HttpClientOptions options;
    options.timeout = timeout;
    http_request(
        engine, "GET", url(path), "", {}, [&](Result<HttpResponse> r) { got = std::move(r); },
        options);
    engine.run_until([&] { return got.has_value(); }, std::chrono::hours(1));
    if (!got) return make_error("test", "no answer");
    return *got;
  }
};

FaultRule rule(FaultKind kind, std::string path = "*") {
  FaultRule r;
  r.kind = kind;
  r.match.path = std::move(path);
  return r;
}

// Decodes a chunked body; returns the data chunks (without the terminating one).
std::vector<std::string> chunks_of(const std::string& raw) {
  std::vector<std::string> out;
  auto at = raw.find("\r\n\r\n");
  if (at == std::string::npos) return out;
  at += 4;
  while (at < raw.size()) {
    const auto eol = raw.find("\r\n", at);
    if (eol == std::string::npos) break;
    const auto size = std::stoul(raw.substr(at, eol - at), nullptr, 16);
    if (size == 0) break;
    out.push_back(raw.substr(eol + 2, size));
    at = eol + 2 + size + 2;
  }
  return out;
}

}  // namespace

TEST(HttpFault, ErrorStatusStandsInForTheRouteAndIsReported) {
  FaultServer s;
  auto r = rule(FaultKind::Status, "/hello");
  r.status = 503;
  r.body = R"({"error":"maintenance"})";
  const auto id = s.add(r);
  const auto answers = split_responses(s.raw(get("/hello")).bytes);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 503);
  EXPECT_EQ(answers[0].body, R"({"error":"maintenance"})");
  EXPECT_NE(answers[0].head.find("application/json"), std::string::npos) << answers[0].head;
  EXPECT_EQ(s.handled, 0);  // the request never reached the service
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].rule_id, id);
  EXPECT_EQ(s.events[0].kind, "status");
  EXPECT_EQ(s.events[0].method, "GET");
  EXPECT_EQ(s.events[0].path, "/hello");
  EXPECT_EQ(s.events[0].client, "127.0.0.1");
  // Another path is not hit.
  const auto other = split_responses(s.raw(get("/big")).bytes);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].status, 200);
  EXPECT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.server->counters().faults, 1u);
}

TEST(HttpFault, EmptyResponseClosesWithoutAnAnswer) {
  FaultServer s;
  s.add(rule(FaultKind::Empty));
  const auto raw = s.raw(get("/hello"));
  EXPECT_EQ(raw.bytes, "");
  EXPECT_EQ(raw.end, RawOutcome::End::Eof);
  auto client = s.request("/hello");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "protocol");
}

TEST(HttpFault, ResetIsConnectionResetByPeer) {
  FaultServer s;
  s.add(rule(FaultKind::Reset));
  const auto raw = s.raw(get("/hello"));
  EXPECT_EQ(raw.bytes, "");
  EXPECT_EQ(raw.end, RawOutcome::End::Reset);
  auto client = s.request("/hello");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "protocol");
  EXPECT_NE(client.error().message.find("reset"), std::string::npos) << client.error().message;
}

TEST(HttpFault, RandomDataIsExactlyThatManyBytesThenClose) {
  FaultServer s;
  auto r = rule(FaultKind::RandomData);
  r.bytes = 100;
  s.add(r);
  const auto raw = s.raw(get("/hello"));
  EXPECT_EQ(raw.bytes.size(), 100u);
  EXPECT_FALSE(raw.bytes.starts_with("HTTP/"));
  EXPECT_EQ(raw.end, RawOutcome::End::Eof);
  EXPECT_EQ(s.handled, 0);
  auto client = s.request("/hello");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "protocol");
}

TEST(HttpFault, MalformedChunkBreaksTheBodyAfterValidHeaders) {
  FaultServer s;
  s.add(rule(FaultKind::MalformedChunk));
  const auto raw = s.raw(get("/hello"));
  EXPECT_TRUE(raw.bytes.starts_with("HTTP/1.1 200 OK\r\n")) << raw.bytes;
  EXPECT_NE(raw.bytes.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(raw.bytes.find("\r\n\r\nzz;\r\n"), std::string::npos) << raw.bytes;
  EXPECT_EQ(raw.end, RawOutcome::End::Eof);
  EXPECT_EQ(s.handled, 1);  // the service did answer; its answer broke on the way
  auto client = s.request("/hello");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "protocol");
}

TEST(HttpFault, DataLimitCutsTheAnswerAfterThatManyBytes) {
  FaultServer s;
  const auto whole = s.raw(get("/big")).bytes;
  ASSERT_GT(whole.size(), 1000u);
  auto r = rule(FaultKind::DataLimit);
  r.bytes = 300;
  s.add(r);
  const auto cut = s.raw(get("/big"));
  EXPECT_EQ(cut.bytes, whole.substr(0, 300));
  EXPECT_EQ(cut.end, RawOutcome::End::Eof);
  auto client = s.request("/big");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "protocol");
}

TEST(HttpFault, DribbleSendsTheBodyInSmallChunksThatStillMakeTheWholeAnswer) {
  FaultServer s;
  auto r = rule(FaultKind::Dribble, "/hello");
  r.chunk_bytes = 4;
  r.delay = std::chrono::milliseconds(20);
  s.add(r);
  const auto raw = s.raw(get("/hello"));
  EXPECT_NE(raw.bytes.find("Transfer-Encoding: chunked"), std::string::npos) << raw.bytes;
  const auto chunks = chunks_of(raw.bytes);
  EXPECT_EQ(chunks, (std::vector<std::string>{"hell", "o wo", "rld"}));
  auto client = s.request("/hello");
  ASSERT_TRUE(client.ok()) << client.error().message;
  EXPECT_EQ(client->body, "hello world");
}

TEST(HttpFault, TimeoutSwallowsTheRequestAndTheClientGivesUpOffline) {
  FaultServer s;
  s.add(rule(FaultKind::Timeout));  // ms 0: held until the client leaves
  const auto raw = s.raw(get("/hello"), std::chrono::milliseconds(300));
  EXPECT_EQ(raw.bytes, "");
  EXPECT_EQ(raw.end, RawOutcome::End::Timeout);
  auto client = s.request("/hello", std::chrono::milliseconds(300));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "offline");
  EXPECT_EQ(s.handled, 0);
  // Once the clients are gone, the server lets go of their connections.
  EXPECT_TRUE(hemsrig::testing::pump_until(
      s.engine, [&] { return s.server->open_connections() == 0; }, std::chrono::seconds(3)));
}

TEST(HttpFault, TimeoutWithALimitClosesAfterIt) {
  FaultServer s;
  auto r = rule(FaultKind::Timeout);
  r.delay = std::chrono::milliseconds(50);
  s.add(r);
  const auto raw = s.raw(get("/hello"), std::chrono::seconds(3));
  EXPECT_EQ(raw.bytes, "");
  EXPECT_EQ(raw.end, RawOutcome::End::Eof);  // closed by the server, not our timeout
}

TEST(HttpFault, SlowCloseAnswersThenHoldsTheConnectionOpen) {
  FaultServer s;
  auto r = rule(FaultKind::SlowClose);
  r.delay = std::chrono::milliseconds(300);
  s.add(r);
  // Read just the answer (keep-alive requested): it is complete and says the connection closes.
  const auto answer = run_beside<std::string>(s.engine, [&] {
    return hemsrig::testing::raw_exchange(s.endpoint, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  });
  const auto answers = split_responses(answer);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].body, "hello world");
  EXPECT_NE(answers[0].head.find("Connection: close"), std::string::npos);
  // The server still holds the connection although it answered...
  EXPECT_EQ(s.server->open_connections(), 1u);
  // ... and lets it go after the delay.
  EXPECT_TRUE(hemsrig::testing::pump_until(
      s.engine, [&] { return s.server->open_connections() == 0; }, std::chrono::seconds(3)));
}

TEST(HttpFault, LatencyDelaysTheAnswerByExactlyThatMuchVirtualTime) {
  FaultServer s(sim::ClockMode::Virtual);
  auto r = rule(FaultKind::Latency, "/hello");
  r.delay = std::chrono::minutes(2);
  s.add(r);
  const auto before = s.engine.now();
  auto client = s.request("/hello");
  ASSERT_TRUE(client.ok()) << client.error().message;
  EXPECT_EQ(client->body, "hello world");
  EXPECT_EQ(s.engine.now() - before, std::chrono::minutes(2));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].delay, std::chrono::minutes(2));
}

TEST(HttpFault, BandwidthLimitsTheAnswerToBytesPerSecond) {
  FaultServer s(sim::ClockMode::Virtual);
  auto r = rule(FaultKind::Bandwidth, "/big");
  r.bytes_per_second = 200;  // 10 bytes every 50 ms
  s.add(r);
  const auto before = s.engine.now();
  auto client = s.request("/big");
  ASSERT_TRUE(client.ok()) << client.error().message;
  EXPECT_EQ(client->body, kBig);
  // More than 1000 bytes at 200 B/s: at least 5 s of simulated time, in 50 ms steps.
  const auto took = s.engine.now() - before;
  EXPECT_GE(took, std::chrono::seconds(5));
  EXPECT_LT(took, std::chrono::seconds(7));
  EXPECT_EQ(took % std::chrono::milliseconds(50), sim::Duration::zero());
}

TEST(HttpFault, ProbabilityZeroNeverFiresAndOneAlwaysFires) {
  FaultServer s;
  auto never = rule(FaultKind::Status, "/big");
  never.probability = 0.0;
  s.add(never);
  auto always = rule(FaultKind::Status, "/hello");
  always.status = 502;
  always.probability = 1.0;
  s.add(always);
  for (int i = 0; i < 5; ++i) {
    auto big = s.request("/big");
    ASSERT_TRUE(big.ok());
    EXPECT_EQ(big->status, 200);
    auto hello = s.request("/hello");
    ASSERT_TRUE(hello.ok());
    EXPECT_EQ(hello->status, 502);
  }
  EXPECT_EQ(s.events.size(), 5u);
}

TEST(HttpFault, TimesRetiresTheRuleAfterFiringThatOften) {
  FaultServer s;
  auto r = rule(FaultKind::Status);
  r.times = 2;
  s.add(r);
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) statuses.push_back(s.request("/hello")->status);
  EXPECT_EQ(statuses, (std::vector<int>{503, 503, 200, 200}));
  EXPECT_EQ(s.faults->rules()[0].fired, 2u);
}

TEST(HttpFault, ClientRuleHitsOnlyThatClientAddress) {
  FaultServer s;
  auto r = rule(FaultKind::Status);
  r.match.client = "127.0.0.2";
  r.status = 429;
  s.add(r);
  const auto from_2 =
      split_responses(s.raw(get("/hello"), std::chrono::seconds(3), "127.0.0.2").bytes);
  const auto from_3 =
      split_responses(s.raw(get("/hello"), std::chrono::seconds(3), "127.0.0.3").bytes);
  ASSERT_EQ(from_2.size(), 1u);
  ASSERT_EQ(from_3.size(), 1u);
  EXPECT_EQ(from_2[0].status, 429);
  EXPECT_EQ(from_3[0].status, 200);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].client, "127.0.0.2");
}

TEST(HttpFault, OfflineRefusesConnectionsDropsOpenOnesAndComesBackOnTheSamePort) {
  FaultServer s;
  const auto port = s.endpoint.port();
  // An open keep-alive connection that waits for its next request.
  auto waiting = std::async(std::launch::async, [&] {
    return raw_read(s.endpoint, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(5));
  });
  ASSERT_TRUE(hemsrig::testing::pump_until(
      s.engine, [&] { return s.handled == 1; }, std::chrono::seconds(3)));
  s.engine.run_for(std::chrono::milliseconds(100));  // the answer goes out
  s.faults->set_offline(true);
  EXPECT_FALSE(s.server->listening());
  hemsrig::testing::pump_until(
      s.engine,
      [&] { return waiting.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
      std::chrono::seconds(3));
  const auto dropped = waiting.get();
  EXPECT_EQ(split_responses(dropped.bytes).size(), 1u);  // answered, then dropped
  EXPECT_NE(dropped.end, RawOutcome::End::Timeout);
  EXPECT_EQ(s.raw(get("/hello")).end, RawOutcome::End::Refused);
  auto client = s.request("/hello");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, "offline");  // DOMAIN R10: the unit sees the cloud down

  s.faults->set_offline(false);
  EXPECT_TRUE(s.server->listening());
  EXPECT_EQ(s.server->local_endpoint().port(), port);
  auto back = s.request("/hello");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->body, "hello world");
  ASSERT_GE(s.events.size(), 2u);
  EXPECT_EQ(s.events[0].kind, "offline");
  EXPECT_EQ(s.events[1].kind, "online");
}

TEST(HttpFault, OfflineForADurationComesBackByItselfInVirtualTime) {
  FaultServer s(sim::ClockMode::Virtual);
  s.faults->set_offline(true, std::chrono::minutes(5));
  auto down = s.request("/hello");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, "offline");
  s.engine.run_for(std::chrono::minutes(5));
  EXPECT_FALSE(s.faults->offline());
  auto up = s.request("/hello");
  ASSERT_TRUE(up.ok()) << up.error().message;
}

TEST(HttpFault, SameSeedDrawsTheSameFaultsAndDelays) {
  auto run = [](std::uint64_t seed) {
    FaultServer s(sim::ClockMode::Virtual, seed);
    auto flaky = rule(FaultKind::Status, "/hello");
    flaky.probability = 0.5;
    s.add(flaky);
    auto slow = rule(FaultKind::LatencyLognormal, "/hello");
    slow.median_ms = 100;
    slow.sigma = 0.5;
    slow.max_delay = std::chrono::seconds(2);
    s.add(slow);
    std::vector<std::string> seen;
    for (int i = 0; i < 12; ++i) {
      auto r = s.request("/hello");
      seen.push_back(std::to_string(r.ok() ? r->status : 0));
    }
    for (const auto& e : s.events) {
      seen.push_back(e.kind + ":" + std::to_string(e.delay.count()));
      EXPECT_LE(e.delay, std::chrono::seconds(2));
    }
    return seen;
  };
  const auto a = run(7);
  EXPECT_EQ(a, run(7));
  EXPECT_NE(a, run(8));
  // Both outcomes of the coin happen over 12 draws with this seed.
  EXPECT_NE(std::find(a.begin(), a.begin() + 12, "503"), a.begin() + 12);
  EXPECT_NE(std::find(a.begin(), a.begin() + 12, "200"), a.begin() + 12);
}
