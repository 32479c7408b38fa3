// The unit's energy history on disk: what `serve --state DIR` keeps when the
// rig itself restarts.
#include "devices/aiseg2/sqlite_history_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace hemsrig;
using namespace hemsrig::aiseg2;

namespace {

TEST(SqliteHistoryStore, KeepsSlotsAcrossReopeningAndWipesOnDemand) {
  const std::string path =
      ::testing::TempDir() + "/history_" + std::to_string(::getpid()) + ".sqlite";
  std::filesystem::remove(path);
  const sim::CalendarTime t0{std::chrono::seconds{1780239600}};
  {
    auto store = SqliteHistoryStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    (*store)->append(HistorySlot{t0, {{"purchase", 1200.5}, {"sale", 300.25}}});
    (*store)->append(
        HistorySlot{t0 + std::chrono::minutes(30), {{"purchase", 1200.9}, {"sale", 300.25}}});
  }
  auto again = SqliteHistoryStore::open(path);
  ASSERT_TRUE(again.ok());
  const auto slots = (*again)->slots();
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0].at, t0);
  EXPECT_DOUBLE_EQ(slots[1].kwh.at("purchase"), 1200.9);
  EXPECT_EQ(slots[1].at - slots[0].at, std::chrono::minutes(30));
  (*again)->wipe();  // DOMAIN R50
  EXPECT_TRUE((*again)->slots().empty());
  std::filesystem::remove(path);
}

TEST(SqliteHistoryStore, AnUnwritablePlaceIsAClearError) {
  auto store = SqliteHistoryStore::open("/nonexistent-dir/x/history.sqlite");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "history_store");
  EXPECT_NE(store.error().message.find("/nonexistent-dir/x/history.sqlite"), std::string::npos);
}

}  // namespace
