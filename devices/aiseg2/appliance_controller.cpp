#include "devices/aiseg2/appliance_controller.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace hemsrig::aiseg2 {

using echonet::Bytes;
using echonet::Eoj;
using echonet::Esv;
using echonet::Frame;
using echonet::Property;

namespace {

constexpr std::uint8_t kAnnounceMap = 0x9D;
constexpr std::uint8_t kSetMap = 0x9E;
constexpr std::uint8_t kGetMap = 0x9F;
constexpr std::uint8_t kInstanceListNotification = 0xD5;
constexpr std::uint8_t kInstanceList = 0xD6;

bool is_profile(const Eoj& eoj) {
  return eoj.group == 0x0E && eoj.cls == 0xF0;
}

// Properties that do not change while an appliance runs: not worth a poll.
bool is_static(std::uint8_t epc) {
  switch (epc) {
    case 0x82:  // standard version
    case 0x83:  // identification number
    case 0x8A:  // manufacturer
    case 0x8B:  // business facility
    case 0x8C:  // product code
    case 0x8D:  // serial number
    case 0x8E:  // production date
    case kAnnounceMap:
    case kSetMap:
    case kGetMap:
      return true;
    default:
      return false;
  }
}

// Instance list (0xD5/0xD6): a count, then 3-byte EOJs (at most 84 listed).
std::vector<Eoj> parse_instance_list(const Bytes& edt) {
  std::vector<Eoj> out;
  if (edt.empty()) return out;
  const std::size_t count = edt[0];
  for (std::size_t i = 1; i + 3 <= edt.size() && out.size() < count; i += 3) {
    out.push_back(Eoj{edt[i], edt[i + 1], edt[i + 2]});
  }
  return out;
}

std::vector<std::vector<std::uint8_t>> chunks(const std::vector<std::uint8_t>& epcs,
                                              std::size_t size) {
  std::vector<std::vector<std::uint8_t>> out;
  size = std::max<std::size_t>(size, 1);
  for (std::size_t i = 0; i < epcs.size(); i += size) {
    out.emplace_back(epcs.begin() + static_cast<std::ptrdiff_t>(i),
                     epcs.begin() + static_cast<std::ptrdiff_t>(std::min(epcs.size(), i + size)));
  }
  return out;
}

std::vector<Property> get_props(const std::vector<std::uint8_t>& epcs) {
  std::vector<Property> props;
  for (auto e : epcs) props.push_back(Property{e, {}});
  return props;
}

}  // namespace

std::string to_string(const ApplianceKey& key) {
  return key.address.to_string() + "/" + echonet::to_string(key.eoj);
}

const char* to_string(ControlOutcome o) {
  switch (o) {
    case ControlOutcome::Accepted:
      return "accepted";
    case ControlOutcome::Refused:
      return "refused";
    case ControlOutcome::Timeout:
      return "timeout";
    case ControlOutcome::UnknownAppliance:
      return "unknown_appliance";
  }
  return "?";
}

const char* to_string(GetOutcome o) {
  switch (o) {
    case GetOutcome::Answered:
      return "answered";
    case GetOutcome::Partial:
      return "partial";
    case GetOutcome::Timeout:
      return "timeout";
    case GetOutcome::UnknownAppliance:
      return "unknown_appliance";
  }
  return "?";
}

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::Discovered:
      return "discovered";
    case EventKind::Ready:
      return "ready";
    case EventKind::StateChanged:
      return "state_changed";
    case EventKind::Offline:
      return "offline";
    case EventKind::Online:
      return "online";
    case EventKind::Removed:
      return "removed";
    case EventKind::ControlResult:
      return "control_result";
    case EventKind::GetResult:
      return "get_result";
  }
  return "?";
}

const char* to_string(ChangeSource s) {
  switch (s) {
    case ChangeSource::Inf:
      return "inf";
    case ChangeSource::Poll:
      return "poll";
    case ChangeSource::Read:
      return "read";
  }
  return "?";
}

// An answer handed to a request's continuation; frame == nullptr: no answer after every try.
struct ApplianceController::Reply {
  const Frame* frame = nullptr;
  int attempts = 0;
};

