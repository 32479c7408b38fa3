// CloudService: one part of the mock cloud (CLUB ID, the outbox, the app back
// end, the speaker link, ...). MockCloud::add_service adds its routes and,
// with a state dir, restores its snapshot at start and saves it after every
// request that changed it, so a restarted rig keeps accounts and links.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "devices/cloud/api.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::cloud {

class CloudService {
 public:
  virtual ~CloudService() = default;
  virtual std::string_view name() const = 0;  // key of its snapshot: "club_id"
  virtual void add_routes(ApiRoutes& routes) = 0;
  // The state to persist as JSON (null: nothing to persist), and its restore.
  virtual nlohmann::json snapshot() const { return nullptr; }
  virtual Status restore(const nlohmann::json& /*snapshot*/) { return ok_status(); }
};

}  // namespace hemsrig::cloud
