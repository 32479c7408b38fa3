// How the rig's Error values cross into Python: one C++ exception (RigError)
// carries the kind, the Error code, the DOMAIN rule the message cites and,
// for world files, every file:line:col diagnostic; one translator raises the
// matching class of hemsrig.errors (Refused, WorldFileError, NotFound,
// HemsrigError). Errors are converted here once, at the edge (STYLE.md).
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "rig/world/yaml_reader.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::py {

struct RigError : std::exception {
  enum class Kind { Error, Refused, WorldFile, NotFound };
  Kind kind = Kind::Error;
  std::string code;
  std::string message;
  std::optional<std::string> rule;           // Refused: the rule, when known beside the message
  std::vector<rig::Diagnostic> diagnostics;  // WorldFile only
  const char* what() const noexcept override { return message.c_str(); }
};

// "R72" when the message cites "DOMAIN R72" (the first rule cited), else nullopt.
std::optional<std::string> rule_of(const std::string& message);

// A domain action said no: hemsrig.Refused(rule, code, message).
[[noreturn]] void raise_refused(const Error& e);
// The same with the rule the refusing side named (the cloud's error.rule);
// empty: the rule the message cites.
[[noreturn]] void raise_refused(const Error& e, const std::string& rule);
// Anything else that failed (a world that cannot start): hemsrig.HemsrigError.
[[noreturn]] void raise_error(const Error& e);
// An id that names nothing: hemsrig.NotFound (also a KeyError).
[[noreturn]] void raise_not_found(std::string message);
// A world or scenario file with errors: hemsrig.WorldFileError.
[[noreturn]] void raise_world_file(const std::vector<rig::Diagnostic>& diagnostics);

inline void check_refused(const Status& st) {
  if (!st) raise_refused(st.error());
}
template <typename T>
T take_refused(Result<T> r) {
  if (!r) raise_refused(r.error());
  return std::move(r).value();
}

void register_errors(pybind11::module_& m);

}  // namespace hemsrig::py