struct ApplianceController::Request {
  std::uint64_t id = 0;
  Eoj eoj;
  Esv esv = Esv::Get;
  std::vector<Property> props;
  bool urgent = false;  // a user's control or get: always every try, before the polls
  int max_attempts = 1;
  int attempts = 0;
  std::vector<std::uint16_t> tids;  // one per try; an answer to any of them counts
  std::function<void(const Reply&)> done;
};

struct ApplianceController::NodeRecord {
  sim::Ipv4 address;
  bool online = true;
  int misses = 0;                // consecutive requests without answer
  std::uint64_t generation = 0;  // bumped at every boot (0xD5): older reads are stale
  std::vector<Eoj> objects;      // device objects (appliances) from the instance list
  std::deque<Request> urgent;
  std::deque<Request> background;
  std::optional<Request> current;
  std::uint64_t timeout_token = 0;
  bool probing = false;      // a Get 0xD6 is queued or in flight
  std::map<Eoj, int> reads;  // map or property reads queued or in flight
  std::set<Eoj> polling;     // a poll is queued or in flight

  void drop_background() {
    background.clear();
    reads.clear();
    polling.clear();
    probing = false;
  }
};

ApplianceController::ApplianceController(echonet::Node& node, ControllerOptions options)
    : node_(node), engine_(node.engine()), options_(std::move(options)) {
  for (const auto& o : node_.objects()) {
    if (o->eoj().class_code() == 0x05FF) {
      own_eoj_ = o->eoj();
      break;
    }
  }
}

ApplianceController::~ApplianceController() {
  stop();
  node_.on_frame(nullptr);
}

void ApplianceController::start() {
  if (running_) return;
  running_ = true;
  node_.on_frame([this](const Frame& f, const sim::UdpEndpoint& from) { on_frame(f, from); });
  discover();
  for (int i = 1; i <= options_.discovery_repeats; ++i) {
    schedule(options_.discovery_spacing * i, [this] { discover(); });
  }
  if (options_.rediscovery_interval > sim::Duration::zero()) {
    schedule(
        options_.discovery_spacing * options_.discovery_repeats + options_.rediscovery_interval,
        [this] { rediscover(); });
  }
  schedule(options_.poll_interval, [this] { poll_all(); });
}

void ApplianceController::stop() {
  running_ = false;
  for (const auto& [token, id] : timers_) engine_.cancel(id);
  timers_.clear();
  for (auto& [addr, node] : nodes_) {
    node->drop_background();
    node->urgent.clear();
    node->current.reset();
  }
}

std::uint64_t ApplianceController::schedule(sim::Duration delay, std::function<void()> fn) {
  const std::uint64_t token = next_token_++;
  std::weak_ptr<int> alive = alive_;
  const sim::TimerId id = engine_.after(delay, [this, alive, token, fn = std::move(fn)] {
    if (alive.expired()) return;
    timers_.erase(token);
    fn();
  });
  timers_.emplace(token, id);
  return token;
}

void ApplianceController::cancel_timer(std::uint64_t token) {
  auto it = timers_.find(token);
  if (it == timers_.end()) return;
  engine_.cancel(it->second);
  timers_.erase(it);
}

void ApplianceController::discover() {
  if (!running_) return;
  Frame get{node_.next_tid(), own_eoj_, echonet::kNodeProfile, Esv::Get, {{kInstanceList, {}}}, {}};
  ++counters_.discoveries_sent;
  node_.send(options_.multicast_group, get);
}

// Periodic: each run schedules the next, so at most one is pending.
void ApplianceController::rediscover() {
  if (!running_) return;
  discover();
  schedule(options_.rediscovery_interval, [this] { rediscover(); });
}

// ---- receiving --------------------------------------------------------------------------

