#pragma once
// A log-linear latency histogram (the HdrHistogram layout, fixed precision):
// values below 128 have a bucket each; above, every power of two is split
// into 64 equal buckets, so a reported percentile is at most 1/64 (1.6 %)
// above the true sample. Recording is a few instructions and allocation-free;
// one histogram per thread, merged at the end.
#include <array>
#include <cstdint>

namespace chatbench {

class histogram {
public:
  static constexpr unsigned linear_limit = 128;  ///< values below get exact buckets
  static constexpr unsigned sub_buckets = 64;    ///< per power of two above
  static constexpr std::size_t bucket_count = linear_limit + (64 - 7) * sub_buckets;

  void record(std::uint64_t value) noexcept;
  void merge(const histogram& other) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept;

  /// The smallest recorded-bucket bound v such that at least p % of the
  /// samples are <= v (p in [0, 100]); within [min(), max()]; 0 when empty.
  std::uint64_t percentile(double p) const noexcept;

  static std::size_t bucket_of(std::uint64_t value) noexcept;
  static std::uint64_t bucket_upper(std::size_t index) noexcept;  ///< largest value in the bucket

private:
  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

} // namespace chatbench
