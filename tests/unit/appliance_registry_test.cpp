// The unit's appliance registry: names people give, lookup, and the controller's state copy.
#include "devices/aiseg2/appliance_registry.hpp"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace hemsrig;
using namespace hemsrig::aiseg2;
using echonet::Bytes;

namespace {

ApplianceKey key(std::uint8_t host, std::uint32_t eoj) {
  return ApplianceKey{sim::Ipv4({127, 84, 0, host}), echonet::Eoj::from_value(eoj)};
}

TEST(ApplianceRegistry, RegistersRenamesAndRemovesByKey) {
  ApplianceRegistry r;
  auto added = r.add(key(1, 0x013001), "リビングエアコン", 0x0130);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ((*added)->name, "リビングエアコン");
  EXPECT_EQ((*added)->class_code, 0x0130);
  ASSERT_TRUE(r.rename(key(1, 0x013001), "ダイニングエアコン").ok());
  EXPECT_EQ(r.find(key(1, 0x013001))->name, "ダイニングエアコン");
  EXPECT_TRUE(r.find_by_name("リビングエアコン").empty());
  ASSERT_TRUE(r.remove(key(1, 0x013001)).ok());
  EXPECT_EQ(r.find(key(1, 0x013001)), nullptr);
  EXPECT_EQ(r.remove(key(1, 0x013001)).error().code, "not_registered");
  EXPECT_EQ(r.rename(key(1, 0x013001), "x").error().code, "not_registered");
  EXPECT_EQ(r.size(), 0u);
}

TEST(ApplianceRegistry, TheSameObjectOnAnotherNodeIsAnotherAppliance) {
  ApplianceRegistry r;
  ASSERT_TRUE(r.add(key(1, 0x013001), "リビングエアコン", 0x0130).ok());
  ASSERT_TRUE(r.add(key(2, 0x013001), "寝室エアコン", 0x0130).ok());
  ASSERT_TRUE(r.add(key(1, 0x013002), "和室エアコン", 0x0130).ok());
  auto again = r.add(key(1, 0x013001), "別名", 0x0130);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "already_registered");
  EXPECT_NE(again.error().message.find("リビングエアコン"), std::string::npos);
  EXPECT_EQ(r.size(), 3u);
}

TEST(ApplianceRegistry, RefusesNamesItCannotKeepCountingCharactersNotBytes) {
  ApplianceRegistry r;
  EXPECT_EQ(r.add(key(1, 0x013001), "\xE3\x81", 0x0130).error().code, "name_not_utf8");
  EXPECT_EQ(r.add(key(1, 0x013001), " 　", 0x0130).error().code, "name_empty");
  std::string longest;
  for (std::size_t i = 0; i < ApplianceRegistry::kMaxNameChars; ++i) longest += "あ";
  ASSERT_TRUE(r.add(key(1, 0x013001), longest, 0x0130).ok()) << "96 bytes, 32 characters";
  EXPECT_EQ(r.add(key(2, 0x013001), longest + "あ", 0x0130).error().code, "name_too_long");
  EXPECT_EQ(r.rename(key(1, 0x013001), "").error().code, "name_empty");
  EXPECT_EQ(r.find(key(1, 0x013001))->name, longest) << "a refused rename changes nothing";
}

TEST(ApplianceRegistry, NamesAreStoredWithoutSpacesAtTheEnds) {
  ApplianceRegistry r;
  ASSERT_TRUE(r.add(key(1, 0x029001), "　ダウンライト ", 0x0290).ok());
  EXPECT_EQ(r.find(key(1, 0x029001))->name, "ダウンライト");
  EXPECT_EQ(r.find_by_name(" ダウンライト").size(), 1u);
}