void ApplianceController::on_frame(const Frame& frame, const sim::UdpEndpoint& from) {
  if (!running_ || from.address == node_.address()) return;
  switch (frame.esv) {
    case Esv::Get_Res:
    case Esv::Get_SNA:
    case Esv::Set_Res:
    case Esv::SetC_SNA:
      if (match_reply(frame, from)) return;
      // Answers to the multicast search (any TID: another search of ours may have crossed it).
      if (is_profile(frame.seoj)) {
        for (const auto& p : frame.props) {
          if (p.epc == kInstanceList && !p.edt.empty()) {
            on_instance_list(from.address, p.edt, false);
          }
        }
      }
      return;
    case Esv::INF:
      on_inf(frame, from);
      return;
    default:
      return;
  }
}

bool ApplianceController::match_reply(const Frame& frame, const sim::UdpEndpoint& from) {
  NodeRecord* node = find_node(from.address);
  if (node == nullptr || !node->current) return false;
  const Request& req = *node->current;
  if (std::find(req.tids.begin(), req.tids.end(), frame.tid) == req.tids.end()) return false;
  const bool esv_fits = req.esv == Esv::SetC
                            ? (frame.esv == Esv::Set_Res || frame.esv == Esv::SetC_SNA)
                            : (frame.esv == Esv::Get_Res || frame.esv == Esv::Get_SNA);
  if (!esv_fits || frame.seoj != req.eoj) return false;
  cancel_timer(node->timeout_token);
  Request done = std::move(*node->current);
  node->current.reset();
  ++counters_.answers;
  note_answer(*node);
  if (done.done) done.done(Reply{&frame, done.attempts});
  pump(*node);
  return true;
}

void ApplianceController::on_inf(const Frame& frame, const sim::UdpEndpoint& from) {
  ++counters_.infs;
  if (is_profile(frame.seoj)) {
    for (const auto& p : frame.props) {
      // A node that boots announces its instance list: a newcomer, or a known node again.
      if (p.epc == kInstanceListNotification && !p.edt.empty()) {
        on_instance_list(from.address, p.edt, true);
      }
    }
    return;
  }
  auto it = states_.find(ApplianceKey{from.address, frame.seoj});
  if (it == states_.end()) {
    probe(from.address);  // an appliance we do not know yet: read its node's instance list
    return;
  }
  // A node that announces is alive (std::map: `it` survives what note_answer queues).
  if (NodeRecord* node = find_node(from.address)) note_answer(*node);
  apply(it->second, frame.props, ChangeSource::Inf);
}

void ApplianceController::on_instance_list(const sim::Ipv4& address, const Bytes& edt,
                                           bool announced) {
  NodeRecord& node = node_record(address);
  std::vector<Eoj> listed;
  for (const Eoj& e : parse_instance_list(edt)) {
    if (is_profile(e)) continue;
    if (options_.ignore_controllers && e.class_code() == 0x05FF) continue;
    if (std::find(listed.begin(), listed.end(), e) == listed.end()) listed.push_back(e);
  }
  if (announced) {
    // AISEG2-FACTS "ECHONET Lite face": the unit polls and controls its appliances. A node
    // that announces 0xD5 has (re)booted, so everything known of it is read anew.
    ++node.generation;
    node.drop_background();
    for (const Eoj& e : node.objects) {
      auto it = states_.find(ApplianceKey{address, e});
      if (it != states_.end()) it->second.ready = false;
    }
    note_answer(node, false);
  } else {
    note_answer(node);
  }
  // Objects that left the list.
  const std::vector<Eoj> before = node.objects;
  for (const Eoj& e : before) {
    if (std::find(listed.begin(), listed.end(), e) != listed.end()) continue;
    const ApplianceKey key{address, e};
    states_.erase(key);
    node.reads.erase(e);
    node.polling.erase(e);
    emit(ControllerEvent{.kind = EventKind::Removed, .key = key});
  }
  node.objects = listed;
  for (const Eoj& e : listed) {
    const ApplianceKey key{address, e};
    const bool is_new = !states_.contains(key);
    if (is_new) {
      ApplianceState& s = states_[key];
      s.key = key;
      s.online = node.online;
      emit(ControllerEvent{.kind = EventKind::Discovered, .key = key, .state = &s});
    }
    if (is_new || announced) read_object(node, e);
  }
}

// ---- node records and requests ------------------------------------------------------------

