#pragma once
// cluster.conf: an INI file every node reads (DESIGN.md "Running").
// A `[cluster]` section, then one section per node named by its id.
// Relative paths are resolved against the directory of the config file, so
// a node behaves the same whatever its working directory.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

struct node_config {
  std::string id;
  std::string host;
  std::uint16_t cluster_port = 0;
  std::uint16_t http_port = 0;
  std::string data_dir;
};

struct cluster_config {
  std::uint32_t shards = 256;
  /// Nodes holding each shard's data (docs/replication.md); 0 until parsed
  /// means the default: 3, or the node count when fewer. 1: no replication.
  std::size_t replicas = 0;
  std::string secret_file;
  std::string password_cost = "interactive"; ///< min | interactive | moderate | sensitive
  std::string durability = "sync";           ///< sync (fsync per group commit) | async
  std::int64_t access_token_ttl = 900;       ///< seconds
  std::int64_t ticket_ttl = 30;              ///< seconds
  std::size_t password_threads = 1;          ///< dedicated argon2id threads
  std::size_t read_threads = 2;              ///< threads for storage reads that scan
  std::size_t read_queue = 4096;             ///< reads that may wait; more answer `unavailable`
  std::size_t password_queue = 64;           ///< waiting hash jobs before 503
  std::int64_t conversation_idle = 300;      ///< seconds before an idle conversation passivates
  std::size_t rate_burst = 100;              ///< sends a connection (or HTTP session) may burst
  std::size_t rate_per_second = 100;         ///< sustained sends per connection
  std::size_t ws_queue_frames = 1024;        ///< outbound frames queued before 4008
  std::size_t ws_queue_bytes = 8 << 20;      ///< outbound bytes queued before 4008
  // Conversations and invitations (abuse limits).
  std::size_t invites_per_minute = 3;          ///< new invitations one inviter may send one non-member of a conversation
  std::size_t max_pending_invitations = 1000;  ///< pending invitations a user may hold; more → 409 to the inviter
  std::vector<node_config> nodes;

  /// The node with this id, or nullptr.
  const node_config* find(std::string_view id) const;
};

/// Parses the file; on failure returns nothing and sets *error to one line
/// naming the file, line and problem.
std::optional<cluster_config> load_cluster_config(const std::string& path, std::string* error);

/// Reads the cluster secret: the file's text without surrounding white space,
/// at least 32 characters. On failure sets *error to one clear line.
std::optional<std::string> read_cluster_secret(const std::string& path, std::string* error);

} // namespace chat
