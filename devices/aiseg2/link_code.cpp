#include "devices/aiseg2/link_code.hpp"

#include <random>

namespace hemsrig::aiseg2 {

namespace {

std::string minutes_text(sim::Duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s % 3600 == 0) return std::to_string(s / 3600) + " hour" + (s == 3600 ? "" : "s");
  if (s % 60 == 0) return std::to_string(s / 60) + " minutes";
  return std::to_string(s) + " seconds";
}

}  // namespace

LinkCodeBook::LinkCodeBook(sim::Engine& engine, LinkCodeOptions options)
    : engine_(engine), options_(options) {}

std::string LinkCodeBook::draw_code() {
  std::uniform_int_distribution<int> digit(0, 9);
  for (;;) {
    std::string code;
    for (int i = 0; i < options_.digits; ++i) code += static_cast<char>('0' + digit(engine_.rng()));
    if (!records_.contains(code)) return code;
  }
}

LinkCode LinkCodeBook::issue(std::string_view club_id) {
  if (auto it = current_.find(club_id); it != current_.end()) {
    auto& old = records_.at(it->second);
    if (old.state == State::Live) old.state = State::Replaced;
  }
  LinkCode lc;
  lc.code = draw_code();
  lc.club_id = std::string(club_id);
  lc.issued_at = engine_.now();
  lc.expires_at = lc.issued_at + options_.lifetime;
  records_[lc.code] = Record{lc, State::Live};
  current_[lc.club_id] = lc.code;
  return lc;
}

Result<LinkCodeBook::Record*> LinkCodeBook::usable(std::string_view code) {
  auto it = records_.find(code);
  if (it == records_.end()) {
    return make_error("link_code_unknown", "link code '" + std::string(code) +
                                               "' was never issued by this unit; issue one on "
                                               "the unit (DOMAIN R53)");
  }
  Record& r = it->second;
  switch (r.state) {
    case State::Used:
      return make_error("link_code_used", "link code '" + r.code.code +
                                              "' was already used; a link code works once, "
                                              "issue a new one on the unit (DOMAIN R53)");
    case State::Replaced:
      return make_error("link_code_replaced",
                        "link code '" + r.code.code +
                            "' was replaced by a newer code issued for the same CLUB ID; use "
                            "the newest one (DOMAIN R53)");
    case State::Live:
      break;
  }
  if (engine_.now() >= r.code.expires_at) {
    return make_error("link_code_expired",
                      "link code '" + r.code.code + "' expired: it is valid for " +
                          minutes_text(options_.lifetime) +
                          " after issue; issue a new one on the unit (DOMAIN R53)");
  }
  return &r;
}

Result<LinkCode> LinkCodeBook::consume(std::string_view code) {
  auto r = usable(code);
  if (!r) return r.error();
  (*r)->state = State::Used;  // DOMAIN R53: single use
  return (*r)->code;
}

Result<LinkCode> LinkCodeBook::consume(std::string_view code, std::string_view club_id) {
  auto r = usable(code);
  if (!r) return r.error();
  if ((*r)->code.club_id != club_id) {
    return make_error("link_code_other_id",
                      "link code '" + std::string(code) +
                          "' was issued for another CLUB ID; link codes are issued per CLUB ID "
                          "(DOMAIN R53)");
  }
  (*r)->state = State::Used;
  return (*r)->code;
}

std::optional<LinkCode> LinkCodeBook::live_code(std::string_view club_id) const {
  auto it = current_.find(club_id);
  if (it == current_.end()) return std::nullopt;
  const auto& r = records_.at(it->second);
  if (r.state != State::Live || engine_.now() >= r.code.expires_at) return std::nullopt;
  return r.code;
}

std::vector<LinkCodeBook::Issued> LinkCodeBook::issued() const {
  std::vector<Issued> out;
  for (const auto& [code, record] : records_) {
    if (record.state == State::Replaced) continue;
    out.push_back(Issued{record.code, record.state == State::Used});
  }
  return out;
}

}  // namespace hemsrig::aiseg2
