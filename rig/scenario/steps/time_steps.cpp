// Time steps: `wait: 31m` lets scenario time pass; `wait_until: {<checks>,
// timeout: 2h}` runs the world until every check holds, failing at the
// timeout. All in scenario time: in virtual time an hour passes in
// milliseconds, and nothing here ever sleeps on the wall clock.
#include <fmt/format.h>

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

std::string duration_text(sim::Duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s % 86400 == 0 && s > 0) return fmt::format("{}d", s / 86400);
  if (s % 3600 == 0 && s > 0) return fmt::format("{}h", s / 3600);
  if (s % 60 == 0 && s > 0) return fmt::format("{}m", s / 60);
  return fmt::format("{}s", sim::to_seconds(d));
}

std::unique_ptr<Step> parse_wait(StepParser& p, const YAML::Node& params) {
  auto d = p.duration_value(params);
  if (!d) return nullptr;
  const sim::Duration wait = *d;
  return std::make_unique<FunctionStep>([wait](RunContext& ctx) -> Status {
    if (!ctx.run_for(wait)) {
      return ctx.expectation_failed(
          fmt::format("{} of scenario time to pass", duration_text(wait)),
          fmt::format("the scenario's timeout ({} of scenario time) came first",
                      duration_text(ctx.deadline())));
    }
    return ok_status();
  });
}

class WaitUntil : public Step {
 public:
  WaitUntil(Checks checks, sim::Duration timeout) : checks_(std::move(checks)), timeout_(timeout) {}

  Status run(RunContext& ctx) override {
    auto all_hold = [&] {
      for (const auto& c : checks_) {
        if (c->seen_instead(ctx)) return false;
      }
      return true;
    };
    const sim::Time start = ctx.engine().now();
    if (ctx.run_until(all_hold, timeout_)) return ok_status();
    std::string expected, seen;
    for (const auto& c : checks_) {
      auto s = c->seen_instead(ctx);
      if (!s) continue;
      expected += (expected.empty() ? "" : "; ") + c->expected();
      seen += (seen.empty() ? "" : "; ") + *s;
    }
    const bool cut = start + timeout_ > ctx.deadline();
    return ctx.expectation_failed(
        fmt::format("within {}: {}", duration_text(timeout_), expected),
        fmt::format("{} after {}{}", seen, duration_text(ctx.engine().now() - start),
                    cut ? " (the scenario's timeout came first)" : ""));
  }

 private:
  Checks checks_;
  sim::Duration timeout_;
};

std::unique_ptr<Step> parse_wait_until(StepParser& p, const YAML::Node& params) {
  if (!params || !params.IsMap()) {
    p.reader().error(params,
                     "'wait_until' must be a map of checks and a timeout, e.g. "
                     "{firmware: {state: idle}, timeout: 1h}");
    return nullptr;
  }
  auto timeout = p.duration(params, "timeout");
  Checks checks = p.checks(params, {"timeout"});
  if (!timeout || p.reader().failed()) return nullptr;
  if (checks.empty()) {
    p.reader().error(params, "'wait_until' needs at least one check besides 'timeout'");
    return nullptr;
  }
  return std::make_unique<WaitUntil>(std::move(checks), *timeout);
}

class Expect : public Step {
 public:
  explicit Expect(Checks checks) : checks_(std::move(checks)) {}
  Status run(RunContext& ctx) override {
    for (const auto& c : checks_) {
      if (auto seen = c->seen_instead(ctx)) return ctx.expectation_failed(c->expected(), *seen);
    }
    return ok_status();
  }

 private:
  Checks checks_;
};

std::unique_ptr<Step> parse_expect(StepParser& p, const YAML::Node& params) {
  if (!params || params.IsNull() || params.IsScalar()) {
    p.reader().error(params, "'expect' must be a map of checks, e.g. {firmware: {state: idle}}");
    return nullptr;
  }
  Checks checks = p.checks(params);
  if (checks.empty()) return nullptr;
  return std::make_unique<Expect>(std::move(checks));
}

const RegisterStep wait_step{{"wait", "wait: 31m (scenario time: 30s, 31m, 2h, 7d)", parse_wait}};
const RegisterStep wait_until_step{
    {"wait_until", "wait_until: {<check>: {...}, timeout: 2h}", parse_wait_until}};
const RegisterStep expect_step{{"expect", "expect: {<check>: {...}, ...}", parse_expect}};

}  // namespace
}  // namespace hemsrig::scenario
