// libFuzzer target: the ECHONET Lite frame decoder and the property-map decoder
// on arbitrary bytes. The decoder is strict, so a frame it accepts has exactly
// one encoding: encode(decode(x)) must give x back, and decode that again to an
// equal value. Any mismatch aborts, which libFuzzer reports as a crash.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <span>
#include <string>
#include <variant>

#include "sim/echonet/frame.hpp"
#include "sim/echonet/property_map.hpp"

namespace {

using namespace hemsrig::echonet;

void check_frame(std::span<const std::uint8_t> input) {
  auto decoded = decode(input);
  if (!decoded) {
    static const std::set<std::string> kCodes{"truncated",     "bad_ehd1",    "bad_ehd2",
                                              "unknown_esv",   "pdc_overrun", "opc_overrun",
                                              "trailing_bytes"};
    if (!kCodes.contains(decoded.error().code) || decoded.error().message.empty()) std::abort();
    return;
  }
  const Bytes encoded = std::visit([](const auto& m) { return encode(m); }, *decoded);
  if (!std::equal(encoded.begin(), encoded.end(), input.begin(), input.end())) std::abort();
  auto again = decode(encoded);
  if (!again || *again != *decoded) std::abort();
  if (const auto* frame = std::get_if<Frame>(&*decoded)) {
    if (!check_encodable(*frame)) std::abort();
    if (describe(*frame).empty()) std::abort();
  }
}

void check_property_map(std::span<const std::uint8_t> input) {
  auto decoded = decode_property_map(input);
  if (!decoded) return;
  const Bytes encoded = encode_property_map(*decoded);
  // The list form may come in any order, but never in another length; the
  // bitmap form has one encoding.
  if (encoded.size() != input.size()) std::abort();
  if (decoded->size() >= 16 && !std::equal(encoded.begin(), encoded.end(), input.begin()))
    std::abort();
  auto again = decode_property_map(encoded);
  if (!again || *again != *decoded) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_frame(input);
  check_property_map(input);
  return 0;
}