ApplianceController::NodeRecord& ApplianceController::node_record(const sim::Ipv4& address) {
  auto& slot = nodes_[address.to_uint()];
  if (!slot) {
    slot = std::make_unique<NodeRecord>();
    slot->address = address;
  }
  return *slot;
}

ApplianceController::NodeRecord* ApplianceController::find_node(const sim::Ipv4& address) {
  auto it = nodes_.find(address.to_uint());
  return it == nodes_.end() ? nullptr : it->second.get();
}

const ApplianceController::NodeRecord* ApplianceController::find_node(
    const sim::Ipv4& address) const {
  auto it = nodes_.find(address.to_uint());
  return it == nodes_.end() ? nullptr : it->second.get();
}

void ApplianceController::probe(const sim::Ipv4& address) {
  NodeRecord& node = node_record(address);
  if (node.probing) return;
  node.probing = true;
  Request r;
  r.id = next_request_id_++;
  r.eoj = echonet::kNodeProfile;
  r.props = get_props({kInstanceList});
  const auto generation = node.generation;
  r.done = [this, address, generation](const Reply& reply) {
    NodeRecord* n = find_node(address);
    if (n == nullptr || n->generation != generation) return;
    n->probing = false;
    if (reply.frame == nullptr) return;
    for (const auto& p : reply.frame->props) {
      if (p.epc == kInstanceList && !p.edt.empty()) on_instance_list(address, p.edt, false);
    }
  };
  enqueue(node, std::move(r), false);
}

void ApplianceController::read_object(NodeRecord& node, const Eoj& eoj) {
  Request r;
  r.id = next_request_id_++;
  r.eoj = eoj;
  r.props = get_props({kAnnounceMap, kSetMap, kGetMap});
  const sim::Ipv4 address = node.address;
  const auto generation = node.generation;
  ++node.reads[eoj];
  r.done = [this, address, eoj, generation](const Reply& reply) {
    NodeRecord* n = find_node(address);
    if (n == nullptr || n->generation != generation) return;
    if (auto it = n->reads.find(eoj); it != n->reads.end() && --it->second <= 0) n->reads.erase(it);
    auto st = states_.find(ApplianceKey{address, eoj});
    if (reply.frame == nullptr || st == states_.end()) return;  // the next poll tries again
    apply(st->second, reply.frame->props, ChangeSource::Read);
    if (st->second.maps_known) read_properties(*n, eoj);
  };
  enqueue(node, std::move(r), false);
}

void ApplianceController::read_properties(NodeRecord& node, const Eoj& eoj) {
  auto st = states_.find(ApplianceKey{node.address, eoj});
  if (st == states_.end()) return;
  std::vector<std::uint8_t> epcs;
  for (auto e : st->second.get_map) {
    if (e != kAnnounceMap && e != kSetMap && e != kGetMap) epcs.push_back(e);
  }
  const auto parts = chunks(epcs, options_.epcs_per_get);
  const sim::Ipv4 address = node.address;
  if (parts.empty()) {
    st->second.ready = true;
    emit(ControllerEvent{.kind = EventKind::Ready, .key = st->first, .state = &st->second});
    return;
  }
  struct Progress {
    std::size_t remaining;
    bool all_answered = true;
  };
  auto progress = std::make_shared<Progress>(Progress{parts.size()});
  const auto generation = node.generation;
  for (const auto& part : parts) {
    Request r;
    r.id = next_request_id_++;
    r.eoj = eoj;
    r.props = get_props(part);
    ++node.reads[eoj];
    r.done = [this, address, eoj, generation, progress](const Reply& reply) {
      NodeRecord* n = find_node(address);
      if (n == nullptr || n->generation != generation) return;
      if (auto it = n->reads.find(eoj); it != n->reads.end() && --it->second <= 0) {
        n->reads.erase(it);
      }
      auto s = states_.find(ApplianceKey{address, eoj});
      if (s == states_.end()) return;
      if (reply.frame != nullptr) {
        apply(s->second, reply.frame->props, ChangeSource::Read);
      } else {
        progress->all_answered = false;
      }
      if (--progress->remaining == 0 && progress->all_answered && !s->second.ready) {
        s->second.ready = true;
        emit(ControllerEvent{.kind = EventKind::Ready, .key = s->first, .state = &s->second});
      }
    };
    enqueue(node, std::move(r), false);
  }
}