TEST(ApplianceRegistry, LookupByNameReturnsEveryApplianceWithThatNameInRegistrationOrder) {
  ApplianceRegistry r;
  ASSERT_TRUE(r.add(key(9, 0x013001), "エアコン", 0x0130).ok());
  ASSERT_TRUE(r.add(key(1, 0x029001), "ダウンライト", 0x0290).ok());
  ASSERT_TRUE(r.add(key(3, 0x013001), "エアコン", 0x0130).ok());
  const auto both = r.find_by_name("エアコン");
  ASSERT_EQ(both.size(), 2u) << "the unit accepts duplicates; R65 lint warns about them";
  EXPECT_EQ(both[0]->key, key(9, 0x013001));
  EXPECT_EQ(both[1]->key, key(3, 0x013001));
  const auto all = r.all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->key, key(9, 0x013001));
  EXPECT_EQ(all[1]->key, key(1, 0x029001));
  EXPECT_EQ(all[2]->key, key(3, 0x013001));
  EXPECT_TRUE(r.find_by_name("照明").empty());
}

TEST(ApplianceRegistry, LintReportsTheManualsBadExamplesByAppliance) {
  // DOMAIN R65: エアコン (with several), 床暖房A, 照明01.
  ApplianceRegistry r;
  ASSERT_TRUE(r.add(key(1, 0x013001), "エアコン", 0x0130).ok());
  ASSERT_TRUE(r.add(key(2, 0x013001), "エアコン", 0x0130).ok());
  ASSERT_TRUE(r.add(key(3, 0x027B01), "床暖房A", 0x027B).ok());
  ASSERT_TRUE(r.add(key(4, 0x029001), "照明01", 0x0290).ok());
  ASSERT_TRUE(r.add(key(5, 0x029001), "ダウンライト", 0x0290).ok());
  std::map<ApplianceKey, std::vector<std::string>> by_key;
  for (const auto& w : r.lint()) by_key[w.key].push_back(w.warning.code);
  using Codes = std::vector<std::string>;
  EXPECT_EQ(by_key[key(1, 0x013001)], (Codes{kNameShared, kNameGeneric}));
  EXPECT_EQ(by_key[key(2, 0x013001)], (Codes{kNameShared, kNameGeneric}));
  EXPECT_EQ(by_key[key(3, 0x027B01)], Codes{kNameHasLatin});
  EXPECT_EQ(by_key[key(4, 0x029001)], Codes{kNameHasDigits});
  EXPECT_FALSE(by_key.contains(key(5, 0x029001)));
  // The renames R65 recommends clear every warning.
  ASSERT_TRUE(r.rename(key(1, 0x013001), "リビングエアコン").ok());
  ASSERT_TRUE(r.rename(key(2, 0x013001), "寝室エアコン").ok());
  ASSERT_TRUE(r.rename(key(3, 0x027B01), "ダイニング床暖房").ok());
  ASSERT_TRUE(r.rename(key(4, 0x029001), "廊下照明").ok());
  EXPECT_TRUE(r.lint().empty());
}

TEST(ApplianceRegistry, ControllerEventsKeepTheStateCopyOfRegisteredAppliancesOnly) {
  ApplianceRegistry r;
  ASSERT_TRUE(r.add(key(1, 0x013001), "リビングエアコン", 0x0130, {{0x80, {0x31}}}).ok());
  ControllerEvent change;
  change.kind = EventKind::StateChanged;
  change.key = key(1, 0x013001);
  change.epc = 0x80;
  change.old_value = {0x31};
  change.new_value = {0x30};
  r.apply(change);
  EXPECT_EQ(r.find(key(1, 0x013001))->state.at(0x80), Bytes{0x30});

  ControllerEvent other = change;
  other.key = key(2, 0x013001);
  r.apply(other);
  EXPECT_EQ(r.find(key(2, 0x013001)), nullptr) << "events never register an appliance";

  ControllerEvent offline;
  offline.kind = EventKind::Offline;
  offline.key = key(1, 0x013001);
  r.apply(offline);
  EXPECT_FALSE(r.find(key(1, 0x013001))->online);

  // An event with the controller's state carries its whole copy.
  ApplianceState state;
  state.key = key(1, 0x013001);
  state.properties = {{0x80, {0x30}}, {0xB3, {24}}};
  state.online = true;
  ControllerEvent ready;
  ready.kind = EventKind::Ready;
  ready.key = state.key;
  ready.state = &state;
  r.apply(ready);
  EXPECT_TRUE(r.find(key(1, 0x013001))->online);
  EXPECT_EQ(r.find(key(1, 0x013001))->state.at(0xB3), Bytes{24});
}

}  // namespace
