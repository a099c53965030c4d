#pragma once
// Timeouts for a busy actor's requests without CAF's clock. In CAF 0.17 a
// request with a timeout books an event on the clock thread (waking it), and
// the event fires and sends the requester a message even when the answer
// came long before: two wake-ups and an extra message per request. A
// session sends a request per chat message, so it sends them without a
// timeout and keeps its own deadlines, swept by one tick a second while any
// request is open.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <unordered_map>
#include <utility>

namespace chat {

class request_deadlines {
public:
  using clock = std::chrono::steady_clock;
  using id = std::uint64_t;

  /// How often the owner should call sweep() while requests are open.
  static constexpr std::chrono::seconds sweep_interval{1};

  /// Registers a request that fails through `on_timeout` unless settled by
  /// `deadline`. Deadlines must not decrease from one call to the next (one
  /// timeout for every request), so they expire in the order added.
  id add(clock::time_point deadline, std::function<void()> on_timeout) {
    const id request = next_++;
    waiting_.emplace(request, std::move(on_timeout));
    order_.emplace_back(deadline, request);
    return request;
  }

  /// The answer to `request` arrived: true if it was still waiting (act on
  /// the answer), false if it already timed out (drop the answer).
  bool settle(id request) {
    if (waiting_.erase(request) == 0)
      return false;
    // Answers mostly come in order: forget settled requests at the front.
    while (!order_.empty() && waiting_.find(order_.front().second) == waiting_.end())
      order_.pop_front();
    return true;
  }

  /// Fails every request past its deadline; true while requests remain.
  bool sweep(clock::time_point now) {
    while (!order_.empty() && order_.front().first <= now) {
      auto it = waiting_.find(order_.front().second);
      order_.pop_front();
      if (it == waiting_.end())
        continue;
      auto on_timeout = std::move(it->second);
      waiting_.erase(it);
      on_timeout();
    }
    ticking_ = !waiting_.empty();
    return ticking_;
  }

  /// True once per quiet spell: the caller should schedule the first sweep.
  bool start_ticking() {
    if (ticking_)
      return false;
    ticking_ = true;
    return true;
  }

  std::size_t open() const noexcept { return waiting_.size(); }

private:
  id next_ = 1;
  bool ticking_ = false;
  std::deque<std::pair<clock::time_point, id>> order_;
  std::unordered_map<id, std::function<void()>> waiting_;
};

} // namespace chat
