# Precompiled headers: Boost.Asio/Beast, nlohmann/json, yaml-cpp and fmt are
# parsed once per target instead of once per file, which is most of a cold
# build's time on two cores (CI). HEMSRIG_PCH=OFF builds without them.
option(HEMSRIG_PCH "Precompile the heavy third-party headers" ON)

set(HEMSRIG_PCH_HEADERS
  <algorithm> <chrono> <cstdint> <functional> <map> <memory> <optional> <set> <string>
  <string_view> <unordered_map> <utility> <variant> <vector>
  <boost/asio/io_context.hpp> <boost/asio/ip/tcp.hpp> <boost/asio/ip/udp.hpp>
  <boost/asio/steady_timer.hpp> <boost/beast/core.hpp> <boost/beast/http.hpp>
  <fmt/format.h> <nlohmann/json.hpp> <yaml-cpp/yaml.h>)

# hemsrig_precompile(TARGET [EXTRA_HEADERS...])
function(hemsrig_precompile target)
  if(HEMSRIG_PCH)
    target_precompile_headers(${target} PRIVATE ${HEMSRIG_PCH_HEADERS} ${ARGN})
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # Inside a precompiled header GCC 12 no longer treats the standard library as a system
      # header, so its known false positives on std::string at -O2 would fail -Werror builds.
      target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overflow
                                               -Wno-stringop-overread)
    endif()
  endif()
endfunction()
