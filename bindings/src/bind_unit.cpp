// hemsrig.Unit and its parts: firmware (DOMAIN R10-R13), the server-service
// screens (R50-R54), link codes (R53), the registry and name lint (R65),
// lighting scenes and voice scenes (R70-R73), power and the LAN (R30/R31).
// Every refusal becomes hemsrig.Refused with the rule its message cites.
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "errors.hpp"
#include "handles.hpp"

namespace hemsrig::py {

namespace pyb = pybind11;
using namespace pybind11::literals;

namespace {

pyb::bytes as_bytes(const std::vector<std::uint8_t>& v) {
  return pyb::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

echonet::Bytes to_edt(const pyb::handle& value) {
  if (pyb::isinstance<pyb::int_>(value)) {
    const int v = value.cast<int>();
    if (v < 0 || v > 255) throw pyb::value_error("a one-byte value must be 0..255");
    return {static_cast<std::uint8_t>(v)};
  }
  const std::string s = value.cast<std::string>();  // bytes
  return echonet::Bytes(s.begin(), s.end());
}

pyb::dict property_dict(const aiseg2::PropertyValues& values) {
  pyb::dict d;
  for (const auto& [epc, edt] : values) d[pyb::int_(epc)] = as_bytes(edt);
  return d;
}

aiseg2::Button parse_button(const std::string& text) {
  using B = aiseg2::Button;
  static const std::vector<std::pair<std::string, B>> names = {
      {"decide", B::Decide},
      {"ok", B::Ok},
      {"next", B::Next},
      {"back", B::Back},
      {"agree_and_next", B::AgreeAndNext},
      {"continue", B::Continue},
      {"finish", B::Finish},
      {"registration_status", B::RegistrationStatus},
      {"new_registration", B::NewRegistration},
      {"app_settings", B::AppSettings},
      {"speaker_settings", B::SpeakerSettings},
      {"issue_link_code", B::IssueLinkCode},
  };
  std::string known;
  for (const auto& [name, b] : names) {
    if (text == name || text == aiseg2::label(b)) return b;
    known += (known.empty() ? "" : ", ") + name;
  }
  throw pyb::value_error("no button '" + text + "' (a label as shown, or one of: " + known + ")");
}

aiseg2::HouseholdInfo household(const pyb::kwargs& kw) {
  static const std::vector<std::string> allowed = {"prefecture",     "region",   "municipality",
                                                   "household_size", "building", "energy"};
  for (const auto& [k, v] : kw) {
    const auto key = k.cast<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      throw pyb::type_error("enter_household() got an unexpected field '" + key + "'");
    }
  }
  aiseg2::HouseholdInfo h;
  auto text = [&](const char* name) {
    return kw.contains(name) && !kw[name].is_none() ? kw[name].cast<std::string>() : std::string{};
  };
  h.prefecture = text("prefecture");
  h.region = text("region");
  h.municipality = text("municipality");
  if (kw.contains("household_size") && !kw["household_size"].is_none()) {
    h.household_size = kw["household_size"].cast<int>();
  }
  const std::string building = text("building");
  if (building == "detached" || building == "戸建て") h.building = aiseg2::BuildingType::Detached;
  if (building == "apartment" || building == "集合住宅")
    h.building = aiseg2::BuildingType::Apartment;
  if (!building.empty() && !h.building)
    throw pyb::value_error("building: 'detached' or 'apartment'");
  const std::string energy = text("energy");
  if (energy == "electricity_only" || energy == "電気のみ")
    h.energy = aiseg2::Energy::ElectricityOnly;
  if (energy == "electricity_and_gas" || energy == "電気・ガス併用") {
    h.energy = aiseg2::Energy::ElectricityAndGas;
  }
  if (!energy.empty() && !h.energy) {
    throw pyb::value_error("energy: 'electricity_only' or 'electricity_and_gas'");
  }
  return h;
}

std::string screen_repr(const aiseg2::Screen& s) {
  std::string r = "<Screen " + std::string(aiseg2::to_string(s.id)) + " '" + s.title + "'";
  if (!s.buttons.empty()) {
    r += " buttons=[";
    for (std::size_t i = 0; i < s.buttons.size(); ++i) r += (i ? ", " : "") + s.buttons[i];
    r += "]";
  }
  return r + ">";
}

aiseg2::VoiceScene voice_scene(UnitRef& u, const std::string& name, const pyb::dict& entries) {
  aiseg2::VoiceScene scene;
  scene.name = name;
  for (const auto& [k, v] : entries) {
    aiseg2::VoiceSceneEntry entry;
    entry.appliance_key = u.world->appliance_key(*u.unit, k.cast<std::string>());
    if (pyb::isinstance<pyb::str>(v)) {
      entry.control = aiseg2::LightingSceneControl{v.cast<std::string>()};
    } else {
      aiseg2::PropertySets sets;
      for (const auto& [epc, edt] : v.cast<pyb::dict>()) {
        sets.emplace_back(epc.cast<std::uint8_t>(), to_edt(edt));
      }
      entry.control = std::move(sets);
    }
    scene.entries.push_back(std::move(entry));
  }
  return scene;
}

}  // namespace

aiseg2::ApplianceKey registered_key(aiseg2::Unit& unit, const std::string& text) {
  for (const auto* a : unit.registry().all()) {
    if (aiseg2::to_string(a->key) == text) return a->key;
  }
  raise_not_found("no appliance " + text + " registered on unit " + unit.options().id);
}

void bind_unit(pyb::module_& m) {
  pyb::class_<aiseg2::Screen>(m, "Screen", "What the unit's server-service screen shows")
      .def_property_readonly(
          "id", [](const aiseg2::Screen& s) { return std::string(aiseg2::to_string(s.id)); })
      .def_readonly("title", &aiseg2::Screen::title)
      .def_readonly("clock", &aiseg2::Screen::clock)
      .def_readonly("breadcrumb", &aiseg2::Screen::breadcrumb)
      .def_readonly("lines", &aiseg2::Screen::lines)
      .def_readonly("buttons", &aiseg2::Screen::buttons)
      .def_readonly("fields", &aiseg2::Screen::fields)
      .def("__repr__", &screen_repr);

  pyb::class_<aiseg2::LinkCode>(m, "LinkCode", "A link code the unit issued (DOMAIN R53)")
      .def_readonly("code", &aiseg2::LinkCode::code)
      .def_readonly("club_id", &aiseg2::LinkCode::club_id)
      .def_property_readonly("issued_at",
                             [](const aiseg2::LinkCode& c) { return sim::to_seconds(c.issued_at); })
      .def_property_readonly(
          "expires_at", [](const aiseg2::LinkCode& c) { return sim::to_seconds(c.expires_at); })
      .def("__repr__", [](const aiseg2::LinkCode& c) {
        return "<LinkCode " + c.code + " for " + c.club_id + ">";
      });

  pyb::class_<aiseg2::RegisteredAppliance>(m, "RegisteredAppliance",
                                           "An appliance as the unit knows it")
      .def_property_readonly(
          "key", [](const aiseg2::RegisteredAppliance& a) { return aiseg2::to_string(a.key); })
      .def_readonly("name", &aiseg2::RegisteredAppliance::name)
      .def_readonly("class_code", &aiseg2::RegisteredAppliance::class_code)
      .def_readonly("online", &aiseg2::RegisteredAppliance::online)
      .def_property_readonly(
          "state", [](const aiseg2::RegisteredAppliance& a) { return property_dict(a.state); })
      .def("__repr__", [](const aiseg2::RegisteredAppliance& a) {
        return fmt::format("<RegisteredAppliance {} '{}' 0x{:04X}>", aiseg2::to_string(a.key),
                           a.name, a.class_code);
      });

  pyb::class_<aiseg2::RegistryWarning>(m, "NameWarning",
                                       "A name a smart speaker may stumble on (DOMAIN R65)")
      .def_property_readonly(
          "key", [](const aiseg2::RegistryWarning& w) { return aiseg2::to_string(w.key); })
      .def_property_readonly("code",
                             [](const aiseg2::RegistryWarning& w) { return w.warning.code; })
      .def_property_readonly("name",
                             [](const aiseg2::RegistryWarning& w) { return w.warning.name; })
      .def_property_readonly("message",
                             [](const aiseg2::RegistryWarning& w) { return w.warning.message; })
      .def("__repr__", [](const aiseg2::RegistryWarning& w) {
        return "<NameWarning " + w.warning.code + " '" + w.warning.name + "'>";
      });

  pyb::class_<aiseg2::LightingScene>(m, "LightingScene")
      .def_readonly("name", &aiseg2::LightingScene::name)
      .def_readonly("appliance", &aiseg2::LightingScene::appliance_key)
      .def_readonly("number", &aiseg2::LightingScene::scene_number);

  pyb::class_<aiseg2::EntryResult>(m, "SceneEntryResult")
      .def_readonly("appliance", &aiseg2::EntryResult::appliance_key)
      .def_property_readonly(
          "status",
          [](const aiseg2::EntryResult& e) { return std::string(aiseg2::to_string(e.status)); })
      .def_readonly("error", &aiseg2::EntryResult::error)
      .def_readonly("state", &aiseg2::EntryResult::state)
      .def_property_readonly("sets", [](const aiseg2::EntryResult& e) {
        pyb::list out;
        for (const auto& [epc, edt] : e.sets) out.append(pyb::make_tuple(epc, as_bytes(edt)));
        return out;
      });

  pyb::class_<aiseg2::SceneRun>(m, "SceneRun", "The outcome of a voice scene run (DOMAIN R70, R74)")
      .def_readonly("scene", &aiseg2::SceneRun::scene)
      .def_property_readonly("started",
                             [](const aiseg2::SceneRun& r) { return sim::to_seconds(r.started); })
      .def_property_readonly("finished",
                             [](const aiseg2::SceneRun& r) { return sim::to_seconds(r.finished); })
      .def_readonly("entries", &aiseg2::SceneRun::entries)
      .def_property_readonly("all_ok", &aiseg2::SceneRun::all_ok);

  pyb::class_<FirmwareRef>(m, "Firmware", "The unit's firmware update (DOMAIN R10-R13)")
      .def_property_readonly(
          "state",
          [](FirmwareRef& f) { return std::string(aiseg2::to_string(f.unit->firmware().state())); })
      .def_property_readonly("version",
                             [](FirmwareRef& f) { return f.unit->firmware().running_version(); })
      .def_property_readonly("available",
                             [](FirmwareRef& f) -> std::optional<std::string> {
                               const auto& a = f.unit->firmware().available();
                               if (!a) return std::nullopt;
                               return a->version;
                             })
      .def_property_readonly("release_notes",
                             [](FirmwareRef& f) {
                               const auto& a = f.unit->firmware().available();
                               return a ? a->release_notes : std::string{};
                             })
      .def_property_readonly("screen", [](FirmwareRef& f) { return f.unit->firmware().screen(); })
      .def_property_readonly("last_failure",
                             [](FirmwareRef& f) { return f.unit->firmware().last_failure(); })
      .def("check",
           [](FirmwareRef& f) {
             check_refused(f.unit->firmware().check());
             f.world->raise_kept();
           })
      .def("install",
           [](FirmwareRef& f) {
             check_refused(f.unit->firmware().install());
             f.world->raise_kept();
           })
      .def("acknowledge", [](FirmwareRef& f) { check_refused(f.unit->firmware().acknowledge()); })
      .def("recover", [](FirmwareRef& f) { check_refused(f.unit->firmware().recover()); })
      .def_property_readonly("events", [](FirmwareRef& f) {
        std::vector<Event> out;
        for (const auto& e : f.world->events()) {
          if (e.source == "firmware" && e.unit == f.unit->options().id) out.push_back(e);
        }
        return out;
      });

  pyb::class_<ServerServiceRef>(m, "ServerService",
                                "The unit's server-service screens (DOMAIN R50-R54)")
      .def("open", [](ServerServiceRef& s) { return s.unit->server_service().open(); })
      .def("close", [](ServerServiceRef& s) { return s.unit->server_service().close(); })
      .def("show", [](ServerServiceRef& s) { return s.unit->server_service().show(); })
      .def(
          "enter_device_code",
          [](ServerServiceRef& s, const std::string& typed) {
            return take_refused(s.unit->server_service().enter_device_code(typed));
          },
          "typed"_a)
      .def(
          "press",
          [](ServerServiceRef& s, const std::string& button) {
            return take_refused(s.unit->server_service().press(parse_button(button)));
          },
          "button"_a, "A button by its label (次へ) or name (next)")
      .def(
          "enter_confirmation_code",
          [](ServerServiceRef& s, const std::string& typed) {
            return take_refused(s.unit->server_service().enter_confirmation_code(typed));
          },
          "typed"_a)
      .def(
          "enter_household",
          [](ServerServiceRef& s, const pyb::kwargs& kw) {
            return take_refused(s.unit->server_service().enter_household(household(kw)));
          },
          "prefecture, region, municipality, household_size, building ('detached'/'apartment'), "
          "energy ('electricity_only'/'electricity_and_gas')")
      .def(
          "issue_link_code",
          [](ServerServiceRef& s, const std::string& club_id) {
            return take_refused(s.unit->server_service().issue_link_code(club_id));
          },
          "club_id"_a)
      .def_property_readonly(
          "current",
          [](ServerServiceRef& s) {
            return std::string(aiseg2::to_string(s.unit->server_service().current()));
          })
      .def_property_readonly(
          "registered", [](ServerServiceRef& s) { return s.unit->server_service().registered(); });

  pyb::class_<LinkCodesRef>(m, "LinkCodes", "The unit's link codes (DOMAIN R53)")
      .def(
          "consume",
          [](LinkCodesRef& l, const std::string& code, std::optional<std::string> club_id) {
            auto& book = l.unit->server_service().link_codes();
            return take_refused(club_id ? book.consume(code, *club_id) : book.consume(code));
          },
          "code"_a, "club_id"_a = pyb::none())
      .def(
          "live_code",
          [](LinkCodesRef& l, const std::string& club_id) {
            return l.unit->server_service().link_codes().live_code(club_id);
          },
          "club_id"_a);

  pyb::class_<LightingScenesRef>(m, "LightingScenes", "The unit's lighting scenes (for DOMAIN R73)")
      .def(
          "add",
          [](LightingScenesRef& l, const std::string& name, const std::string& appliance,
             int number) {
            if (number < 0 || number > 255) throw pyb::value_error("number: 1..253");
            check_refused(l.unit->lighting_scenes().add(
                aiseg2::LightingScene{name, l.world->appliance_key(*l.unit, appliance),
                                      static_cast<std::uint8_t>(number)}));
          },
          "name"_a, "appliance"_a, "number"_a)
      .def(
          "remove",
          [](LightingScenesRef& l, const std::string& appliance, const std::string& name) {
            check_refused(
                l.unit->lighting_scenes().remove(l.world->appliance_key(*l.unit, appliance), name));
          },
          "appliance"_a, "name"_a)
      .def("all", [](LightingScenesRef& l) { return l.unit->lighting_scenes().all(); });

  pyb::class_<VoiceScenesRef>(m, "VoiceScenes", "The unit's voice scenes (DOMAIN R70-R73)")
      .def(
          "add",
          [](VoiceScenesRef& v, const std::string& name, const pyb::dict& entries) {
            check_refused(v.unit->voice_scenes().add(voice_scene(v, name, entries)));
          },
          "name"_a, "entries"_a,
          "entries: {appliance: lighting-scene name (advanced lighting) or {epc: bytes}}")
      .def(
          "remove",
          [](VoiceScenesRef& v, const std::string& name) {
            check_refused(v.unit->voice_scenes().remove(name));
          },
          "name"_a)
      .def_property_readonly("names",
                             [](VoiceScenesRef& v) {
                               std::vector<std::string> out;
                               for (const auto& s : v.unit->voice_scenes().all())
                                 out.push_back(s.name);
                               return out;
                             })
      .def(
          "run",
          [](VoiceScenesRef& v, const std::string& name, const pyb::handle& timeout) {
            auto result = std::make_shared<std::optional<aiseg2::SceneRun>>();
            check_refused(v.unit->run_voice_scene(
                name, [result](aiseg2::SceneRun r) { *result = std::move(r); }));
            v.world->run_until_native([result] { return result->has_value(); },
                                      to_duration(timeout));
            if (!*result)
              raise_error(
                  make_error("timeout", "voice scene '" + name + "' did not finish in time"));
            return **result;
          },
          "name"_a, "timeout"_a = 60.0, "Runs the scene (the simulation runs until it finished).");

  pyb::class_<UnitRef>(m, "Unit", "A simulated AiSEG2 unit")
      .def_property_readonly("id", [](UnitRef& u) { return u.unit->options().id; })
      .def_property_readonly("model", [](UnitRef& u) { return std::string(u.unit->model().name); })
      .def_property_readonly("device_code",
                             [](UnitRef& u) { return u.unit->device_code().printed(); })
      .def_property_readonly("powered", [](UnitRef& u) { return u.unit->powered(); })
      .def_property_readonly("up", [](UnitRef& u) { return u.unit->up(); })
      .def_property_readonly("web_url", [](UnitRef& u) { return u.unit->web_url(); })
      .def("power_on",
           [](UnitRef& u) {
             if (auto st = u.unit->power_on(); !st) raise_error(st.error());
             u.world->raise_kept();
           })
      .def("power_off",
           [](UnitRef& u) {
             u.unit->power_off();
             u.world->raise_kept();
           })
      .def("power_cycle",
           [](UnitRef& u) {
             u.unit->power_off();
             if (auto st = u.unit->power_on(); !st) raise_error(st.error());
             u.world->raise_kept();
           })
      .def_property(
          "on_lan", [](UnitRef& u) { return u.unit->options().on_lan; },
          [](UnitRef& u, bool on) { u.unit->set_on_lan(on); })
      .def_property_readonly("firmware", [](UnitRef& u) { return FirmwareRef{u}; })
      .def_property_readonly("server_service", [](UnitRef& u) { return ServerServiceRef{u}; })
      .def_property_readonly("link_codes", [](UnitRef& u) { return LinkCodesRef{u}; })
      .def_property_readonly("lighting_scenes", [](UnitRef& u) { return LightingScenesRef{u}; })
      .def_property_readonly("voice_scenes", [](UnitRef& u) { return VoiceScenesRef{u}; })
      .def(
          "appliances",
          [](UnitRef& u) {
            std::vector<aiseg2::RegisteredAppliance> out;
            for (const auto* a : u.unit->registry().all()) out.push_back(*a);
            return out;
          },
          "The appliances registered on the unit, in registration order")
      .def(
          "appliance_key",
          [](UnitRef& u, const std::string& ref) { return u.world->appliance_key(*u.unit, ref); },
          "appliance"_a)
      .def(
          "rename",
          [](UnitRef& u, const std::string& appliance, const std::string& name) {
            const auto key = registered_key(*u.unit, u.world->appliance_key(*u.unit, appliance));
            check_refused(u.unit->registry().rename(key, name));
            u.unit->cloud_state_changed();
          },
          "appliance"_a, "name"_a)
      .def(
          "lint", [](UnitRef& u) { return u.unit->registry().lint(); },
          "DOMAIN R65 warnings for the names")
      .def(
          "control",
          [](UnitRef& u, const std::string& appliance, int epc, const pyb::handle& value,
             const pyb::handle& timeout) {
            if (epc < 0x80 || epc > 0xFF) throw pyb::value_error("epc: 0x80..0xFF");
            const auto key = registered_key(*u.unit, u.world->appliance_key(*u.unit, appliance));
            auto result = std::make_shared<std::optional<aiseg2::ControlResult>>();
            u.unit->controller().control(key, static_cast<std::uint8_t>(epc), to_edt(value),
                                         [result](const aiseg2::ControlResult& r) { *result = r; });
            u.world->run_until_native([result] { return result->has_value(); },
                                      to_duration(timeout));
            if (!*result) raise_error(make_error("timeout", "no answer to the control in time"));
            const auto& r = **result;
            return pyb::dict("outcome"_a = std::string(aiseg2::to_string(r.outcome)),
                             "attempts"_a = r.attempts, "echoed"_a = as_bytes(r.echoed),
                             "state_after"_a = property_dict(r.state_after));
          },
          "appliance"_a, "epc"_a, "value"_a, "timeout"_a = 30.0,
          "SetC through the unit's ECHONET Lite controller; runs until the answer")
      .def(
          "on_event",
          [](UnitRef& u, pyb::function cb, std::optional<std::string> source) {
            return u.world->subscribe(std::move(cb), u.unit->options().id, source.value_or(""));
          },
          "callback"_a, pyb::kw_only(), "source"_a = pyb::none())
      .def_property_readonly("history_epoch", [](UnitRef& u) { return u.unit->history_epoch(); })
      .def("__repr__", [](UnitRef& u) {
        return "<Unit " + u.unit->options().id + " " + std::string(u.unit->model().name) + " " +
               u.unit->firmware().running_version() + ">";
      });
}

}  // namespace hemsrig::py
