#include <catch2/catch.hpp>

#include "histogram.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <random>
#include <vector>

using chatbench::histogram;

TEST_CASE("histogram: empty") {
  histogram h;
  CHECK(h.count() == 0);
  CHECK(h.percentile(50) == 0);
  CHECK(h.max() == 0);
  CHECK(h.min() == 0);
  CHECK(h.mean() == 0);
}

TEST_CASE("histogram: small values are exact") {
  histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v)
    h.record(v);
  CHECK(h.count() == 100);
  CHECK(h.percentile(50) == 50);
  CHECK(h.percentile(99) == 99);
  CHECK(h.percentile(100) == 100);
  CHECK(h.percentile(0) == 1);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100);
  CHECK(h.mean() == Approx(50.5));
}

TEST_CASE("histogram: buckets cover every value, in order, within 1/64") {
  std::size_t prev = 0;
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{0, 1, 127, 128, 129, 255, 256, 1000, 123456789,
                          (std::uint64_t{1} << 40) + 12345, UINT64_MAX}) {
    const auto b = histogram::bucket_of(v);
    REQUIRE(b < histogram::bucket_count);
    CHECK(b >= prev);
    prev = b;
    const auto up = histogram::bucket_upper(b);
    CHECK(up >= v);
    CHECK(static_cast<double>(up - v) <= static_cast<double>(v) / 64.0 + 1);
    if (b > 0)
      CHECK(histogram::bucket_upper(b - 1) < v);
  }
  CHECK(histogram::bucket_of(UINT64_MAX) == histogram::bucket_count - 1);
  CHECK(histogram::bucket_upper(histogram::bucket_count - 1) == UINT64_MAX);
}

TEST_CASE("histogram: percentiles of random latencies are within 1/64 of the exact ones") {
  std::mt19937_64 gen(42);
  std::lognormal_distribution<double> dist(11.0, 1.0);  // ~60 µs median, in ns
  std::vector<std::uint64_t> samples;
  histogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<std::uint64_t>(dist(gen));
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const auto exact = samples[static_cast<std::size_t>(std::ceil(p / 100 * samples.size())) - 1];
    const auto got = h.percentile(p);
    CHECK(got >= exact);
    CHECK(static_cast<double>(got) <= static_cast<double>(exact) * (1 + 1.0 / 64) + 1);
  }
  CHECK(h.max() == samples.back());
  CHECK(h.percentile(100) == samples.back());
}

TEST_CASE("histogram: merge equals recording everything in one") {
  histogram a, b, all;
  for (std::uint64_t v = 0; v < 5000; v += 7) {
    (v % 2 ? a : b).record(v * 1000);
    all.record(v * 1000);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  CHECK(a.mean() == Approx(all.mean()));
  for (double p : {1.0, 50.0, 99.0, 100.0})
    CHECK(a.percentile(p) == all.percentile(p));
  a.reset();
  CHECK(a.count() == 0);
}
