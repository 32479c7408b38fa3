// Holds the bundled YAML profiles to the ECHONET MRA's latest release: every
// EPC we list exists there with the same access rules and the same data
// (sizes, number format and range, state values), and every EPC the MRA
// requires for a class is in ours. Skips when the shared MRA is absent.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "devices/echonet/profile.hpp"

namespace hemsrig::echonet {
namespace {

namespace fs = std::filesystem;
using Kind = ValueSpec::Kind;

const fs::path kMra = HEMSRIG_SHARED_DIR "/mra";
const char* const kFormats[] = {"int8", "uint8", "int16", "uint16", "int32", "uint32"};

std::string hex(const Bytes& b) {
  std::string s = "0x";
  char buf[3];
  for (auto x : b) {
    std::snprintf(buf, sizeof buf, "%02X", x);
    s += buf;
  }
  return s;
}

// Everything the cross-check compares, as one string, so that a mismatch
// prints both sides readably. Names and descriptions are left out.
std::string signature(const ValueSpec& s) {
  std::ostringstream o;
  o << "[" << s.smallest() << ".." << s.largest() << "]";
  switch (s.kind) {
    case Kind::Number:
      o << "number " << kFormats[static_cast<int>(s.format)] << " " << s.minimum << ".."
        << s.maximum << " step " << s.step << " unit '" << s.unit << "' x" << s.multiple
        << " specials";
      for (auto v : s.specials) o << " " << v;
      break;
    case Kind::State:
    case Kind::NumericValue: {
      // A set: the order only decides the default, which the profile names.
      std::set<std::string> values;
      for (const auto& c : s.choices) {
        values.insert(hex(c.edt) + (c.last.empty() ? "" : ".." + hex(c.last)) +
                      (c.read_only ? " ro" : ""));
      }
      o << (s.kind == Kind::State ? "state {" : "numericValue {");
      for (const auto& v : values) o << " " << v;
      o << " }";
      break;
    }
    case Kind::Level:
      o << "level " << s.base << " x" << s.levels;
      break;
    case Kind::Raw:
      o << "raw";
      break;
    case Kind::Bitmap:
      o << "bitmap";
      break;
    case Kind::Date:
      o << "date";
      break;
    case Kind::Time:
      o << "time maxHour " << s.max_hour;
      break;
    case Kind::DateTime:
      o << "date-time";
      break;
    case Kind::OneOf:
      o << "oneOf(";
      for (const auto& a : s.alternatives) o << " " << signature(a);
      o << " )";
      break;
    case Kind::Object:
      o << "object(";
      for (const auto& f : s.fields) o << " " << signature(f.spec);
      o << " )";
      break;
    case Kind::Array:
      o << "array " << s.item_size << " x " << s.min_items << ".." << s.max_items << " of "
        << (s.item.empty() ? "?" : signature(s.item.front()));
      break;
  }
  return o.str();
}

bool required(Access a) {
  return a == Access::Required || a == Access::RequiredC;
}

class MraCrosscheck : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(kMra / "devices")) {
      GTEST_SKIP() << "MRA not found at " << kMra.string() << "; cross-check skipped";
    }
    auto st = ours_.load_yaml(ProfileLibrary::bundled_dir());
    ASSERT_TRUE(st) << st.error().message;
    st = mra_.load_mra(kMra.string());
    ASSERT_TRUE(st) << st.error().message;
  }

  ProfileLibrary ours_;
  ProfileLibrary mra_;
};

TEST_F(MraCrosscheck, EveryBundledPropertyAgreesWithTheMraLatestRelease) {
  int compared = 0;
  for (const ClassProfile* cls : ours_.all()) {
    const ClassProfile* theirs = mra_.find(cls->class_code);
    if (!theirs) continue;  // a class the MRA does not describe
    // Our class lists may restate super class properties (0x80 for a
    // lighting system); the MRA keeps those in the super class.
    const ClassProfile reference = merged_with_super(mra_, *theirs);
    for (const auto& [epc, prop] : cls->properties) {
      const std::string where = cls->source + " EPC " + hex(Bytes{epc}) + " (" + prop.name + ")";
      const PropertySpec* ref = reference.find(epc);
      if (!ref) {
        ADD_FAILURE() << where << ": the MRA has no such property for class " << theirs->name;
        continue;
      }
      ++compared;
      EXPECT_STREQ(to_string(prop.access.get), to_string(ref->access.get)) << where << ": get";
      EXPECT_STREQ(to_string(prop.access.set), to_string(ref->access.set)) << where << ": set";
      EXPECT_STREQ(to_string(prop.access.anno), to_string(ref->access.anno))
          << where << ": anno (inf)";
      EXPECT_EQ(prop.value.smallest(), ref->value.smallest()) << where;
      EXPECT_EQ(prop.value.largest(), ref->value.largest()) << where;
      EXPECT_EQ(signature(prop.value), signature(ref->value)) << where;
    }
  }
  EXPECT_GT(compared, 100);  // the bundled set is not silently empty
}

TEST_F(MraCrosscheck, EveryMraRequiredPropertyIsBundled) {
  int classes = 0;
  for (const ClassProfile* cls : ours_.all()) {
    const ClassProfile* theirs = mra_.find(cls->class_code);
    if (!theirs) continue;
    ++classes;
    for (const auto& [epc, ref] : theirs->properties) {
      if (!required(ref.access.get) && !required(ref.access.set) && !required(ref.access.anno)) {
        continue;
      }
      EXPECT_NE(cls->find(epc), nullptr)
          << cls->source << " lacks EPC " << hex(Bytes{epc}) << " (" << ref.name
          << "), which the MRA requires (get " << to_string(ref.access.get) << ", set "
          << to_string(ref.access.set) << ", inf " << to_string(ref.access.anno) << ")";
    }
  }
  EXPECT_EQ(classes, 11);
}

}  // namespace
}  // namespace hemsrig::echonet
