#pragma once
#include <chrono>
#include <cstdint>

namespace chat {

/// Wall-clock milliseconds since the Unix epoch (PROTOCOL.md times).
inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace chat
