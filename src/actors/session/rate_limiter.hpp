#pragma once
// A token bucket: `burst` requests at once, refilled at `rate` per second.
#include <algorithm>
#include <chrono>

namespace chat {

class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  rate_limiter(double burst, double rate) : burst_(burst), rate_(rate), tokens_(burst) {}

  /// Takes one token; false when none is left.
  bool allow(clock::time_point now = clock::now()) {
    refill(now);
    if (tokens_ < 1.0)
      return false;
    tokens_ -= 1.0;
    return true;
  }

  /// Seconds until a token is available again (for Retry-After), at least 1.
  int retry_after(clock::time_point now = clock::now()) {
    refill(now);
    if (tokens_ >= 1.0 || rate_ <= 0)
      return 1;
    return std::max(1, static_cast<int>((1.0 - tokens_) / rate_ + 0.999));
  }

private:
  void refill(clock::time_point now) {
    if (last_ != clock::time_point{}) {
      std::chrono::duration<double> dt = now - last_;
      tokens_ = std::min(burst_, tokens_ + dt.count() * rate_);
    }
    last_ = now;
  }

  double burst_;
  double rate_;
  double tokens_;
  clock::time_point last_{};
};

} // namespace chat
