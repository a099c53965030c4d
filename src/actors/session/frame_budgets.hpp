#pragma once
// What one WebSocket connection may ask of the server: a token bucket per
// client frame kind, and the rule that closes a connection which keeps
// flooding (docs/protocol.md "Rate limits"). Pure: the session actor asks it
// once per frame.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "actors/session/rate_limiter.hpp"

namespace chat {

/// A token bucket's shape: `burst` frames at once, `per_second` sustained.
struct frame_budget {
  double burst = 100;
  double per_second = 100;
};

/// The per-connection limits (cluster.conf keys in parentheses).
struct frame_limits {
  frame_budget send{100, 100};  ///< rate_burst, rate_per_second (chat_settings)
  frame_budget sync{100, 20};   ///< ws_sync_burst, ws_sync_per_second
  frame_budget typing{20, 5};   ///< ws_typing_burst, ws_typing_per_second
  frame_budget read{100, 20};   ///< ws_read_burst, ws_read_per_second
  /// ping, and frames answered with bad_request (unparsable, binary).
  frame_budget ping{256, 50};   ///< ws_ping_burst, ws_ping_per_second
  /// This many refusals within flood_window close the connection (4029).
  std::size_t flood_refusals = 200;                   ///< ws_flood_refusals
  std::chrono::milliseconds flood_window{10'000};     ///< ws_flood_window (seconds)
  std::size_t sync_in_flight = 4; ///< ws_sync_in_flight: history reads outstanding; more wait
};

/// The budget a frame draws from.
enum class frame_kind : std::uint8_t { send, sync, typing, read, ping, count };

class frame_budgets {
public:
  using clock = rate_limiter::clock;

  enum class verdict : std::uint8_t {
    allow,  ///< go ahead
    refuse, ///< over its budget: answer rate_limited (or drop it silently)
    close,  ///< over its budget once too often: close the connection (4029)
  };

  explicit frame_budgets(const frame_limits& limits)
    : flood_refusals_(limits.flood_refusals), flood_window_(limits.flood_window),
      buckets_{make(limits.send), make(limits.sync), make(limits.typing), make(limits.read),
               make(limits.ping)} {}

  verdict take(frame_kind kind, clock::time_point now = clock::now()) {
    if (buckets_[static_cast<std::size_t>(kind)].allow(now))
      return verdict::allow;
    // A fixed window: cheap, and a client that stays over its budget
    // crosses the threshold within one or two windows whatever its phase.
    if (now - window_start_ >= flood_window_) {
      window_start_ = now;
      refusals_ = 0;
    }
    return ++refusals_ >= flood_refusals_ ? verdict::close : verdict::refuse;
  }

private:
  static rate_limiter make(const frame_budget& b) { return rate_limiter{b.burst, b.per_second}; }

  std::size_t flood_refusals_;
  clock::duration flood_window_;
  clock::time_point window_start_{};
  std::size_t refusals_ = 0;
  std::array<rate_limiter, static_cast<std::size_t>(frame_kind::count)> buckets_;
};

} // namespace chat
