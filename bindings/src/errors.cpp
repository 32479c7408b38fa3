#include "errors.hpp"

#include <regex>

namespace hemsrig::py {

namespace pyb = pybind11;

std::optional<std::string> rule_of(const std::string& message) {
  static const std::regex rule(R"(DOMAIN (R[0-9]+))");
  std::smatch m;
  if (std::regex_search(message, m, rule)) return m[1].str();
  return std::nullopt;
}

namespace {

[[noreturn]] void raise(RigError::Kind kind, std::string code, std::string message) {
  RigError e;
  e.kind = kind;
  e.code = std::move(code);
  e.message = std::move(message);
  throw e;
}

// Builds the Python exception of hemsrig.errors for `e` and sets it as the error.
void set_python_error(const RigError& e) {
  pyb::module_ errors = pyb::module_::import("hemsrig.errors");
  pyb::object cls, exc;
  switch (e.kind) {
    case RigError::Kind::Refused: {
      cls = errors.attr("Refused");
      auto rule = e.rule ? e.rule : rule_of(e.message);
      exc = cls(rule ? pyb::cast(*rule) : pyb::none(), e.code, e.message);
      break;
    }
    case RigError::Kind::WorldFile: {
      cls = errors.attr("WorldFileError");
      pyb::list diagnostics;
      for (const auto& d : e.diagnostics) {
        diagnostics.append(errors.attr("Diagnostic")(d.file, d.line, d.column, d.message));
      }
      exc = cls(e.message, diagnostics);
      break;
    }
    case RigError::Kind::NotFound:
      cls = errors.attr("NotFound");
      exc = cls(e.message, e.code);
      break;
    case RigError::Kind::Error:
      cls = errors.attr("HemsrigError");
      exc = cls(e.message, e.code);
      break;
  }
  PyErr_SetObject(cls.ptr(), exc.ptr());
}

}  // namespace

void raise_refused(const Error& e) {
  raise(RigError::Kind::Refused, e.code, e.message);
}
void raise_refused(const Error& e, const std::string& rule) {
  RigError r;
  r.kind = RigError::Kind::Refused;
  r.code = e.code;
  r.message = e.message;
  if (!rule.empty()) r.rule = rule;
  throw r;
}
void raise_error(const Error& e) {
  raise(RigError::Kind::Error, e.code, e.message);
}
void raise_not_found(std::string message) {
  raise(RigError::Kind::NotFound, "not_found", std::move(message));
}
void raise_world_file(const std::vector<rig::Diagnostic>& diagnostics) {
  RigError e;
  e.kind = RigError::Kind::WorldFile;
  e.code = "world_file";
  for (const auto& d : diagnostics) {
    if (!e.message.empty()) e.message += "\n";
    e.message += d.str();
  }
  if (e.message.empty()) e.message = "the file has errors";
  e.diagnostics = diagnostics;
  throw e;
}

void register_errors(pyb::module_& /*m*/) {
  pyb::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const RigError& e) {
      try {
        set_python_error(e);
      } catch (pyb::error_already_set& import_failed) {
        // hemsrig.errors is missing (the module imported on its own): keep the message.
        PyErr_SetString(PyExc_RuntimeError, e.message.c_str());
      }
    }
  });
}

}  // namespace hemsrig::py
