// MockCloud: the vendor's cloud as a real, stateful HTTP service (issue 4):
// CLUB ID accounts, mail and SMS outboxes, the unit directory and the unit
// channel, the server service, the app back end and firmware distribution,
// all on one Router behind one HttpServer, documented at /openapi.json.
// Other parts (the speaker link, Google fulfilment) join through
// add_service(). With a state dir every service's snapshot lives in
// <dir>/cloud.sqlite, restored at start and saved after each request that
// changed it. Single-threaded (the engine's thread); destroy before the Engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "devices/cloud/api.hpp"
#include "devices/cloud/app_backend.hpp"
#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "devices/cloud/club_id.hpp"
#include "devices/cloud/firmware_distribution.hpp"
#include "devices/cloud/outbox.hpp"
#include "devices/cloud/server_service.hpp"
#include "devices/cloud/unit_directory.hpp"
#include "sim/core/engine.hpp"
#include "sim/http/http_server.hpp"

namespace hemsrig::cloud {

class CloudStore;

struct CloudOptions {
  ClubIdOptions club_id;
  UnitDirectoryOptions units;
  AppBackendOptions app;
  std::string state_dir;  // empty: state in memory only
  http::HttpServerOptions server;
};

class MockCloud {
 public:
  MockCloud(sim::Engine& engine, CloudOptions options = {});
  ~MockCloud();
  MockCloud(const MockCloud&) = delete;
  MockCloud& operator=(const MockCloud&) = delete;

  // Opens the state (SQLite with a state dir) and restores every service
  // added so far; services added later restore as they are added.
  // Errors: "state_failed". Called by listen() if not called before.
  Status open_state();
  // Starts serving. Port 0 picks a free port.
  Status listen(const std::string& address, std::uint16_t port);
  void stop();
  // "http://127.0.0.1:PORT", or https:// with HttpServerOptions::tls; empty before listen.
  std::string url() const { return url_; }

  // Adds a service's routes and restores its snapshot; the service must outlive the cloud.
  Status add_service(CloudService& service);
  // Saves every service whose snapshot changed (done after each request when a state dir is set).
  void save_state();

  sim::Engine& engine() { return engine_; }
  http::Router& router() { return router_; }
  ApiRoutes& routes() { return routes_; }
  ClubIdService& club_ids() { return *club_ids_; }
  UnitDirectory& units() { return *units_; }
  Outbox& outbox() { return *outbox_; }
  ServerService& server_service() { return *server_service_; }
  AppBackend& app() { return *app_; }
  FirmwareDistribution& firmware() { return *firmware_; }
  CloudEvents& events() { return events_; }
  void on_event(CloudEvents::Observer observer) { events_.subscribe(std::move(observer)); }
  // The OpenAPI 3 document served at /openapi.json.
  nlohmann::ordered_json openapi() const { return routes_.openapi(); }
  const http::HttpServer* server() const { return server_.get(); }

 private:
  void dispatch(const http::HttpRequest& request, http::Responder respond);

  sim::Engine& engine_;
  CloudOptions options_;
  CloudEvents events_;
  http::Router router_;
  ApiRoutes routes_{router_};
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<ClubIdService> club_ids_;
  std::unique_ptr<UnitDirectory> units_;
  std::unique_ptr<FirmwareDistribution> firmware_;
  std::unique_ptr<ServerService> server_service_;
  std::unique_ptr<AppBackend> app_;
  std::vector<CloudService*> services_;
  std::map<std::string, std::string> saved_;  // service -> last snapshot written
  std::unique_ptr<CloudStore> store_;
  bool state_open_ = false;
  std::unique_ptr<http::HttpServer> server_;
  std::string url_;
};

}  // namespace hemsrig::cloud
