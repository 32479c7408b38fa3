// CloudStore: the mock cloud's state on disk for `serve --state DIR`: one
// SQLite file (<dir>/cloud.sqlite) holding one JSON snapshot per service
// (club_id, units, app, ...), so a restarted rig keeps its accounts. SQLite
// is embedded: nothing to install or run beside the rig.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sim/core/result.hpp"

struct sqlite3;

namespace hemsrig::cloud {

class CloudStore {
 public:
  // Creates the directory and the file if needed. Errors: "state_failed".
  static Result<std::unique_ptr<CloudStore>> open(const std::string& dir);
  ~CloudStore();
  CloudStore(const CloudStore&) = delete;
  CloudStore& operator=(const CloudStore&) = delete;

  std::optional<std::string> load(const std::string& service) const;
  Status save(const std::string& service, const std::string& json);
  const std::string& path() const { return path_; }

 private:
  CloudStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace hemsrig::cloud
