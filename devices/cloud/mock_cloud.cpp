#include "devices/cloud/mock_cloud.hpp"

#include <fmt/format.h>

#include "devices/cloud/cloud_store.hpp"

namespace hemsrig::cloud {

MockCloud::MockCloud(sim::Engine& engine, CloudOptions options)
    : engine_(engine), options_(std::move(options)) {
  outbox_ = std::make_unique<Outbox>(engine_, events_);
  club_ids_ = std::make_unique<ClubIdService>(
      engine_, *outbox_, events_, [this] { return url_; }, options_.club_id);
  units_ = std::make_unique<UnitDirectory>(engine_, events_, options_.units);
  firmware_ = std::make_unique<FirmwareDistribution>();
  server_service_ = std::make_unique<ServerService>(engine_, *units_, *club_ids_, events_);
  app_ =
      std::make_unique<AppBackend>(engine_, *club_ids_, *units_, *firmware_, events_, options_.app);
  routes_.add("GET", "/openapi.json",
              {"This document: the cloud's whole JSON API as OpenAPI 3",
               "meta",
               nullptr,
               {{"openapi", "3.0.3"}},
               {}},
              [this](const http::HttpRequest&) {
                auto res = http::HttpResponse::json(routes_.openapi().dump(2));
                return res;
              });
  for (CloudService* s :
       std::initializer_list<CloudService*>{outbox_.get(), club_ids_.get(), units_.get(),
                                            firmware_.get(), server_service_.get(), app_.get()}) {
    s->add_routes(routes_);
    services_.push_back(s);
  }
}

MockCloud::~MockCloud() {
  stop();
}

Status MockCloud::open_state() {
  if (state_open_) return ok_status();
  state_open_ = true;
  if (options_.state_dir.empty()) return ok_status();
  auto store = CloudStore::open(options_.state_dir);
  if (!store) return store.error();
  store_ = std::move(*store);
  for (CloudService* s : services_) {
    const std::string name(s->name());
    auto text = store_->load(name);
    if (!text) continue;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded())
      return make_error("state_failed",
                        fmt::format("{}: the {} snapshot is not JSON", store_->path(), name));
    if (auto st = s->restore(j); !st)
      return make_error("state_failed", fmt::format("{}: {}", store_->path(), st.error().message));
    saved_[name] = *text;
  }
  events_.emit("cloud.state_restored", {{"path", store_->path()}});
  return ok_status();
}

Status MockCloud::add_service(CloudService& service) {
  service.add_routes(routes_);
  services_.push_back(&service);
  if (!store_) return ok_status();
  const std::string name(service.name());
  auto text = store_->load(name);
  if (!text) return ok_status();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded())
    return make_error("state_failed", fmt::format("the {} snapshot is not JSON", name));
  if (auto st = service.restore(j); !st) return st;
  saved_[name] = *text;
  return ok_status();
}

void MockCloud::save_state() {
  if (!store_) return;
  for (CloudService* s : services_) {
    const nlohmann::json snap = s->snapshot();
    if (snap.is_null()) continue;
    const std::string name(s->name());
    std::string text = snap.dump();
    auto it = saved_.find(name);
    if (it != saved_.end() && it->second == text) continue;
    if (auto st = store_->save(name, text); !st) {
      events_.emit("cloud.state_save_failed", {{"service", name}, {"error", st.error().message}});
      continue;
    }
    saved_[name] = std::move(text);
  }
}

void MockCloud::dispatch(const http::HttpRequest& request, http::Responder respond) {
  // With a state dir, whatever a request changed is saved once it is answered
  // (GETs too: following a verification link changes the account, R21).
  router_.dispatch_async(request, [this, respond](http::HttpResponse r) {
    respond(std::move(r));
    if (store_) save_state();
  });
}

Status MockCloud::listen(const std::string& address, std::uint16_t port) {
  if (auto st = open_state(); !st) return st;
  if (!server_)
    server_ = std::make_unique<http::HttpServer>(
        engine_, http::AsyncHandler([this](const http::HttpRequest& r, http::Responder respond) {
          dispatch(r, std::move(respond));
        }),
        options_.server);
  auto ep = server_->listen(address, port);
  if (!ep) return ep.error();
  const std::string host = ep->address().is_v6() ? "[" + address + "]" : address;
  url_ = fmt::format("{}://{}:{}", server_->tls() ? "https" : "http", host, ep->port());
  events_.emit("cloud.listening", {{"url", url_}});
  return ok_status();
}

void MockCloud::stop() {
  if (server_) server_->stop();
  save_state();
}

}  // namespace hemsrig::cloud
