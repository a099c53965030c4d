#pragma once
// The node's metrics: fixed, named atomics so that hot paths (a delivery, a
// stored message) pay one relaxed increment, rendered in Prometheus text
// format for GET /metrics. One process is one node, so there is one set.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace chat::metrics {

struct counter {
  std::atomic<std::uint64_t> value{0};
  void inc(std::uint64_t n = 1) noexcept { value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

struct gauge {
  std::atomic<std::int64_t> value{0};
  void add(std::int64_t n) noexcept { value.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) noexcept { value.store(n, std::memory_order_relaxed); }
  std::int64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

/// A Prometheus histogram with fixed upper bounds (the last bucket is +Inf).
template <std::size_t N>
struct histogram {
  std::array<double, N> bounds;
  std::array<std::atomic<std::uint64_t>, N + 1> buckets{};
  std::atomic<std::uint64_t> count{0};
  std::atomic<double> sum{0};

  explicit histogram(std::array<double, N> b) : bounds(b) {}

  void observe(double v) noexcept {
    std::size_t i = 0;
    while (i < N && v > bounds[i])
      ++i;
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
    auto old = sum.load(std::memory_order_relaxed);
    while (!sum.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
    }
  }
};

struct node_metrics {
  counter messages_stored;     ///< messages acknowledged durable
  counter deliveries;          ///< frames handed to a connection's queue by the relay
  counter rate_limited;        ///< sends refused by a rate limit (WebSocket and HTTP)
  counter ws_opened;           ///< WebSocket connections accepted
  counter ws_closed_too_slow;  ///< connections closed (4008) for a full outbound queue
  gauge ws_open;               ///< WebSocket connections open now
  counter http_connections_refused; ///< HTTP connections closed at accept: a cap was reached
  gauge conversations_live;    ///< conversation actors alive
  gauge users_live;            ///< user actors alive
  gauge sessions_live;         ///< session actors alive
  counter cross_node_sends;    ///< messages this node's actors sent to another node's
  /// Seconds per RocksDB write of a group commit (fsync included).
  histogram<11> storage_write_seconds{
    {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25}};
  /// Records (puts and deletes) per group-commit write.
  histogram<11> storage_batch_ops{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}};

  // Replication (docs/replication.md); all zero with replicas = 1.
  counter raft_elections_won;     ///< elections this node's members won
  counter raft_leader_changes;    ///< leader changes its members saw
  counter raft_snapshots_taken;   ///< compaction snapshots
  counter raft_snapshots_sent;    ///< snapshots sent to lagging members
  counter raft_snapshots_installed; ///< snapshots received and installed
  gauge raft_groups_led;          ///< groups this node serves now
  gauge raft_follower_lag;        ///< largest lag (entries) of a follower of a group led here
  /// Seconds from proposing a write to its commit and apply on the leader.
  histogram<11> raft_commit_seconds{
    {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}};

  /// Counts one answered HTTP request by method, route pattern and status.
  void http_request(std::string_view method, std::string_view route, int status);

  /// Prometheus text: everything above, then `extra` (e.g. storage figures).
  std::string render(const std::string& node_id, const std::string& extra = {}) const;
};

/// This process's metrics.
node_metrics& node();

} // namespace chat::metrics
