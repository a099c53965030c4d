#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace chatbench {

std::size_t histogram::bucket_of(std::uint64_t value) noexcept {
  if (value < linear_limit)
    return static_cast<std::size_t>(value);
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= 7
  const unsigned shift = msb - 6;                    // keeps 7 significant bits: [64, 127]
  const std::uint64_t sub = value >> shift;
  return linear_limit + (msb - 7) * sub_buckets + static_cast<std::size_t>(sub - sub_buckets);
}

std::uint64_t histogram::bucket_upper(std::size_t index) noexcept {
  if (index < linear_limit)
    return index;
  const std::size_t rel = index - linear_limit;
  const unsigned msb = static_cast<unsigned>(rel / sub_buckets) + 7;
  const unsigned shift = msb - 6;
  const std::uint64_t sub = sub_buckets + rel % sub_buckets;
  const std::uint64_t upper_excl = (sub + 1) << shift;  // may wrap to 0 for the last bucket
  return upper_excl == 0 ? UINT64_MAX : upper_excl - 1;
}

void histogram::record(std::uint64_t value) noexcept {
  ++buckets_[bucket_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void histogram::merge(const histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void histogram::reset() noexcept { *this = histogram{}; }

double histogram::mean() const noexcept {
  return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t histogram::percentile(double p) const noexcept {
  if (count_ == 0)
    return 0;
  p = std::clamp(p, 0.0, 100.0);
  // rank of the sample asked for, 1-based: ceil(p% of count), at least 1
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (seen >= rank)
      return std::clamp(bucket_upper(i), min_, max_);
  }
  return max_;
}

} // namespace chatbench
