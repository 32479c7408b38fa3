// The documented error codes of the speaker link service (DOMAIN R60-R66) and
// how they answer over HTTP: the cloud's usual body
// {"error":{"code","message","rule"}} with the status and rule of the table
// below; codes the core services define (bad_json, missing_field, ...) keep
// theirs (api.hpp). docs/google-smart-home.md lists them.
#pragma once

#include <vector>

#include "devices/cloud/api.hpp"

namespace hemsrig::cloud {

const std::vector<ErrorCode>& speaker_error_codes();
http::HttpResponse speaker_error(const Error& error);

}  // namespace hemsrig::cloud
