#include "devices/cloud/cloud_store.hpp"

#include <filesystem>
#include <system_error>

#include <sqlite3.h>

namespace hemsrig::cloud {

Result<std::unique_ptr<CloudStore>> CloudStore::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error("state_failed", "cannot create " + dir + ": " + ec.message());
  const std::string path = dir + "/cloud.sqlite";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error("state_failed", path + ": " + msg);
  }
  char* err = nullptr;
  if (sqlite3_exec(db,
                   "PRAGMA journal_mode=WAL;"
                   "CREATE TABLE IF NOT EXISTS snapshots (service TEXT PRIMARY KEY, json TEXT "
                   "NOT NULL)",
                   nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db);
    return make_error("state_failed", path + ": " + msg);
  }
  return std::unique_ptr<CloudStore>(new CloudStore(db, path));
}

CloudStore::~CloudStore() {
  sqlite3_close(db_);
}

std::optional<std::string> CloudStore::load(const std::string& service) const {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT json FROM snapshots WHERE service = ?", -1, &st, nullptr) !=
      SQLITE_OK)
    return std::nullopt;
  sqlite3_bind_text(st, 1, service.c_str(), -1, SQLITE_TRANSIENT);
  std::optional<std::string> out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    out = text ? std::string(text) : std::string();
  }
  sqlite3_finalize(st);
  return out;
}

Status CloudStore::save(const std::string& service, const std::string& json) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO snapshots (service, json) VALUES (?, ?) ON CONFLICT(service) "
                         "DO UPDATE SET json = excluded.json",
                         -1, &st, nullptr) != SQLITE_OK)
    return make_error("state_failed", sqlite3_errmsg(db_));
  sqlite3_bind_text(st, 1, service.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, json.c_str(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return make_error("state_failed", sqlite3_errmsg(db_));
  return ok_status();
}

}  // namespace hemsrig::cloud