void ApplianceController::enqueue(NodeRecord& node, Request request, bool urgent) {
  request.urgent = urgent;
  if (node.urgent.size() + node.background.size() >= options_.max_queue_per_node) {
    // Refused: the continuation sees a timeout, later (never inside the caller's call).
    auto done = std::move(request.done);
    if (done) schedule(sim::Duration::zero(), [done] { done(Reply{nullptr, 0}); });
    return;
  }
  (urgent ? node.urgent : node.background).push_back(std::move(request));
  pump(node);
}

void ApplianceController::pump(NodeRecord& node) {
  if (!running_ || node.current) return;
  auto& queue = !node.urgent.empty() ? node.urgent : node.background;
  if (queue.empty()) return;
  node.current = std::move(queue.front());
  queue.pop_front();
  // A user's request gets every try; background reads of a node already offline get one, so
  // a dead node costs one timeout per poll, not four.
  node.current->max_attempts =
      node.current->urgent || node.online ? 1 + std::max(0, options_.retries) : 1;
  send_attempt(node);
}

void ApplianceController::send_attempt(NodeRecord& node) {
  Request& req = *node.current;
  ++req.attempts;
  if (req.attempts > 1) ++counters_.retries;
  const std::uint16_t tid = node_.next_tid();
  req.tids.push_back(tid);
  Frame frame{tid, own_eoj_, req.eoj, req.esv, req.props, {}};
  ++counters_.requests_sent;
  node_.send(sim::UdpEndpoint{node.address, echonet::kPort}, frame);
  const sim::Ipv4 address = node.address;
  const std::uint64_t id = req.id;
  node.timeout_token =
      schedule(options_.request_timeout, [this, address, id] { on_timeout(address, id); });
}

void ApplianceController::on_timeout(const sim::Ipv4& address, std::uint64_t request_id) {
  NodeRecord* node = find_node(address);
  if (node == nullptr || !node->current || node->current->id != request_id) return;
  if (node->current->attempts < node->current->max_attempts) {
    send_attempt(*node);
    return;
  }
  ++counters_.timeouts;
  Request done = std::move(*node->current);
  node->current.reset();
  note_miss(*node);
  if (done.done) done.done(Reply{nullptr, done.attempts});
  pump(*node);
}

void ApplianceController::note_answer(NodeRecord& node, bool reread) {
  node.misses = 0;
  if (node.online) return;
  node.online = true;
  emit_for_node(node, EventKind::Online);
  // It was away: what it holds may have changed meanwhile.
  if (reread) {
    for (const Eoj& e : node.objects) {
      if (!node.reads.contains(e)) read_object(node, e);
    }
  }
}

void ApplianceController::note_miss(NodeRecord& node) {
  ++node.misses;
  if (!node.online || node.misses < std::max(1, options_.offline_after_misses)) return;
  node.online = false;
  node.drop_background();  // its reads and polls would only time out one by one
  emit_for_node(node, EventKind::Offline);
}

// ---- polling ----------------------------------------------------------------------------

void ApplianceController::poll_all() {
  if (!running_) return;
  for (auto& [addr, rec] : nodes_) {
    NodeRecord& node = *rec;
    if (!node.online || node.objects.empty()) {
      // Offline, or known only from a stray frame: one Get 0xD6 tells whether it is back.
      probe(node.address);
      continue;
    }
    for (const Eoj& e : node.objects) {
      auto st = states_.find(ApplianceKey{node.address, e});
      if (st == states_.end() || node.reads.contains(e)) continue;
      if (!st->second.maps_known) {
        read_object(node, e);
      } else if (!st->second.ready) {
        read_properties(node, e);
      } else if (!node.polling.contains(e)) {
        poll_object(node, st->second);
      }
    }
  }
  schedule(options_.poll_interval, [this] { poll_all(); });
}

