// The AiSEG2 models the rig simulates, as a data table (DOMAIN R2: the app
// accepts MKN704, MKN705 and MKN713 and nothing else).
//
// Every fact carries a mark saying how well public sources back it
// (AISEG2-FACTS.md): seen (several sources agree), reported (one source),
// unknown (nothing public: the value is the rig's choice, or absent). A
// difference between models that no source shows is written "unknown", never
// invented. docs/aiseg2-models.md is render_models_markdown()'s output; a unit
// test keeps the two equal.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

enum class Mark { Seen, Reported, Unknown };
std::string_view to_string(Mark m);

// A value and how well it is known. When mark == Unknown, `value` is the
// rig's own choice (documented in `source`) or empty.
template <typename T>
struct Marked {
  T value{};
  Mark mark = Mark::Unknown;
  std::string_view source;
};

// Kept history of measured values (vendor literature).
struct HistoryRetention {
  int half_hourly_days = 0;  // 30-minute values
  double daily_years = 0;    // daily values ("about 1.3 years")
  int monthly_years = 0;     // monthly values
};

struct ModelInfo {
  std::string_view name;  // "MKN704"
  // MKN705 has no built-in monitor: its screens are reached from a PC or
  // phone browser (DOMAIN, actors table).
  Marked<bool> has_monitor;
  // Firmware versions public sources show on this model (AISEG2-FACTS,
  // Settings). Empty and Unknown when none is tied to the model.
  Marked<std::vector<std::string_view>> firmware_seen;
  Marked<std::optional<int>> max_measured_circuits;
  Marked<std::optional<HistoryRetention>> history_retention;
  Marked<std::optional<int>> max_surplus_sale_kw;
  // Same web pages, paths and JSON as the other models.
  Marked<bool> same_web_interface;
  // Whether the unit answers an ECHONET Lite multicast Get of 0xD6 (as
  // controller node 0x05FF). Unknown on every model; the rig answers.
  Marked<bool> answers_echonet_discovery;
  // Wireless interfaces (Wi-Fi, Wi-SUN/920 MHz, ...): nothing public per model.
  Marked<std::string_view> radios;
  // Long-run behaviour reported by users.
  Marked<std::string_view> long_run_stability;
};

// The three models, in name order.
std::span<const ModelInfo> models();

// nullptr for anything but MKN704, MKN705, MKN713 (exact, upper case).
const ModelInfo* find_model(std::string_view name);

// Like find_model, but an unknown name is an Error (code "unknown_model")
// that lists the supported models and cites DOMAIN R2.
Result<const ModelInfo*> require_model(std::string_view name);

// Firmware versions public sources show without saying on which model.
std::span<const std::string_view> firmware_seen_model_unstated();

// One row of the rendered table: a field's label and, per model, the value as
// text ("38", "unknown", "no") and its mark.
struct FactCell {
  std::string text;
  Mark mark = Mark::Unknown;
  std::string_view source;
};
struct FactRow {
  std::string_view field;
  std::vector<FactCell> cells;  // one per models() entry, same order
};
std::vector<FactRow> fact_rows();

// The page docs/aiseg2-models.md: the table with marks, legend and sources.
std::string render_models_markdown();

}  // namespace hemsrig::aiseg2
