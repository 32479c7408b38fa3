#include "devices/aiseg2/model.hpp"

#include <array>
#include <sstream>

namespace hemsrig::aiseg2 {

namespace {

constexpr std::string_view kActors =
    "DOMAIN.md actors table (from the vendor manual): MKN705 has no built-in monitor";
constexpr std::string_view kActorsOthers =
    "DOMAIN.md actors table: only MKN705 is said to lack a monitor";
constexpr std::string_view kFirmware =
    "AISEG2-FACTS.md Settings (recorded pages, community programs)";
constexpr std::string_view kNoFirmware = "no public source ties a firmware version to this model";
constexpr std::string_view kLiterature = "vendor literature, quoted in AISEG2-FACTS.md Models";
constexpr std::string_view kSamePaths =
    "AISEG2-FACTS.md Models: community programs use the same paths on MKN704 and MKN713";
constexpr std::string_view kSamePathsChoice =
    "no public source shows MKN705's pages; the rig serves the same pages (our choice)";
constexpr std::string_view kDiscovery =
    "AISEG2-FACTS.md ECHONET Lite face: unknown; the rig answers as controller 0x05FF (our "
    "choice, so tests can find it)";
constexpr std::string_view kNoRadios = "no public source lists the radios per model";
constexpr std::string_view kStability =
    "AISEG2-FACTS.md Models: one user's report comparing MKN704 and MKN713";
constexpr std::string_view kNoStability = "no public report";

constexpr HistoryRetention kRetention{94, 1.3, 11};

ModelInfo make(std::string_view name, bool monitor, std::vector<std::string_view> firmware,
               Marked<bool> same_web, Marked<std::string_view> stability) {
  ModelInfo m;
  m.name = name;
  m.has_monitor = {monitor, Mark::Reported, monitor ? kActorsOthers : kActors};
  if (firmware.empty()) {
    m.firmware_seen = {{}, Mark::Unknown, kNoFirmware};
  } else {
    m.firmware_seen = {std::move(firmware), Mark::Seen, kFirmware};
  }
  m.max_measured_circuits = {38, Mark::Reported, kLiterature};
  m.history_retention = {kRetention, Mark::Reported, kLiterature};
  m.max_surplus_sale_kw = {30, Mark::Reported, kLiterature};
  m.same_web_interface = same_web;
  m.answers_echonet_discovery = {true, Mark::Unknown, kDiscovery};
  m.radios = {{}, Mark::Unknown, kNoRadios};
  m.long_run_stability = stability;
  return m;
}

const std::array<ModelInfo, 3>& table() {
  static const std::array<ModelInfo, 3> t{
      make("MKN704", true, {"Ver.2.97I-03"}, {true, Mark::Seen, kSamePaths},
           {"kept answering where an MKN713 stopped", Mark::Reported, kStability}),
      make("MKN705", false, {}, {true, Mark::Unknown, kSamePathsChoice},
           {{}, Mark::Unknown, kNoStability}),
      make("MKN713", true, {"Ver.2.97I-01"}, {true, Mark::Seen, kSamePaths},
           {"stopped answering after long use", Mark::Reported, kStability}),
  };
  return t;
}

constexpr std::array<std::string_view, 4> kUnstated{"Ver.2.97M-03", "Ver.2.90C-03", "Ver.2.82B-03",
                                                    "Ver.2.40Q-01"};

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

template <typename T, typename F>
FactCell cell(const Marked<T>& m, bool has_value, F&& text) {
  FactCell c;
  c.mark = m.mark;
  c.source = m.source;
  if (!has_value) {
    c.text = "unknown";
  } else if (m.mark == Mark::Unknown) {
    c.text = text() + " (rig's choice)";
  } else {
    c.text = text();
  }
  return c;
}

std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += ", ";
    s += x;
  }
  return s;
}

std::string format_retention(const HistoryRetention& r) {
  std::ostringstream os;
  os << "30-min values " << r.half_hourly_days << " days; daily about " << r.daily_years
     << " years; monthly " << r.monthly_years << " years";
  return os.str();
}

}  // namespace

std::string_view to_string(Mark m) {
  switch (m) {
    case Mark::Seen:
      return "seen";
    case Mark::Reported:
      return "reported";
    case Mark::Unknown:
      return "unknown";
  }
  return "unknown";
}

std::span<const ModelInfo> models() {
  return table();
}

