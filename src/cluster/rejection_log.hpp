#pragma once
// Keeps the cluster port's rejections from flooding the log (finding 3: a
// flood wrote ~5,000 warnings). The first `detailed` rejections of each
// window are logged one by one (remote address and reason: what an operator
// needs to spot a misconfigured peer); the rest are only counted, and one
// summary per window says how many, why and from where. Pure bookkeeping:
// the gate writes the lines.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace chat::cluster {

class rejection_log {
public:
  using clock = std::chrono::steady_clock;

  struct summary {
    std::size_t left_out = 0;                       ///< rejections not logged one by one
    std::map<std::string, std::size_t> reasons;     ///< of those, by reason
    std::map<std::string, std::size_t> sources;     ///< of those, by remote address
  };

  rejection_log(std::size_t detailed, clock::duration window);

  /// Counts one rejection; true when it should be logged on its own.
  bool note(std::string_view source, std::string_view reason, clock::time_point now);
  /// Once the current window is over: its summary if anything was left out
  /// (and a new window starts). Nothing otherwise.
  std::optional<summary> roll(clock::time_point now);
  /// The current window's summary now, if anything was left out (at shutdown).
  std::optional<summary> take();
  /// True while rejections were left out and await a summary.
  bool summary_due() const { return current_.left_out > 0; }
  /// When the current window ends (a summary may be due then).
  clock::time_point window_end() const { return window_start_ + window_; }

private:
  std::size_t detailed_;
  clock::duration window_;
  clock::time_point window_start_{};
  std::size_t logged_ = 0;
  summary current_;
};

} // namespace chat::cluster