std::vector<std::uint8_t> ApplianceController::poll_set(const ApplianceState& state) const {
  std::vector<std::uint8_t> epcs;
  if (auto it = options_.poll_epcs.find(state.key.eoj.class_code());
      it != options_.poll_epcs.end()) {
    epcs = it->second;
  } else {
    for (auto e : state.get_map) {
      if (!is_static(e)) epcs.push_back(e);
    }
  }
  if (epcs.size() > options_.max_poll_epcs) epcs.resize(options_.max_poll_epcs);
  return epcs;
}

void ApplianceController::poll_object(NodeRecord& node, ApplianceState& state) {
  const auto parts = chunks(poll_set(state), options_.epcs_per_get);
  if (parts.empty()) return;
  const Eoj eoj = state.key.eoj;
  const sim::Ipv4 address = node.address;
  const auto generation = node.generation;
  auto remaining = std::make_shared<std::size_t>(parts.size());
  node.polling.insert(eoj);
  for (const auto& part : parts) {
    Request r;
    r.id = next_request_id_++;
    r.eoj = eoj;
    r.props = get_props(part);
    ++counters_.polls;
    r.done = [this, address, eoj, generation, remaining](const Reply& reply) {
      NodeRecord* n = find_node(address);
      if (n == nullptr || n->generation != generation) return;
      if (--*remaining == 0) n->polling.erase(eoj);
      auto s = states_.find(ApplianceKey{address, eoj});
      if (reply.frame != nullptr && s != states_.end()) {
        apply(s->second, reply.frame->props, ChangeSource::Poll);
      }
    };
    enqueue(node, std::move(r), false);
  }
}

// ---- user requests ----------------------------------------------------------------------

std::uint64_t ApplianceController::control(const ApplianceKey& key, std::uint8_t epc, Bytes edt,
                                           ControlCallback done) {
  const std::uint64_t id = next_request_id_++;
  ControlResult base;
  base.request_id = id;
  base.key = key;
  base.epc = epc;
  base.requested = edt;
  NodeRecord* node = find_node(key.address);
  if (!states_.contains(key) || node == nullptr) {
    base.outcome = ControlOutcome::UnknownAppliance;
    schedule(sim::Duration::zero(), [this, base, done] { deliver(base, done); });
    return id;
  }
  Request r;
  r.id = id;
  r.eoj = key.eoj;
  r.esv = Esv::SetC;
  r.props = {Property{epc, std::move(edt)}};
  r.done = [this, base, done](const Reply& reply) {
    ControlResult result = base;
    result.attempts = reply.attempts;
    if (reply.frame == nullptr) {
      result.outcome = ControlOutcome::Timeout;
      if (auto s = states_.find(result.key); s != states_.end())
        result.state_after = s->second.properties;
      deliver(result, done);
      return;
    }
    if (reply.frame->esv == Esv::Set_Res) {
      result.outcome = ControlOutcome::Accepted;
    } else {
      result.outcome = ControlOutcome::Refused;
      for (const auto& p : reply.frame->props) {
        if (p.epc == result.epc) result.echoed = p.edt;
      }
    }
    // Set_Res carries no value: read the property back for the state after.
    NodeRecord* n = find_node(result.key.address);
    if (n == nullptr) {
      deliver(result, done);
      return;
    }
    Request back;
    back.id = next_request_id_++;
    back.eoj = result.key.eoj;
    back.props = get_props({result.epc});
    back.done = [this, result, done](const Reply& r2) mutable {
      auto s = states_.find(result.key);
      if (s != states_.end()) {
        if (r2.frame != nullptr) apply(s->second, r2.frame->props, ChangeSource::Read);
        result.state_after = s->second.properties;
      }
      deliver(result, done);
    };
    enqueue(*n, std::move(back), true);
  };
  enqueue(*node, std::move(r), true);
  return id;
}

