// UnitWebSite: the simulated AiSEG2 unit's local web face (its pages and script calls).
//
// It registers its routes on a Router and makes itself that router's guard: HTTP Digest on
// every path (AISEG2-FACTS, seen), except /description.xml, which SSDP discovery tools fetch
// without credentials. Pages render from the UnitWebState it holds, which the unit keeps
// current through state(); controls go to the UnitWebActions it is given. Visiting a settings
// page puts the panel in setting mode until /page/myhome/9 is fetched (AISEG2-FACTS, reported):
// setting_mode() says so. Single-threaded (the engine's thread), like the server that calls it.
#pragma once

#include <functional>
#include <string>

#include "devices/aiseg2/web/unit_web_actions.hpp"
#include "devices/aiseg2/web/unit_web_state.hpp"
#include "sim/core/time.hpp"
#include "sim/http/digest_auth.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::aiseg2 {

struct UnitWebSiteOptions {
  http::DigestAuthOptions auth;  // realm "AiSEG", user "aiseg", nonce seed
  // The unit's access password (R32), asked on every request so it may change at run time.
  std::function<std::string()> password;
  // Time for nonce ageing (Engine::now); empty: nonces age out by count only.
  std::function<sim::Time()> clock;
  // URLBase of description.xml when a request carries no Host header ("http://127.0.0.5/").
  std::string url_base;
};

class UnitWebSite {
 public:
  UnitWebSite(UnitWebState state, UnitWebSiteOptions options, UnitWebActions* actions = nullptr);
  UnitWebSite(const UnitWebSite&) = delete;
  UnitWebSite& operator=(const UnitWebSite&) = delete;

  // Adds the routes and sets the router's guard to this site's digest auth. The site must
  // outlive the router's use.
  void install(http::Router& router);

  UnitWebState& state() { return state_; }
  const UnitWebState& state() const { return state_; }
  void set_actions(UnitWebActions* actions) { actions_ = actions; }
  bool setting_mode() const { return setting_mode_; }
  http::DigestAuth& auth() { return auth_; }

  // The script-call handlers, public so tests can call them without auth or sockets.
  http::HttpResponse handle_lighting_change(const http::HttpRequest& request);
  http::HttpResponse handle_lighting_check(const http::HttpRequest& request);

 private:
  http::HttpResponse page(std::string body);
  http::HttpResponse setting_page(std::string body);

  UnitWebState state_;
  UnitWebSiteOptions options_;
  UnitWebActions* actions_;
  http::DigestAuth auth_;
  bool setting_mode_ = false;
  int last_list_page_ = 1;  // the "oldPage" argument of init(...) on the appliance list
};

}  // namespace hemsrig::aiseg2
