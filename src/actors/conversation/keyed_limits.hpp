#pragma once
// Token buckets by key (a user, or an inviter/invitee pair), for the limits a
// conversation actor enforces itself: it is the one place, cluster-wide,
// that sees every request to its conversation, whichever node it came through.
#include <string>
#include <unordered_map>

#include "actors/session/rate_limiter.hpp"

namespace chat {

class keyed_limits {
public:
  keyed_limits() = default;
  keyed_limits(double burst, double per_second) : burst_(burst), per_second_(per_second) {}

  /// Takes a token from `key`'s bucket; false (and *retry_after seconds)
  /// when it is empty.
  bool allow(const std::string& key, int* retry_after) {
    if (buckets_.size() >= max_keys)
      buckets_.clear(); // bounded memory; a reset bucket is full, which errs on allowing
    auto& bucket = buckets_.try_emplace(key, burst_, per_second_).first->second;
    if (bucket.allow())
      return true;
    *retry_after = bucket.retry_after();
    return false;
  }

private:
  static constexpr std::size_t max_keys = 10'000;

  double burst_ = 1;
  double per_second_ = 1;
  std::unordered_map<std::string, rate_limiter> buckets_;
};

} // namespace chat
