#pragma once
// Log lines caused by unauthenticated input (malformed requests, failed
// upgrades or TLS handshakes, refused connections) are throttled: a flood
// of bad input must not turn into a flood of log lines. Each kind allows a
// few lines per window; the rest are counted and reported as one line
// ("suppressed": N) when the next window opens.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace chat::net {

class log_throttle {
public:
  /// At most `lines` lines per `window`.
  explicit log_throttle(std::size_t lines = 5,
                        std::chrono::steady_clock::duration window = std::chrono::seconds{10});

  /// Whether to write this line now; when true, *suppressed is the number of
  /// lines dropped since the last one written (to be added as a field).
  bool allow(std::uint64_t* suppressed);

private:
  const std::size_t lines_;
  const std::chrono::steady_clock::duration window_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point window_start_{};
  std::size_t written_ = 0;
  std::uint64_t suppressed_ = 0;
};

} // namespace chat::net

namespace chat::net {

/// Writes `message` (warn, with `reason`) if `throttle` allows it, adding
/// how many similar lines were dropped before it.
void log_throttled(log_throttle& throttle, std::string_view component, std::string_view message,
                   std::string_view reason);

} // namespace chat::net
