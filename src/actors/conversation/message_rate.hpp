#pragma once
// Messages per second over the last ~10 s window, cheap enough to update on
// every append (the admin shell's "hot conversations").
#include <cstdint>

namespace chat {

class message_rate {
public:
  void add(std::int64_t now_ms) {
    roll(now_ms);
    ++count_;
  }

  double per_second(std::int64_t now_ms) {
    roll(now_ms);
    auto elapsed = now_ms - window_start_;
    if (elapsed >= 1000)
      return static_cast<double>(count_) * 1000.0 / static_cast<double>(elapsed);
    return last_rate_;
  }

private:
  static constexpr std::int64_t window_ms = 10'000;

  void roll(std::int64_t now_ms) {
    if (window_start_ == 0)
      window_start_ = now_ms;
    auto elapsed = now_ms - window_start_;
    if (elapsed < window_ms)
      return;
    last_rate_ = elapsed > 2 * window_ms ? 0.0 : static_cast<double>(count_) * 1000.0 / static_cast<double>(elapsed);
    window_start_ = now_ms;
    count_ = 0;
  }

  std::int64_t window_start_ = 0;
  std::uint64_t count_ = 0;
  double last_rate_ = 0;
};

} // namespace chat
