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
  std::string tls_cert; ///< this node's certificate ([cluster] tls_cert unless named here)
  std::string tls_key;  ///< its private key

  // HTTP edge: per-node TLS files; empty → the [cluster] ones.
  std::string http_tls_cert;
  std::string http_tls_key;
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
  std::size_t attachment_max_bytes = 10 << 20; ///< largest attachment upload; more → 413
  std::int64_t attachment_grace = 86400; ///< seconds an upload no message names is kept
  std::int64_t retention_min = 3600;     ///< shortest retention_seconds an owner may set
  std::size_t presence_max_members = 1000; ///< larger conversations carry no presence

  // Cluster port: TLS and admission (docs/architecture.md "The cluster port").
  std::string tls_ca;       ///< CA every peer's certificate must chain to; set: TLS on
  std::string tls_cert;     ///< default certificate of a node section naming none
  std::string tls_key;      ///< its key
  std::string chatctl_cert; ///< chatctl's client certificate; empty: the dialed node's
  std::string chatctl_key;  ///< its key
  std::int64_t handshake_timeout_ms = 2000;     ///< accept to proof, TLS included
  std::size_t pending_handshakes = 64;          ///< pending inbound handshakes in total
  std::size_t pending_handshakes_per_source = 8; ///< … from one remote address
  bool tls() const { return !tls_ca.empty(); }

  // HTTP edge (src/net/): TLS, connection caps, I/O threads.
  std::string http_tls_cert;                 ///< PEM chain; with http_tls_key → https/wss
  std::string http_tls_key;                  ///< PEM key; both empty → plain HTTP
  std::size_t http_max_connections = 0;      ///< per node; 0 → derived from RLIMIT_NOFILE
  std::size_t http_max_connections_per_address = 1024; ///< 0 → no cap
  bool http_cap_loopback = false;            ///< loopback peers under the per-address cap
  std::size_t http_threads = 0;              ///< 0 → hardware threads, at most 4

  // WebSocket abuse bounds (sessions, tickets, per-kind frame budgets);
  // docs/protocol.md "Rate limits". Budgets are per connection.
  std::size_t ws_sync_burst = 100;         ///< `sync` frames a connection may burst
  std::size_t ws_sync_per_second = 20;     ///< sustained `sync` frames per connection
  std::size_t ws_typing_burst = 20;        ///< `typing` frames a connection may burst
  std::size_t ws_typing_per_second = 5;    ///< sustained `typing` frames per connection
  std::size_t ws_read_burst = 100;         ///< `read` frames a connection may burst
  std::size_t ws_read_per_second = 20;     ///< sustained `read` frames per connection
  std::size_t ws_ping_burst = 256;         ///< `ping` (and malformed) frames a connection may burst
  std::size_t ws_ping_per_second = 50;     ///< sustained `ping` frames per connection
  std::size_t ws_flood_refusals = 200;     ///< rate_limited refusals within ws_flood_window → 4029
  std::int64_t ws_flood_window = 10;       ///< seconds
  std::size_t ws_sync_in_flight = 4;       ///< history reads outstanding per connection; more wait
  std::size_t ws_inbound_frames = 64;      ///< frames read but not yet handled before reading pauses
  std::size_t ws_sockets_per_session = 16; ///< live sockets of one auth session per node
  std::size_t tickets_per_session = 16;    ///< unredeemed tickets of one auth session

  // Conversations and invitations (abuse limits).
  std::size_t invites_per_minute = 3;          ///< new invitations one inviter may send one non-member of a conversation
  std::size_t max_pending_invitations = 1000;  ///< pending invitations a user may hold; more → 409 to the inviter
  std::size_t max_blocks = 1000;               ///< users one user may block; more → 409

  std::vector<node_config> nodes;

  /// The node with this id, or nullptr.
  const node_config* find(std::string_view id) const;
};

/// Parses the file; on failure returns nothing and sets *error to one line
/// naming the file, line and problem.
std::optional<cluster_config> load_cluster_config(const std::string& path, std::string* error);

/// Reads the cluster secret: the file's text without surrounding white space,
/// at least 32 characters. A file that group or others may read or write is
/// refused (as ssh refuses such a key): the secret signs every token and
/// admits nodes. On failure sets *error to one clear line.
std::optional<std::string> read_cluster_secret(const std::string& path, std::string* error);

} // namespace chat
