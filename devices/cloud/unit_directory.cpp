#include "devices/cloud/unit_directory.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "devices/aiseg2/model.hpp"

namespace hemsrig::cloud {

namespace {

std::int64_t ms(sim::Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
}

std::int64_t seconds_of(sim::Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

nlohmann::json household_json(const Household& h) {
  return {{"prefecture", h.prefecture},     {"region", h.region},
          {"municipality", h.municipality}, {"household_size", h.household_size},
          {"building", h.building},         {"energy", h.energy}};
}

Household household_from(const nlohmann::json& j) {
  Household h;
  h.prefecture = j.at("prefecture").get<std::string>();
  h.region = j.at("region").get<std::string>();
  h.municipality = j.at("municipality").get<std::string>();
  h.household_size = j.at("household_size").get<int>();
  h.building = j.at("building").get<std::string>();
  h.energy = j.at("energy").get<std::string>();
  return h;
}

nlohmann::json prices_json(const Prices& p) {
  return {{"electricity_company", p.electricity_company},
          {"electricity_plan", p.electricity_plan},
          {"sell", p.sell},
          {"water", p.water},
          {"gas", p.gas}};
}

Prices prices_from(const nlohmann::json& j) {
  return Prices{j.at("electricity_company"), j.at("electricity_plan"), j.at("sell"), j.at("water"),
                j.at("gas")};
}

std::vector<ApplianceState> appliances_from(const nlohmann::json& list) {
  std::vector<ApplianceState> out;
  for (const auto& a : list) {
    ApplianceState s;
    s.key = a.at("key").get<std::string>();
    s.name = a.value("name", std::string{});
    s.class_code = a.value("class", std::string{});
    s.online = a.value("online", true);
    if (a.contains("state")) s.state = a.at("state").get<std::map<std::string, std::string>>();
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json record_json(const UnitRecord& u, bool with_secrets) {
  nlohmann::json appliances = nlohmann::json::array();
  for (const auto& a : u.appliances)
    appliances.push_back({{"key", a.key},
                          {"name", a.name},
                          {"class", a.class_code},
                          {"online", a.online},
                          {"state", a.state}});
  nlohmann::json lighting = nlohmann::json::array(), voice = nlohmann::json::array(),
                 codes = nlohmann::json::array();
  for (const auto& s : u.lighting_scenes)
    lighting.push_back({{"appliance", s.appliance}, {"name", s.name}, {"number", s.number}});
  for (const auto& s : u.voice_scenes)
    voice.push_back({{"name", s.name}, {"appliances", s.appliances}});
  for (const auto& c : u.link_codes)
    codes.push_back({{"code", with_secrets ? c.code : std::string("********")},
                     {"club_id", c.club_id},
                     {"expires_at_ms", ms(c.expires_at)},
                     {"used", c.used}});
  nlohmann::json server = {
      {"registered", u.server.registered},
      {"confirmed", u.server.confirmed},
      {"history_epoch", u.server.history_epoch},
      {"household",
       u.server.household ? household_json(*u.server.household) : nlohmann::json(nullptr)},
      {"prices", u.server.prices ? prices_json(*u.server.prices) : nlohmann::json(nullptr)}};
  if (with_secrets) server["confirmation_code"] = u.server.confirmation_code;
  nlohmann::json j = {
      {"device_code", u.device_code}, {"model", u.model},         {"firmware", u.firmware},
      {"online", u.online},           {"server_service", server}, {"appliances", appliances},
      {"lighting_scenes", lighting},  {"voice_scenes", voice},    {"link_codes", codes}};
  if (with_secrets) j["access_password"] = u.access_password;
  return j;
}

}  // namespace

const ApplianceState* UnitRecord::appliance(const std::string& key) const {
  for (const auto& a : appliances)
    if (a.key == key) return &a;
  return nullptr;
}

std::optional<std::string> normalize_device_code(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '-') continue;
    if (c < '0' || c > '9') return std::nullopt;
    out.push_back(c);
  }
  if (out.size() != 10) return std::nullopt;
  return out;
}

UnitDirectory::UnitDirectory(sim::Engine& engine, CloudEvents& events, UnitDirectoryOptions options)
    : engine_(engine), events_(events), options_(options) {}

UnitDirectory::~UnitDirectory() {
  for (auto& [code, ch] : channels_) {
    engine_.cancel(ch.wait_timer);
    engine_.cancel(ch.heartbeat_timer);
    for (auto& [id, p] : ch.pending) engine_.cancel(p.timeout);
  }
}

const UnitRecord* UnitDirectory::find(const std::string& device_code) const {
  auto it = units_.find(device_code);
  return it == units_.end() ? nullptr : &it->second;
}

UnitRecord* UnitDirectory::find_mutable(const std::string& device_code) {
  auto it = units_.find(device_code);
  return it == units_.end() ? nullptr : &it->second;
}

std::vector<const UnitRecord*> UnitDirectory::all() const {
  std::vector<const UnitRecord*> out;
  for (const auto& [code, u] : units_) out.push_back(&u);
  return out;
}

UnitRecord& UnitDirectory::ensure(const std::string& device_code) {
  UnitRecord& u = units_[device_code];
  u.device_code = device_code;
  return u;
}

bool UnitDirectory::online(const std::string& device_code) const {
  const UnitRecord* u = find(device_code);
  return u != nullptr && u->online;
}

void UnitDirectory::notify(const UnitRecord& unit) {
  for (const auto& fn : changed_observers_) fn(unit);
}

void UnitDirectory::set_online(UnitRecord& unit, bool online) {
  if (unit.online == online) return;
  unit.online = online;
  events_.emit(online ? "cloud.unit_online" : "cloud.unit_offline",
               {{"device_code", unit.device_code}});
  notify(unit);
}

void UnitDirectory::heartbeat(const std::string& device_code) {
  UnitRecord& u = units_.at(device_code);
  u.last_heartbeat = engine_.now();
  Channel& ch = channels_[device_code];
  engine_.cancel(ch.heartbeat_timer);
  // docs/unit-channel.md: a unit that misses 3 heartbeats is offline for the cloud.
  ch.heartbeat_timer =
      engine_.after(options_.heartbeat_interval * options_.missed_heartbeats, [this, device_code] {
        Channel& c = channels_[device_code];
        c.heartbeat_timer = 0;
        set_online(units_.at(device_code), false);
        fail_all(c, "deviceOffline", "the unit stopped sending heartbeats");
        if (c.waiting) {
          auto respond = std::move(c.waiting);
          c.waiting = nullptr;
          engine_.cancel(c.wait_timer);
          c.parked.release();
          respond(json_reply(200, {{"commands", nlohmann::json::array()}}));
        }
      });
  set_online(u, true);
}

Result<UnitDirectory::Hello> UnitDirectory::hello(const nlohmann::json& body) {
  auto dc_text = required_string(body, "device_code", 32);
  if (!dc_text) return dc_text.error();
  auto dc = normalize_device_code(*dc_text);
  if (!dc)
    return make_error(
        "invalid_field",
        fmt::format("'device_code' must be 10 digits (a hyphen allowed), not '{}'", *dc_text));
  auto model = required_string(body, "model", 16);
  if (!model) return model.error();
  if (aiseg2::find_model(*model) == nullptr)
    return make_error("unknown_model",
                      fmt::format("'{}' is not an AiSEG2 model: MKN704, MKN705 or MKN713 (DOMAIN "
                                  "R2)",
                                  *model));
  auto firmware = required_string(body, "firmware", 64);
  if (!firmware) return firmware.error();
  auto password = optional_string(body, "access_password", 64);
  if (!password) return password.error();

  UnitRecord& u = ensure(*dc);
  u.model = *model;
  u.firmware = *firmware;
  // DOMAIN R32: the factory access password is the device code's 10 digits.
  u.access_password = password->value_or(*dc);
  Channel& ch = channels_[*dc];
  // A new hello replaces the earlier session: its parked poll is told so, and
  // commands it fetched but never answered are lost with the reboot.
  if (!ch.session.empty()) sessions_.erase(ch.session);
  if (ch.waiting) {
    auto respond = std::move(ch.waiting);
    ch.waiting = nullptr;
    engine_.cancel(ch.wait_timer);
    ch.parked.release();
    respond(api_error(401, "session_unknown", "this session was replaced by a new hello"));
  }
  std::vector<std::string> lost;
  for (auto& [id, p] : ch.pending)
    if (p.delivered) lost.push_back(id);
  for (const auto& id : lost) {
    auto node = ch.pending.extract(id);
    engine_.cancel(node.mapped().timeout);
    node.mapped().done(make_error("timeout", "the unit restarted before answering the command"));
  }
  std::string session;
  do {
    session = fmt::format("us-{:016x}", engine_.rng()());
  } while (sessions_.contains(session));
  ch.session = session;
  sessions_[session] = *dc;
  events_.emit("cloud.unit_hello",
               {{"device_code", *dc}, {"model", u.model}, {"firmware", u.firmware}});
  heartbeat(*dc);
  notify(u);
  return Hello{session};
}

std::optional<std::string> UnitDirectory::session_unit(std::string_view session) const {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

Status UnitDirectory::apply_state(const std::string& device_code, const nlohmann::json& body) {
  UnitRecord next = units_.at(device_code);
  try {
    if (body.contains("firmware")) next.firmware = body.at("firmware").get<std::string>();
    if (body.contains("access_password"))
      next.access_password = body.at("access_password").get<std::string>();
    if (body.contains("server_service")) {
      const auto& s = body.at("server_service");
      const bool registered = s.at("registered").get<bool>();
      const int epoch = s.value("history_epoch", 0);
      // The unit reports its own registration (R54 on its screens); a registration
      // made by the app stays when the unit has not caught up yet.
      if (registered) {
        next.server.registered = true;
        next.server.confirmation_code = s.value("confirmation_code", next.server.confirmation_code);
        if (s.contains("household") && !s.at("household").is_null())
          next.server.household = household_from(s.at("household"));
        if (epoch > next.server.history_epoch) next.server.history_epoch = epoch;
        next.server.confirmed = true;
      }
    }
    if (body.contains("appliances")) next.appliances = appliances_from(body.at("appliances"));
    if (body.contains("lighting_scenes")) {
      next.lighting_scenes.clear();
      for (const auto& s : body.at("lighting_scenes"))
        next.lighting_scenes.push_back({s.at("appliance").get<std::string>(),
                                        s.at("name").get<std::string>(),
                                        s.at("number").get<int>()});
    }
    if (body.contains("voice_scenes")) {
      next.voice_scenes.clear();
      for (const auto& s : body.at("voice_scenes"))
        next.voice_scenes.push_back(
            {s.at("name").get<std::string>(), s.at("appliances").get<std::vector<std::string>>()});
    }
    if (body.contains("link_codes")) {
      std::vector<LinkCodeInfo> codes;
      for (const auto& c : body.at("link_codes")) {
        LinkCodeInfo l{c.at("code").get<std::string>(), c.at("club_id").get<std::string>(),
                       std::chrono::milliseconds(c.at("expires_at_ms").get<std::int64_t>()),
                       c.value("used", false)};
        // A code the cloud consumed stays used until the unit says so itself (R53).
        for (const auto& old : next.link_codes)
          if (old.code == l.code && old.used) l.used = true;
        codes.push_back(std::move(l));
      }
      next.link_codes = std::move(codes);
    }
  } catch (const nlohmann::json::exception& e) {
    return make_error("invalid_field", fmt::format("the state report is malformed: {}", e.what()));
  }
  next.online = units_.at(device_code).online;
  units_.at(device_code) = std::move(next);
  heartbeat(device_code);
  notify(units_.at(device_code));
  return ok_status();
}

void UnitDirectory::send_command(const std::string& device_code, nlohmann::json command,
                                 std::function<void(Result<nlohmann::json>)> done) {
  auto ch = channels_.find(device_code);
  if (!online(device_code) || ch == channels_.end() || ch->second.session.empty()) {
    events_.emit("cloud.command_failed",
                 {{"device_code", device_code}, {"error", "deviceOffline"}});
    done(make_error("deviceOffline",
                    fmt::format("the unit {} is not connected to the cloud", device_code)));
    return;
  }
  const std::string id = fmt::format("c{}", next_command_++);
  command["id"] = id;
  events_.emit("cloud.command", {{"device_code", device_code}, {"command", command}});
  PendingCommand p{id, std::move(command), std::move(done), 0, false};
  // docs/unit-channel.md: not fetched and answered within the timeout -> "timeout".
  p.timeout = engine_.after(options_.command_timeout, [this, device_code, id] {
    Channel& c = channels_[device_code];
    auto it = c.pending.find(id);
    if (it == c.pending.end()) return;
    auto fn = std::move(it->second.done);
    c.pending.erase(it);
    std::erase(c.queue, id);
    events_.emit("cloud.command_failed",
                 {{"device_code", device_code}, {"id", id}, {"error", "timeout"}});
    fn(make_error("timeout", "the unit did not answer within the command timeout"));
  });
  ch->second.pending.emplace(id, std::move(p));
  ch->second.queue.push_back(id);
  flush_poll(ch->second);
}

void UnitDirectory::flush_poll(Channel& ch) {
  if (!ch.waiting || ch.queue.empty()) return;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& id : ch.queue) {
    auto it = ch.pending.find(id);
    if (it == ch.pending.end()) continue;
    it->second.delivered = true;
    list.push_back(it->second.command);
  }
  ch.queue.clear();
  auto respond = std::move(ch.waiting);
  ch.waiting = nullptr;
  engine_.cancel(ch.wait_timer);
  ch.wait_timer = 0;
  ch.parked.release();
  respond(json_reply(200, {{"commands", std::move(list)}}));
}

void UnitDirectory::fail_all(Channel& ch, const std::string& code, const std::string& message) {
  auto pending = std::move(ch.pending);
  ch.pending.clear();
  ch.queue.clear();
  for (auto& [id, p] : pending) {
    engine_.cancel(p.timeout);
    p.done(make_error(code, message));
  }
}

void UnitDirectory::poll(const std::string& device_code, sim::Duration wait,
                         http::Responder respond) {
  Channel& ch = channels_[device_code];
  if (ch.waiting) {  // one poll at a time: the older one ends empty
    auto older = std::move(ch.waiting);
    ch.waiting = nullptr;
    engine_.cancel(ch.wait_timer);
    ch.parked.release();
    older(json_reply(200, {{"commands", nlohmann::json::array()}}));
  }
  ch.waiting = std::move(respond);
  if (!ch.queue.empty() || wait <= sim::Duration::zero()) {
    if (ch.queue.empty()) {
      auto r = std::move(ch.waiting);
      ch.waiting = nullptr;
      r(json_reply(200, {{"commands", nlohmann::json::array()}}));
    } else {
      flush_poll(ch);
    }
    return;
  }
  // Held while simulated time goes on (Engine::park), answered empty after `wait`.
  ch.parked = engine_.park();
  ch.wait_timer = engine_.after(wait, [this, device_code] {
    Channel& c = channels_[device_code];
    c.wait_timer = 0;
    if (!c.waiting) return;
    auto r = std::move(c.waiting);
    c.waiting = nullptr;
    c.parked.release();
    r(json_reply(200, {{"commands", nlohmann::json::array()}}));
  });
}

Status UnitDirectory::complete(const std::string& device_code, const std::string& command_id,
                               const nlohmann::json& result) {
  Channel& ch = channels_[device_code];
  auto it = ch.pending.find(command_id);
  if (it == ch.pending.end())
    return make_error("command_unknown",
                      fmt::format("no command '{}' waits for a result (answered already or timed "
                                  "out)",
                                  command_id));
  auto node = ch.pending.extract(it);
  engine_.cancel(node.mapped().timeout);
  std::erase(ch.queue, command_id);
  events_.emit("cloud.command_result",
               {{"device_code", device_code}, {"id", command_id}, {"result", result}});
  node.mapped().done(result);
  return ok_status();
}

Status UnitDirectory::consume_link_code(const std::string& device_code, const std::string& code,
                                        const std::string& club_id) {
  UnitRecord* u = find_mutable(device_code);
  LinkCodeInfo* found = nullptr;
  if (u != nullptr)
    for (auto& c : u->link_codes)
      if (c.code == code && c.club_id == club_id) found = &c;
  if (found == nullptr)
    return make_error("link_code_invalid",
                      "no such link code for this CLUB ID on this unit: issue one on the unit "
                      "(DOMAIN R53)");
  if (found->used)
    return make_error("link_code_used",
                      "the link code was used already; link codes are single use: issue a new "
                      "one (DOMAIN R53)");
  if (engine_.now() >= found->expires_at)
    return make_error("link_code_expired",
                      "the link code has expired (valid 1 hour): issue a new one on the unit "
                      "(DOMAIN R53)");
  found->used = true;
  events_.emit("cloud.link_code_used", {{"device_code", device_code}, {"club_id", club_id}});
  send_command(device_code, {{"kind", "link_code_used"}, {"code", code}},
               [](Result<nlohmann::json>) {});
  return ok_status();
}

void UnitDirectory::add_routes(ApiRoutes& routes) {
  auto session_of = [this](const http::HttpRequest& req) -> std::optional<std::string> {
    auto token = bearer_token(req);
    if (!token) return std::nullopt;
    return session_unit(*token);
  };
  routes.add("POST", "/v1/unit-channel/hello",
             {"A unit's hello at every boot; replaces its earlier session "
              "(docs/unit-channel.md)",
              "unit-channel",
              {{"device_code", "9999950072"},
               {"model", "MKN704"},
               {"firmware", "Ver.2.97I-03"},
               {"access_password", "9999950072"}},
              {{"session", "us-..."}, {"heartbeat_interval_s", 60}, {"poll_wait_s", 25}},
              {"missing_field", "invalid_field", "unknown_model"}},
             [this](const http::HttpRequest& req) {
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               auto h = hello(*body);
               if (!h) return api_error(h.error());
               return json_reply(200,
                                 {{"session", h->session},
                                  {"heartbeat_interval_s", seconds_of(options_.heartbeat_interval)},
                                  {"poll_wait_s", seconds_of(options_.poll_wait)}});
             });
  routes.add("POST", "/v1/unit-channel/state",
             {"The unit's state: heartbeat and changes (docs/unit-channel.md section 2)",
              "unit-channel",
              {{"firmware", "Ver.2.98A-03"},
               {"appliances",
                {{{"key", "127.10.0.1/0x013001"},
                  {"name", "リビングエアコン"},
                  {"class", "0x0130"},
                  {"online", true},
                  {"state", {{"0x80", "30"}}}}}}},
              {{"ok", true}},
              {"session_unknown", "invalid_field"},
              true},
             [this, session_of](const http::HttpRequest& req) {
               auto dc = session_of(req);
               if (!dc) return api_error(401, "session_unknown", "say hello first", "");
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               if (auto st = apply_state(*dc, *body); !st) return api_error(st.error());
               return json_reply(200, {{"ok", true}});
             });
  routes.add_async(
      "GET", "/v1/unit-channel/commands",
      {"Long poll for commands (?wait_s=0..60): answers when commands wait or after wait_s",
       "unit-channel",
       nullptr,
       {{"commands",
         {{{"id", "c1"},
           {"kind", "set"},
           {"appliance", "127.10.0.1/0x013001"},
           {"sets", nlohmann::json::array({nlohmann::json::array({"0x80", "30"})})}}}}},
       {"session_unknown", "invalid_field"},
       true},
      [this, session_of](const http::HttpRequest& req, http::Responder respond) {
        auto dc = session_of(req);
        if (!dc) return respond(api_error(401, "session_unknown", "say hello first"));
        sim::Duration wait = options_.poll_wait;
        if (auto it = req.query_params.find("wait_s"); it != req.query_params.end()) {
          int s = -1;
          try {
            std::size_t used = 0;
            s = std::stoi(it->second, &used);
            if (used != it->second.size()) s = -1;
          } catch (const std::exception&) {
            s = -1;
          }
          if (s < 0 || s > 60)
            return respond(api_error(400, "invalid_field", "'wait_s' must be 0 to 60 seconds"));
          wait = std::chrono::seconds(s);
        }
        poll(*dc, wait, std::move(respond));
      });
  routes.add("POST", "/v1/unit-channel/commands/{id}/result",
             {"The unit's result of a command (docs/unit-channel.md section 4)",
              "unit-channel",
              {{"ok", true}, {"error", ""}, {"state", {{"0x80", "30"}}}},
              {{"ok", true}},
              {"session_unknown", "command_unknown"},
              true},
             [this, session_of](const http::HttpRequest& req) {
               auto dc = session_of(req);
               if (!dc) return api_error(401, "session_unknown", "say hello first");
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               if (auto st = complete(*dc, req.path_params.at("id"), *body); !st)
                 return api_error(st.error());
               return json_reply(200, {{"ok", true}});
             });
  routes.add("GET", "/v1/units/{device_code}",
             {"What the cloud knows of a unit (admin view for tests and the bench)",
              "admin",
              nullptr,
              {{"device_code", "9999950072"}, {"model", "MKN704"}, {"online", true}},
              {"unknown_unit", "invalid_field"}},
             [this](const http::HttpRequest& req) {
               auto dc = normalize_device_code(req.path_params.at("device_code"));
               if (!dc) return api_error(400, "invalid_field", "a device code is 10 digits");
               const UnitRecord* u = find(*dc);
               if (u == nullptr)
                 return api_error(404, "unknown_unit", "the cloud has never heard of " + *dc);
               return json_reply(200, record_json(*u, false));
             });
  routes.add_async(
      "POST", "/v1/units/{device_code}/commands",
      {"Sends a command to the unit through its long poll and answers with the unit's result "
       "(admin; docs/unit-channel.md section 3)",
       "admin",
       {{"kind", "query"}, {"appliance", "127.10.0.1/0x013001"}},
       {{"result", {{"ok", true}, {"state", {{"0x80", "30"}}}}}},
       {"invalid_field", "deviceOffline", "timeout"}},
      [this](const http::HttpRequest& req, http::Responder respond) {
        auto dc = normalize_device_code(req.path_params.at("device_code"));
        if (!dc) return respond(api_error(400, "invalid_field", "a device code is 10 digits"));
        auto body = json_object_body(req);
        if (!body) return respond(api_error(body.error()));
        auto kind = required_string(*body, "kind", 32);
        if (!kind) return respond(api_error(kind.error()));
        auto parked = std::make_shared<sim::Engine::Parked>(engine_.park());
        send_command(*dc, *body, [respond, parked](Result<nlohmann::json> r) {
          parked->release();
          if (!r) return respond(api_error(r.error()));
          respond(json_reply(200, {{"result", *r}}));
        });
      });
}

nlohmann::json UnitDirectory::snapshot() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [code, u] : units_) {
    nlohmann::json j = record_json(u, true);
    j.erase("online");
    list.push_back(std::move(j));
  }
  return {{"units", list}};
}

