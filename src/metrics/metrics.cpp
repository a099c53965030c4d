#include "metrics/metrics.hpp"

#include <map>
#include <mutex>
#include <tuple>

namespace chat::metrics {
namespace {

// HTTP is not a hot path: a small map under a mutex is enough, and keeps
// label sets bounded (route patterns, not raw paths).
std::mutex http_mutex;
std::map<std::tuple<std::string, std::string, int>, std::uint64_t> http_counts;

void line(std::string& out, std::string_view name, std::string_view help, std::string_view type,
          const std::string& labels, long long value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += labels;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

template <std::size_t N>
void render_histogram(std::string& out, std::string_view name, std::string_view help,
                      const std::string& node_id, const histogram<N>& h) {
  out += "# HELP " + std::string(name) + ' ' + std::string(help) + "\n# TYPE "
         + std::string(name) + " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= N; ++i) {
    cumulative += h.buckets[i].load(std::memory_order_relaxed);
    std::string le = i < N ? std::to_string(h.bounds[i]) : "+Inf";
    if (i < N) { // trim trailing zeros: 0.000100 -> 0.0001
      le.erase(le.find_last_not_of('0') + 1);
      if (le.back() == '.')
        le.pop_back();
    }
    out += std::string(name) + "_bucket{node=\"" + node_id + "\",le=\"" + le + "\"} "
           + std::to_string(cumulative) + '\n';
  }
  out += std::string(name) + "_sum{node=\"" + node_id + "\"} "
         + std::to_string(h.sum.load(std::memory_order_relaxed)) + '\n';
  out += std::string(name) + "_count{node=\"" + node_id + "\"} "
         + std::to_string(h.count.load(std::memory_order_relaxed)) + '\n';
}

} // namespace

void node_metrics::http_request(std::string_view method, std::string_view route, int status) {
  std::lock_guard guard{http_mutex};
  ++http_counts[{std::string{method}, std::string{route.empty() ? "unmatched" : route}, status}];
}

std::string node_metrics::render(const std::string& node_id, const std::string& extra) const {
  std::string out;
  auto labels = "{node=\"" + node_id + "\"}";
  line(out, "chat_messages_stored_total", "Messages acknowledged as durably stored.", "counter",
       labels, static_cast<long long>(messages_stored.get()));
  line(out, "chat_deliveries_total", "Message and event frames queued to connections.", "counter",
       labels, static_cast<long long>(deliveries.get()));
  line(out, "chat_rate_limited_total", "Sends refused by a rate limit.", "counter", labels,
       static_cast<long long>(rate_limited.get()));
  line(out, "chat_websocket_connections_opened_total", "WebSocket connections accepted.",
       "counter", labels, static_cast<long long>(ws_opened.get()));
  line(out, "chat_websocket_closed_slow_total",
       "WebSocket connections closed because their outbound queue was full.", "counter", labels,
       static_cast<long long>(ws_closed_too_slow.get()));
  line(out, "chat_websocket_connections", "WebSocket connections open.", "gauge", labels,
       ws_open.get());
  line(out, "chat_http_connections_refused_total",
       "HTTP connections closed at accept because a connection cap was reached.", "counter",
       labels, static_cast<long long>(http_connections_refused.get()));
  out += "# HELP chat_actors Live actors by kind.\n# TYPE chat_actors gauge\n";
  for (auto [kind, g] : {std::pair{"conversation", &conversations_live},
                         std::pair{"user", &users_live}, std::pair{"session", &sessions_live}})
    out += "chat_actors{node=\"" + node_id + "\",kind=\"" + kind + "\"} "
           + std::to_string(g->get()) + '\n';
  out += "# HELP chat_http_requests_total HTTP requests answered, by method, route and status.\n"
         "# TYPE chat_http_requests_total counter\n";
  {
    std::lock_guard guard{http_mutex};
    for (const auto& [key, n] : http_counts) {
      const auto& [method, route, status] = key;
      out += "chat_http_requests_total{node=\"" + node_id + "\",method=\"" + method
             + "\",route=\"" + route + "\",status=\"" + std::to_string(status) + "\"} "
             + std::to_string(n) + '\n';
    }
  }
  line(out, "chat_cross_node_messages_total", "Messages sent to actors on other nodes.",
       "counter", labels, static_cast<long long>(cross_node_sends.get()));
  render_histogram(out, "chat_storage_write_seconds",
                   "Time per group-commit write to RocksDB, fsync included.", node_id,
                   storage_write_seconds);
  render_histogram(out, "chat_storage_batch_records", "Records per group-commit write.", node_id,
                   storage_batch_ops);
  line(out, "chat_raft_elections_won_total", "Elections won by this node's group members.",
       "counter", labels, static_cast<long long>(raft_elections_won.get()));
  line(out, "chat_raft_leader_changes_total", "Leader changes seen by this node's group members.",
       "counter", labels, static_cast<long long>(raft_leader_changes.get()));
  line(out, "chat_raft_snapshots_taken_total", "Compaction snapshots taken.", "counter", labels,
       static_cast<long long>(raft_snapshots_taken.get()));
  line(out, "chat_raft_snapshots_sent_total", "Snapshots sent to lagging group members.",
       "counter", labels, static_cast<long long>(raft_snapshots_sent.get()));
  line(out, "chat_raft_snapshots_installed_total", "Snapshots received and installed.", "counter",
       labels, static_cast<long long>(raft_snapshots_installed.get()));
  line(out, "chat_raft_groups_led", "Consensus groups this node leads and serves.", "gauge",
       labels, raft_groups_led.get());
  line(out, "chat_raft_follower_lag_entries",
       "Largest lag, in log entries, of a follower of a group led here.", "gauge", labels,
       raft_follower_lag.get());
  render_histogram(out, "chat_raft_commit_seconds",
                   "Time from proposing a write to its commit and apply on the leader.", node_id,
                   raft_commit_seconds);
  out += extra;
  return out;
}

node_metrics& node() {
  static node_metrics instance;
  return instance;
}

} // namespace chat::metrics
