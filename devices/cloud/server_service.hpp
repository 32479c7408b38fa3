// ServerService: the cloud side of the server service (サーバーサービス, DOMAIN
// R35-R37, R50-R54): registration of a unit by device code with household
// settings (R35, every field required and checked), optional price settings
// (R36: yen with at most 2 decimals), a 6-digit confirmation code (R37) that
// must be typed back (R54), registration status (R52), and re-registration
// that overwrites the unit's accumulated data (R50: a new history epoch).
// Registrations the unit reports over the unit channel land in the same record.
#pragma once

#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "devices/cloud/club_id.hpp"
#include "devices/cloud/unit_directory.hpp"

namespace hemsrig::cloud {

// R35: household settings from a JSON object; Error "invalid_field"/"missing_field".
Result<Household> parse_household(const nlohmann::json& body);
// R36: prices from a JSON object; Error "price_precision" for "12.345".
Result<Prices> parse_prices(const nlohmann::json& body);
nlohmann::json to_json(const Household& h);
nlohmann::json to_json(const Prices& p);

class ServerService : public CloudService {
 public:
  ServerService(sim::Engine& engine, UnitDirectory& units, ClubIdService& club_ids,
                CloudEvents& events)
      : engine_(engine), units_(units), club_ids_(club_ids), events_(events) {}

  // R37/R50: registers (or with `overwrite` re-registers) the unit; returns the
  // new confirmation code. Errors "already_registered" (R50: without overwrite).
  Result<std::string> register_unit(const std::string& device_code, Household household,
                                    bool overwrite);
  // R54: Errors "wrong_confirmation_code", "not_registered".
  Status confirm(const std::string& device_code, const std::string& code);
  // R37: a new confirmation code for a registered unit.
  Result<std::string> renew_code(const std::string& device_code);

  std::string_view name() const override { return "server_service"; }
  void add_routes(ApiRoutes& routes) override;

 private:
  std::string new_code();

  sim::Engine& engine_;
  UnitDirectory& units_;
  ClubIdService& club_ids_;
  CloudEvents& events_;
};

}  // namespace hemsrig::cloud
