// Reading the MRA's data model ("data": number, state, oneOf, $ref, ...) into
// a ValueSpec, and the small JSON accessors the MRA loader shares. Internal to
// the profile code: errors are thrown as MraError (JSON path + message) and
// turned into an Error, naming the file, by ProfileLibrary::load_mra.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "devices/echonet/profile.hpp"

namespace hemsrig::echonet::detail {

struct MraError {
  std::string path;  // JSON pointer into the file ("/elProperties/3/data")
  std::string message;
};

[[noreturn]] void fail(const std::string& path, std::string message);
const nlohmann::json& at(const nlohmann::json& obj, const char* key, const std::string& path);
std::string str(const nlohmann::json& obj, const char* key, const std::string& path);
std::int64_t integer(const nlohmann::json& v, const std::string& path);
std::int64_t integer(const nlohmann::json& obj, const char* key, const std::string& path);
// A hex string field ("0x80"); `size` bytes unless 0.
Bytes hex_field(const nlohmann::json& obj, const char* key, const std::string& path,
                std::size_t size = 0);

// `data` (an MRA "data" object) as a ValueSpec. A "$ref" is replaced by its
// entry in `definitions`, with the referencing object's other keys
// ("coefficient", "overflowCode", ...) laid over it.
ValueSpec mra_data(const nlohmann::json& data, const nlohmann::json& definitions,
                   const std::string& path, int depth = 0);

}  // namespace hemsrig::echonet::detail
