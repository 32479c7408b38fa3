// SqliteHistoryStore: the unit's energy history in a SQLite file, so that
// `hemsrig serve` keeps it when the rig itself restarts (the real unit keeps
// it in flash). One row per reading: slot time, series, kWh.
#pragma once

#include <memory>
#include <string>

#include "devices/aiseg2/energy_history.hpp"
#include "sim/core/result.hpp"

struct sqlite3;

namespace hemsrig::aiseg2 {

class SqliteHistoryStore : public HistoryStore {
 public:
  // Opens or creates the file. Errors: "history_store" with SQLite's message.
  static Result<std::unique_ptr<SqliteHistoryStore>> open(const std::string& path);
  ~SqliteHistoryStore() override;
  SqliteHistoryStore(const SqliteHistoryStore&) = delete;
  SqliteHistoryStore& operator=(const SqliteHistoryStore&) = delete;

  void append(const HistorySlot& slot) override;
  std::vector<HistorySlot> slots() const override;
  void wipe() override;

 private:
  explicit SqliteHistoryStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace hemsrig::aiseg2