Status UnitDirectory::restore(const nlohmann::json& j) {
  try {
    for (const auto& x : j.at("units")) {
      UnitRecord u;
      u.device_code = x.at("device_code");
      u.model = x.at("model");
      u.firmware = x.at("firmware");
      u.access_password = x.at("access_password");
      const auto& s = x.at("server_service");
      u.server.registered = s.at("registered");
      u.server.confirmed = s.at("confirmed");
      u.server.history_epoch = s.at("history_epoch");
      u.server.confirmation_code = s.at("confirmation_code");
      if (!s.at("household").is_null()) u.server.household = household_from(s.at("household"));
      if (!s.at("prices").is_null()) u.server.prices = prices_from(s.at("prices"));
      u.appliances = appliances_from(x.at("appliances"));
      for (const auto& l : x.at("lighting_scenes"))
        u.lighting_scenes.push_back({l.at("appliance"), l.at("name"), l.at("number")});
      for (const auto& v : x.at("voice_scenes"))
        u.voice_scenes.push_back({v.at("name"), v.at("appliances")});
      for (const auto& c : x.at("link_codes"))
        u.link_codes.push_back(
            {c.at("code"), c.at("club_id"),
             std::chrono::milliseconds(c.at("expires_at_ms").get<std::int64_t>()), c.at("used")});
      units_[u.device_code] = std::move(u);
    }
  } catch (const std::exception& e) {
    return make_error("state_failed", std::string("units snapshot: ") + e.what());
  }
  return ok_status();
}

}  // namespace hemsrig::cloud