std::uint64_t ApplianceController::get(const ApplianceKey& key, std::vector<std::uint8_t> epcs,
                                       GetCallback done) {
  const std::uint64_t id = next_request_id_++;
  GetResult base;
  base.request_id = id;
  base.key = key;
  base.epcs = epcs;
  NodeRecord* node = find_node(key.address);
  if (!states_.contains(key) || node == nullptr || epcs.empty()) {
    base.outcome = GetOutcome::UnknownAppliance;
    schedule(sim::Duration::zero(), [this, base, done] { deliver(base, done); });
    return id;
  }
  Request r;
  r.id = id;
  r.eoj = key.eoj;
  r.props = get_props(epcs);
  r.done = [this, base, done](const Reply& reply) {
    GetResult result = base;
    result.attempts = reply.attempts;
    if (reply.frame == nullptr) {
      result.outcome = GetOutcome::Timeout;
    } else {
      result.outcome =
          reply.frame->esv == Esv::Get_Res ? GetOutcome::Answered : GetOutcome::Partial;
      for (const auto& p : reply.frame->props) {
        if (!p.edt.empty()) result.values[p.epc] = p.edt;
      }
      if (auto s = states_.find(result.key); s != states_.end()) {
        apply(s->second, reply.frame->props, ChangeSource::Read);
      }
    }
    deliver(result, done);
  };
  enqueue(*node, std::move(r), true);
  return id;
}

// ---- state and events -------------------------------------------------------------------

void ApplianceController::apply(ApplianceState& state, const std::vector<Property>& props,
                                ChangeSource source) {
  for (const auto& p : props) {
    if (p.edt.empty()) continue;  // unreadable (Get_SNA) or an accepted Set: no value
    if (p.epc == kAnnounceMap || p.epc == kSetMap || p.epc == kGetMap) {
      auto map = echonet::decode_property_map(p.edt);
      if (map) {
        if (p.epc == kAnnounceMap) state.announce_map = *map;
        if (p.epc == kSetMap) state.set_map = *map;
        if (p.epc == kGetMap) {
          state.get_map = *map;
          state.maps_known = true;
        }
      }
    }
    auto it = state.properties.find(p.epc);
    if (it == state.properties.end()) {
      state.properties.emplace(p.epc, p.edt);
      continue;
    }
    if (it->second == p.edt) continue;
    Bytes old = std::exchange(it->second, p.edt);
    emit(ControllerEvent{.kind = EventKind::StateChanged,
                         .key = state.key,
                         .epc = p.epc,
                         .old_value = std::move(old),
                         .new_value = p.edt,
                         .source = source,
                         .state = &state});
  }
}

void ApplianceController::emit(ControllerEvent event) {
  event.at = engine_.now();
  // A copy: a listener may add listeners while it runs.
  const std::vector<Listener> listeners = listeners_;
  for (const auto& listener : listeners) listener(event);
}

void ApplianceController::emit_for_node(NodeRecord& node, EventKind kind) {
  for (const Eoj& e : node.objects) {
    auto it = states_.find(ApplianceKey{node.address, e});
    if (it == states_.end()) continue;
    it->second.online = node.online;
    emit(ControllerEvent{.kind = kind, .key = it->first, .state = &it->second});
  }
}

void ApplianceController::deliver(const ControlResult& result, const ControlCallback& done) {
  auto s = states_.find(result.key);
  emit(ControllerEvent{.kind = EventKind::ControlResult,
                       .key = result.key,
                       .control = &result,
                       .state = s == states_.end() ? nullptr : &s->second});
  if (done) done(result);
}

void ApplianceController::deliver(const GetResult& result, const GetCallback& done) {
  auto s = states_.find(result.key);
  emit(ControllerEvent{.kind = EventKind::GetResult,
                       .key = result.key,
                       .get = &result,
                       .state = s == states_.end() ? nullptr : &s->second});
  if (done) done(result);
}

// ---- queries ----------------------------------------------------------------------------

const ApplianceState* ApplianceController::appliance(const ApplianceKey& key) const {
  auto it = states_.find(key);
  return it == states_.end() ? nullptr : &it->second;
}

std::vector<ApplianceKey> ApplianceController::appliances() const {
  std::vector<ApplianceKey> out;
  for (const auto& [key, state] : states_) out.push_back(key);
  return out;
}

std::optional<bool> ApplianceController::node_online(const sim::Ipv4& address) const {
  const NodeRecord* n = find_node(address);
  if (n == nullptr) return std::nullopt;
  return n->online;
}

}  // namespace hemsrig::aiseg2
