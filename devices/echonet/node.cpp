#include "devices/echonet/node.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

namespace hemsrig::echonet {

namespace {

bool is_request(Esv esv) {
  switch (esv) {
    case Esv::SetI:
    case Esv::SetC:
    case Esv::Get:
    case Esv::INF_REQ:
    case Esv::SetGet:
    case Esv::INFC:
      return true;
    default:
      return false;
  }
}

// Node profile instance codes: 0x01 general, 0x02 transmission-only; 0x00 all.
bool addresses_node_profile(const Eoj& deoj) {
  return deoj.group == 0x0E && deoj.cls == 0xF0 && deoj.instance <= 0x02;
}

Property empty_property(std::uint8_t epc) {
  return Property{epc, {}};
}

// EHD1 EHD2 TID(2) SEOJ(3) DEOJ(3), then ESV.
constexpr std::size_t kEsvOffset = 10;

}  // namespace

Node::Node(sim::Engine& engine, sim::Fabric& fabric, const ProfileLibrary& profiles,
           NodeOptions options)
    : engine_(engine), fabric_(fabric), profiles_(profiles), options_(std::move(options)) {
  if (options_.name.empty()) options_.name = options_.address.to_string();
  auto np = profiles_.merged(0x0EF0);
  if (!np) np = std::make_shared<const ClassProfile>();
  node_profile_ = std::make_unique<EchonetObject>(kNodeProfile, std::move(np));
  node_profile_->on_change([this](const PropertyChange& c) { object_changed(c); });
  refresh_node_profile();
}

Node::~Node() {
  power_off();
}

Result<EchonetObject*> Node::add_object(std::uint16_t class_code, std::uint8_t instance) {
  const ClassProfile* cls = profiles_.find(class_code);
  if (cls == nullptr) {
    return make_error("unknown_class", fmt::format("no profile for class 0x{:04X}", class_code));
  }
  const auto group = static_cast<std::uint8_t>(class_code >> 8);
  const auto code = static_cast<std::uint8_t>(class_code);
  if (instance == 0) {
    instance = 1;
    while (object(Eoj{group, code, instance}) != nullptr) ++instance;
  } else if (object(Eoj{group, code, instance}) != nullptr) {
    return make_error("duplicate_object",
                      fmt::format("{} already exists on {}", to_string(Eoj{group, code, instance}),
                                  options_.name));
  }
  if (instance > 0x7F) {
    return make_error("too_many_instances",
                      fmt::format("class 0x{:04X} has no free instance code", class_code));
  }
  auto obj =
      std::make_unique<EchonetObject>(Eoj{group, code, instance}, profiles_.merged(class_code));
  obj->write_unchecked(0x8A, write_uint(options_.manufacturer, 3));
  if (obj->has(0x83)) {
    // Identification number: 0xFE, the maker, then bytes unique to the object (address + EOJ).
    Bytes id{0xFE};
    const Bytes m = write_uint(options_.manufacturer, 3);
    id.insert(id.end(), m.begin(), m.end());
    id.insert(id.end(), 6, 0x00);
    const Bytes addr = write_uint(options_.address.to_uint(), 4);
    id.insert(id.end(), addr.begin(), addr.end());
    id.insert(id.end(), {group, code, instance});
    obj->write_unchecked(0x83, id);
  }
  obj->on_change([this](const PropertyChange& c) { object_changed(c); });
  objects_.push_back(std::move(obj));
  refresh_node_profile();
  return objects_.back().get();
}

EchonetObject* Node::object(const Eoj& eoj) {
  if (eoj == kNodeProfile) return node_profile_.get();
  for (auto& o : objects_) {
    if (o->eoj() == eoj) return o.get();
  }
  return nullptr;
}

void Node::refresh_node_profile() {
  EchonetObject& np = *node_profile_;
  const auto n = objects_.size();
  // 0xD5/0xD6: count + EOJs (at most 84 listed); 0xD7: count + class codes (at most 8).
  Bytes instances{static_cast<std::uint8_t>(std::min<std::size_t>(n, 0xFF))};
  for (std::size_t i = 0; i < n && i < 84; ++i) {
    const Eoj& e = objects_[i]->eoj();
    instances.insert(instances.end(), {e.group, e.cls, e.instance});
  }
  std::vector<std::uint16_t> classes;
  for (const auto& o : objects_) {
    if (std::find(classes.begin(), classes.end(), o->eoj().class_code()) == classes.end()) {
      classes.push_back(o->eoj().class_code());
    }
  }
  Bytes class_list{static_cast<std::uint8_t>(classes.size())};
  for (std::size_t i = 0; i < classes.size() && i < 8; ++i) {
    class_list.push_back(static_cast<std::uint8_t>(classes[i] >> 8));
    class_list.push_back(static_cast<std::uint8_t>(classes[i]));
  }
  np.write_unchecked(0xD3, write_uint(n, 3));
  np.write_unchecked(0xD4, write_uint(classes.size() + 1, 2));  // + the node profile class
  np.write_unchecked(0xD5, instances);
  np.write_unchecked(0xD6, instances);
  np.write_unchecked(0xD7, class_list);
  np.write_unchecked(0x8A, write_uint(options_.manufacturer, 3));
  // Identification number: 0xFE, manufacturer code, then 13 bytes unique to this node.
  Bytes id{0xFE};
  const Bytes m = write_uint(options_.manufacturer, 3);
  id.insert(id.end(), m.begin(), m.end());
  const Bytes addr = write_uint(options_.address.to_uint(), 4);
  id.insert(id.end(), 9, 0x00);
  id.insert(id.end(), addr.begin(), addr.end());
  np.write_unchecked(0x83, id);
}

Status Node::power_on() {
  if (port_) return ok_status();
  auto port = fabric_.open(options_.address, [this](const sim::Datagram& d) { receive(d); });
  if (!port) return port.error();
  port_ = *port;
  node_profile_->write_unchecked(0x80, {0x30});
  // Instance list notification at boot (node profile 0xD5 is announced).
  announce(*node_profile_, 0xD5);
  return ok_status();
}

void Node::power_off() {
  if (!port_) return;
  fabric_.close(*port_);
  port_.reset();
}

Status Node::raise_fault(const Eoj& eoj, std::uint16_t description) {
  EchonetObject* o = object(eoj);
  if (o == nullptr)
    return make_error("unknown_object",
                      fmt::format("{} has no object {}", options_.name, to_string(eoj)));
  o->write_unchecked(0x88, {0x41}, "fault");
  if (o->has(0x89)) o->write_unchecked(0x89, write_uint(description, 2), "fault");
  return ok_status();
}

Status Node::clear_fault(const Eoj& eoj) {
  EchonetObject* o = object(eoj);
  if (o == nullptr)
    return make_error("unknown_object",
                      fmt::format("{} has no object {}", options_.name, to_string(eoj)));
  o->write_unchecked(0x88, {0x42}, "fault");
  if (o->has(0x89)) o->write_unchecked(0x89, {0x00, 0x00}, "fault");
  return ok_status();
}

void Node::send(const sim::UdpEndpoint& to, const Frame& frame) {
  if (!port_) return;
  const Bytes bytes = encode(frame);
  fabric_.send(*port_, to, bytes);
}

void Node::object_changed(const PropertyChange& change) {
  if (change_listener_) change_listener_(*this, change);
  EchonetObject* o = object(change.eoj);
  // Status-change announcement for every EPC in the object's 0x9D map.
  if (o == nullptr || !o->announce_map().contains(change.epc)) return;
  if (answering_) {
    deferred_announcements_.emplace_back(change.eoj, change.epc);
  } else {
    announce(*o, change.epc);
  }
}

void Node::announce(const EchonetObject& object, std::uint8_t epc) {
  if (!port_) return;
  const Bytes* v = object.value(epc);
  if (v == nullptr) return;
  Frame inf{next_tid(), object.eoj(), kNodeProfile, Esv::INF, {Property{epc, *v}}, {}};
  ++counters_.announcements;
  send(fabric_.multicast_group(), inf);
}

void Node::receive(const sim::Datagram& d) {
  ++counters_.received;
  // A response or notification that nobody here listens for can change
  // nothing: skip decoding it. At power-on of a large world every node's INF
  // reaches every other node, and decoding them all stalled 10,000 nodes for
  // seconds. Requests, and frames whose header is not ECHONET Lite format 1,
  // are always decoded (and counted when malformed).
  if (!frame_listener_ && d.bytes.size() > kEsvOffset && d.bytes[0] == 0x10 && d.bytes[1] == 0x81 &&
      is_known_esv(d.bytes[kEsvOffset]) && !is_request(static_cast<Esv>(d.bytes[kEsvOffset]))) {
    return;
  }
  auto msg = decode(d.bytes);
  if (!msg) {
    ++counters_.malformed;
    if (error_listener_) error_listener_(*this, msg.error(), d.from);
    return;
  }
  const Frame* frame = std::get_if<Frame>(&*msg);
  if (frame == nullptr) return;  // format 2: opaque, nothing for a simulated node to do
  if (is_request(frame->esv)) {
    answering_ = true;
    handle_request(*frame, d.from, d.to == fabric_.multicast_group());
    answering_ = false;
    auto pending = std::move(deferred_announcements_);
    deferred_announcements_.clear();
    for (const auto& [eoj, epc] : pending) {
      if (EchonetObject* o = object(eoj)) announce(*o, epc);
    }
  } else if (frame_listener_) {
    frame_listener_(*frame, d.from);
  }
}

std::vector<EchonetObject*> Node::resolve(const Eoj& deoj) {
  std::vector<EchonetObject*> out;
  if (addresses_node_profile(deoj)) {
    out.push_back(node_profile_.get());
    return out;
  }
  for (auto& o : objects_) {
    const Eoj& e = o->eoj();
    // Instance code 0x00 addresses every instance of the class.
    if (e.group == deoj.group && e.cls == deoj.cls &&
        (deoj.instance == 0 || deoj.instance == e.instance)) {
      out.push_back(o.get());
    }
  }
  return out;
}

void Node::handle_request(const Frame& request, const sim::UdpEndpoint& from, bool multicast) {
  ++counters_.requests;
  const auto targets = resolve(request.deoj);
  if (targets.empty()) {
    ++counters_.dropped_no_object;  // a frame to an object the node lacks is silently dropped
    return;
  }
  // Answers go to port 3610 of the requester whatever its source port.
  const sim::UdpEndpoint requester{from.address, echonet::kPort};
  for (EchonetObject* target : targets) {
    bool multicast_reply = false;
    std::optional<Frame> reply = answer(*target, request, multicast_reply);
    if (!reply) continue;
    auto delay = std::chrono::milliseconds{0};
    for (const auto& p : request.props) delay = std::max(delay, target->response_delay(p.epc));
    for (const auto& p : request.get_props) delay = std::max(delay, target->response_delay(p.epc));
    if (multicast && options_.multicast_answer_spread.count() > 0) {
      std::uniform_int_distribution<std::int64_t> spread(
          0, std::chrono::duration_cast<sim::Duration>(options_.multicast_answer_spread).count());
      delay += std::chrono::duration_cast<std::chrono::milliseconds>(
          sim::Duration{spread(engine_.rng())});
    }
    const sim::UdpEndpoint to = multicast_reply ? fabric_.multicast_group() : requester;
    ++counters_.answers;
    if (delay.count() == 0) {
      send(to, *reply);
    } else {
      std::weak_ptr<int> alive = alive_;
      engine_.after(delay, [this, alive, to, r = std::move(*reply)] {
        if (!alive.expired()) send(to, r);
      });
    }
  }
}

std::optional<Frame> Node::answer(EchonetObject& target, const Frame& request,
                                  bool& multicast_reply) {
  Frame reply{request.tid, target.eoj(), request.seoj, Esv::Get_Res, {}, {}};
  auto process_set = [&](const std::vector<Property>& in, std::vector<Property>& out) {
    bool all = !in.empty();
    for (const auto& p : in) {
      if (target.set_from_request(p.epc, p.edt)) {
        out.push_back(empty_property(p.epc));  // accepted: PDC 0
      } else {
        out.push_back(p);  // refused: echo the requested EDT
        all = false;
      }
    }
    return all;
  };
  auto process_get = [&](const std::vector<Property>& in, std::vector<Property>& out) {
    bool all = !in.empty();
    for (const auto& p : in) {
      auto v = target.get_for_request(p.epc);
      if (v) {
        out.push_back(Property{p.epc, std::move(*v)});
      } else {
        out.push_back(empty_property(p.epc));  // unreadable: PDC 0
        all = false;
      }
    }
    return all;
  };

  switch (request.esv) {
    case Esv::SetI: {
      const bool ok = process_set(request.props, reply.props);
      if (ok) return std::nullopt;  // SetI is answered only on failure
      reply.esv = Esv::SetI_SNA;
      return reply;
    }
    case Esv::SetC: {
      reply.esv = process_set(request.props, reply.props) ? Esv::Set_Res : Esv::SetC_SNA;
      return reply;
    }
    case Esv::Get: {
      reply.esv = process_get(request.props, reply.props) ? Esv::Get_Res : Esv::Get_SNA;
      return reply;
    }
    case Esv::INF_REQ: {
      if (process_get(request.props, reply.props)) {
        reply.esv = Esv::INF;  // multicast, with the requester's TID
        multicast_reply = true;
      } else {
        reply.esv = Esv::INF_SNA;
      }
      return reply;
    }
    case Esv::SetGet: {
      // Each half by its own rule: the set half as SetC, then the get half as Get.
      const bool set_ok = process_set(request.props, reply.props);
      const bool get_ok = process_get(request.get_props, reply.get_props);
      reply.esv = set_ok && get_ok ? Esv::SetGet_Res : Esv::SetGet_SNA;
      return reply;
    }
    case Esv::INFC: {
      reply.esv = Esv::INFC_Res;
      for (const auto& p : request.props) reply.props.push_back(empty_property(p.epc));
      return reply;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace hemsrig::echonet
