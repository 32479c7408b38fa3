#include "devices/aiseg2/sqlite_history_store.hpp"

#include <sqlite3.h>

namespace hemsrig::aiseg2 {

Result<std::unique_ptr<SqliteHistoryStore>> SqliteHistoryStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error("history_store", "cannot open " + path + ": " + msg);
  }
  char* err = nullptr;
  if (sqlite3_exec(db,
                   "PRAGMA journal_mode=WAL;"
                   "CREATE TABLE IF NOT EXISTS readings (at_ns INTEGER NOT NULL, series TEXT NOT "
                   "NULL, kwh REAL NOT NULL);"
                   "CREATE INDEX IF NOT EXISTS readings_at ON readings(at_ns);",
                   nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db);
    return make_error("history_store", path + ": " + msg);
  }
  return std::unique_ptr<SqliteHistoryStore>(new SqliteHistoryStore(db));
}

SqliteHistoryStore::~SqliteHistoryStore() {
  sqlite3_close(db_);
}

void SqliteHistoryStore::append(const HistorySlot& slot) {
  const auto at =
      std::chrono::duration_cast<std::chrono::nanoseconds>(slot.at.time_since_epoch()).count();
  sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "INSERT INTO readings (at_ns, series, kwh) VALUES (?, ?, ?)", -1, &st,
                     nullptr);
  for (const auto& [series, kwh] : slot.kwh) {
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_text(st, 2, series.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 3, kwh);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  // A slot without readings still marks that the unit measured then.
  if (slot.kwh.empty()) {
    sqlite3_prepare_v2(db_, "INSERT INTO readings (at_ns, series, kwh) VALUES (?, '', 0)", -1, &st,
                       nullptr);
    sqlite3_bind_int64(st, 1, at);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
}

std::vector<HistorySlot> SqliteHistoryStore::slots() const {
  std::vector<HistorySlot> out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT at_ns, series, kwh FROM readings ORDER BY at_ns, rowid", -1, &st,
                     nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const sim::CalendarTime at{std::chrono::duration_cast<sim::CalendarTime::duration>(
        std::chrono::nanoseconds{sqlite3_column_int64(st, 0)})};
    if (out.empty() || out.back().at != at) out.push_back(HistorySlot{at, {}});
    const auto* series = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    if (series != nullptr && *series != '\0') out.back().kwh[series] = sqlite3_column_double(st, 2);
  }
  sqlite3_finalize(st);
  return out;
}

void SqliteHistoryStore::wipe() {
  sqlite3_exec(db_, "DELETE FROM readings", nullptr, nullptr, nullptr);
}

}  // namespace hemsrig::aiseg2
