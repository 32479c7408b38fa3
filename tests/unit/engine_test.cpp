#include "sim/core/engine.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <thread>

#include <string>
#include <vector>

using namespace hemsrig::sim;

TEST(Engine, VirtualTimeJumpsToNextTimerWithoutWaiting) {
  Engine engine;  // virtual by default
  bool fired = false;
  engine.after(minutes(30), [&] { fired = true; });
  const auto wall_start = std::chrono::steady_clock::now();
  engine.run();
  EXPECT_TRUE(fired);
  EXPECT_EQ(engine.now(), minutes(30));
  // A 30-minute wait took no 30 minutes: far below even one second of wall time.
  EXPECT_LT(std::chrono::steady_clock::now() - wall_start, std::chrono::seconds(5));
}

TEST(Engine, TimersAtTheSameTimeRunInSchedulingOrder) {
  Engine engine;
  std::string order;
  engine.after(seconds(5), [&] { order += 'b'; });
  engine.after(seconds(1), [&] { order += 'a'; });
  engine.after(seconds(5), [&] { order += 'c'; });
  engine.run();
  EXPECT_EQ(order, "abc");
}

TEST(Engine, CancelledTimerNeverFires) {
  Engine engine;
  int fired = 0;
  auto id = engine.after(seconds(1), [&] { ++fired; });
  engine.after(seconds(2), [&] { ++fired; });
  engine.cancel(id);
  engine.cancel(id);  // twice is harmless
  engine.run();
  EXPECT_EQ(fired, 1);
}

TEST(Engine, RunForStopsAtTheDeadlineAndLeavesLaterTimers) {
  Engine engine;
  int fired = 0;
  engine.after(minutes(1), [&] { ++fired; });
  engine.after(minutes(10), [&] { ++fired; });
  engine.run_for(minutes(5));
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(engine.now(), minutes(5));
  engine.run_for(minutes(5));
  EXPECT_EQ(fired, 2);
}

TEST(Engine, RunUntilReturnsAsSoonAsThePredicateHolds) {
  Engine engine;
  int ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    engine.after(seconds(1), tick);
  };
  engine.after(seconds(1), tick);
  EXPECT_TRUE(engine.run_until([&] { return ticks == 10; }, minutes(1)));
  EXPECT_EQ(engine.now(), seconds(10));
  EXPECT_FALSE(engine.run_until([&] { return ticks < 0; }, seconds(30)));
  EXPECT_EQ(engine.now(), seconds(40));
}

TEST(Engine, SameSeedGivesTheSameRandomSequence) {
  Engine a(EngineOptions{.seed = 42}), b(EngineOptions{.seed = 42}), c(EngineOptions{.seed = 43});
  std::vector<std::uint64_t> va, vb, vc;
  for (int i = 0; i < 5; ++i) {
    va.push_back(a.rng()());
    vb.push_back(b.rng()());
    vc.push_back(c.rng()());
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
}

TEST(Engine, RealtimeTimersFireOnTheSteadyClock) {
  Engine engine(EngineOptions{.mode = ClockMode::Realtime});
  Time fired_at{-1};
  engine.after(milliseconds(20), [&] { fired_at = engine.now(); });
  EXPECT_TRUE(engine.run_until([&] { return fired_at >= Time{0}; }, seconds(5)));
  EXPECT_GE(fired_at, milliseconds(20));
}

TEST(Engine, RealtimeStopFromAnotherThreadEndsRun) {
  Engine engine(EngineOptions{.mode = ClockMode::Realtime});
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    engine.stop();
  });
  engine.run();  // returns only because of stop()
  t.join();
  SUCCEED();
}

TEST(Engine, CalendarTimeFollowsSimulatedTime) {
  Engine engine;
  const auto start = engine.calendar_now();
  engine.run_for(hours(24));
  EXPECT_EQ(engine.calendar_now() - start, std::chrono::hours(24));
}

TEST(Engine, VirtualTimeWaitsForRealIoInFlight) {
  Engine engine;
  Time io_completed_at{-1};
  bool timer_fired_before_io = false;
  engine.after(minutes(30), [&] { timer_fired_before_io = io_completed_at < Time{0}; });
  auto token = std::make_shared<Engine::InFlight>(engine.begin_io());
  // A real thread finishes the "I/O" after 50 ms of wall time and posts its completion.
  std::thread worker([&engine, &io_completed_at, token] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    boost::asio::post(engine.io(), [&engine, &io_completed_at, token] {
      io_completed_at = engine.now();
      token->release();
    });
  });
  engine.run();
  worker.join();
  EXPECT_EQ(io_completed_at, Time{0}) << "virtual time moved while real I/O was in flight";
  EXPECT_FALSE(timer_fired_before_io);
  EXPECT_EQ(engine.now(), minutes(30));
}