const ModelInfo* find_model(std::string_view name) {
  for (const auto& m : table()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Result<const ModelInfo*> require_model(std::string_view name) {
  if (const auto* m = find_model(name)) return m;
  return make_error("unknown_model", "AiSEG2 model '" + std::string(name) +
                                         "' is not supported: only MKN704, MKN705 and MKN713 "
                                         "exist in the rig (DOMAIN R2)");
}

std::span<const std::string_view> firmware_seen_model_unstated() {
  return kUnstated;
}

std::vector<FactRow> fact_rows() {
  std::vector<FactRow> rows;
  auto add = [&](std::string_view field, auto&& make_cell) {
    FactRow r{field, {}};
    for (const auto& m : table()) r.cells.push_back(make_cell(m));
    rows.push_back(std::move(r));
  };
  add("built-in monitor", [](const ModelInfo& m) {
    return cell(m.has_monitor, true, [&] { return yes_no(m.has_monitor.value); });
  });
  add("firmware versions seen", [](const ModelInfo& m) {
    return cell(m.firmware_seen, !m.firmware_seen.value.empty(),
                [&] { return join(m.firmware_seen.value); });
  });
  add("max measured circuits", [](const ModelInfo& m) {
    const auto& f = m.max_measured_circuits;
    return cell(f, f.value.has_value(), [&] { return std::to_string(*f.value); });
  });
  add("history retention", [](const ModelInfo& m) {
    const auto& f = m.history_retention;
    return cell(f, f.value.has_value(), [&] { return format_retention(*f.value); });
  });
  add("surplus-sale measurement up to (kW)", [](const ModelInfo& m) {
    const auto& f = m.max_surplus_sale_kw;
    return cell(f, f.value.has_value(), [&] { return std::to_string(*f.value); });
  });
  add("same web pages as the other models", [](const ModelInfo& m) {
    return cell(m.same_web_interface, true, [&] { return yes_no(m.same_web_interface.value); });
  });
  add("answers ECHONET Lite discovery (0xD6)", [](const ModelInfo& m) {
    return cell(m.answers_echonet_discovery, true,
                [&] { return yes_no(m.answers_echonet_discovery.value); });
  });
  add("radios", [](const ModelInfo& m) {
    return cell(m.radios, !m.radios.value.empty(), [&] { return std::string(m.radios.value); });
  });
  add("long-run stability", [](const ModelInfo& m) {
    const auto& f = m.long_run_stability;
    return cell(f, !f.value.empty(), [&] { return std::string(f.value); });
  });
  return rows;
}

std::string render_models_markdown() {
  std::ostringstream os;
  os << "# AiSEG2 models\n\n"
     << "Generated from `devices/aiseg2/model.cpp` (`render_models_markdown()`); a unit test\n"
     << "keeps this page equal to the table. The rig accepts these three models only\n"
     << "(DOMAIN R2); any other name is refused.\n\n"
     << "Marks (AISEG2-FACTS.md): **seen** several public sources agree; **reported** one\n"
     << "source; **unknown** nothing public: the value is the rig's choice, or \"unknown\".\n\n";
  os << "| field |";
  for (const auto& m : table()) os << ' ' << m.name << " |";
  os << "\n|---|";
  for (std::size_t i = 0; i < table().size(); ++i) os << "---|";
  os << '\n';
  const auto rows = fact_rows();
  for (const auto& r : rows) {
    os << "| " << r.field << " |";
    for (const auto& c : r.cells) {
      if (c.text == "unknown") {
        os << " **unknown** |";
      } else {
        os << ' ' << c.text << " **" << to_string(c.mark) << "** |";
      }
    }
    os << '\n';
  }
  os << "\nFirmware versions seen without a model named: ";
  for (std::size_t i = 0; i < kUnstated.size(); ++i) {
    os << (i ? ", " : "") << '`' << kUnstated[i] << '`';
  }
  os << ".\n\n## Sources\n\n";
  for (const auto& r : rows) {
    os << "- " << r.field << ":";
    std::vector<std::string_view> seen;
    for (std::size_t i = 0; i < r.cells.size(); ++i) {
      const auto src = r.cells[i].source;
      bool dup = false;
      for (auto s : seen) dup = dup || s == src;
      if (dup) continue;
      seen.push_back(src);
      std::string who;
      for (std::size_t j = 0; j < r.cells.size(); ++j) {
        if (r.cells[j].source == src)
          who += (who.empty() ? "" : ", ") + std::string(table()[j].name);
      }
      os << (seen.size() > 1 ? ";" : "") << ' ' << who << ": " << src;
    }
    os << ".\n";
  }
  return os.str();
}

}  // namespace hemsrig::aiseg2
