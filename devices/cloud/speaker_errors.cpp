#include "devices/cloud/speaker_errors.hpp"

namespace hemsrig::cloud {

const std::vector<ErrorCode>& speaker_error_codes() {
  static const std::vector<ErrorCode> codes = {
      {"speaker_unit_not_in_use", 409, "R60",
       "the ID's app has no unit, or the unit's server service is not registered"},
      {"speaker_qr_invalid", 409, "R60",
       "the QR code is not that of a unit whose server service is registered"},
      {"speaker_no_appliances", 422, "R60",
       "the unit has no appliance voice can control, or none was chosen"},
      {"speaker_user_limit", 409, "R61", "4 CLUB IDs already use the speakers of this unit"},
      {"speaker_already_registered", 409, "R61", "this CLUB ID already uses the speaker service"},
      {"google_account_already_linked", 409, "R61",
       "this CLUB ID is linked with another Google account"},
      {"speaker_registration_missing", 409, "R62", "no speaker registration at this step"},
      {"speaker_step_order", 409, "R62", "a step of R62 was skipped or repeated"},
      {"speaker_not_linked", 409, "R62", "the Google account is not linked yet"},
      {"speaker_terms_declined", 422, "R62", "the speaker terms were not accepted"},
      {"appliance_unknown", 404, "R62", "the unit has no registered appliance with that key"},
      {"appliance_not_voice_capable", 422, "R60",
       "the appliance's class is not offered to voice control"},
  };
  return codes;
}

http::HttpResponse speaker_error(const Error& error) {
  for (const ErrorCode& c : speaker_error_codes()) {
    if (c.code == error.code) return api_error(c.status, c.code, error.message, c.rule);
  }
  return api_error(error, 400);
}

}  // namespace hemsrig::cloud
