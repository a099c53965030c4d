#pragma once
// The node's actor world behind a CAF-free facade: main.cpp starts it after
// storage and before the network, and stops it in reverse order.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/auth/auth_client.hpp"
#include "actors/conversation/conversation_client.hpp"
#include "actors/node_context.hpp"
#include "actors/session/session_gateway.hpp"
#include "cluster/gate.hpp"

namespace chat {
namespace storage { class database; }
namespace security { class password_hasher; }

/// A node as its peers reach it (cluster.conf order matters: placement).
struct peer_address {
  std::string id;
  std::string host;
  std::uint16_t cluster_port = 0;
  std::uint16_t http_port = 0;
};

struct runtime_settings {
  std::string node_id;
  std::vector<peer_address> nodes; ///< every node of cluster.conf, this one included
  std::string cluster_key;         ///< proves membership at the cluster port
  cluster::gate_settings gate;     ///< TLS and admission limits of the cluster port
  std::string http_address;        ///< host:port of this node's HTTP API (for chatctl)
  std::uint32_t shards = 256;
  /// Nodes holding each group's data; 1: no consensus (docs/replication.md).
  /// The database must have been opened with the placement's scope_names().
  std::size_t replicas = 1;
  bool sync_log = true; ///< fsync consensus log appends (durability = sync)
  std::string jwt_key;
  std::string refresh_key;
  std::string dummy_hash;
  std::int64_t access_token_ttl = 900;
  std::int64_t ticket_ttl = 30;
  std::size_t tickets_per_session = 16;
  std::size_t max_blocks = 1000; ///< users one user may block
  std::size_t scheduler_threads = 2;
  std::size_t read_threads = 2; ///< storage reads that scan (rpc/read_pool.hpp)
  std::size_t read_queue = 4096;
  std::string scheduler_policy = "sharing"; ///< sharing (measured ~12 % less CPU per send) | stealing
  chat_settings chat;
  /// Called once (from an actor thread) if a node-wide actor dies: the node
  /// must stop (supervisor.hpp). Unset: only logged.
  std::function<void(const std::string& actor, const std::string& reason)> on_fatal;
};

/// The storage scopes (storage::options::scopes) a node with these settings
/// opens: one per consensus group it holds (cluster/placement.hpp).
std::vector<std::string> storage_scopes(const runtime_settings& s);

class actor_runtime {
public:
  /// Starts the actor system and the node's actors. `db` and `hasher` must
  /// outlive the runtime.
  actor_runtime(runtime_settings settings, storage::database& db,
                security::password_hasher& hasher);
  ~actor_runtime();

  /// The interface the network layer uses to reach the auth authority.
  auth_client auth() const;
  /// Conversations, invitations and messages for the HTTP layer.
  conversation_client conversations() const;
  /// The WebSocket side: tickets and session actors.
  session_gateway sessions() const;

  /// Opens the cluster port and starts connecting to the peers. False with
  /// *error set if the port cannot be bound.
  bool join_cluster(std::string* error);
  /// Ids of the peers this node is not connected to (for /readyz).
  std::vector<std::string> missing_peers() const;
  /// Every other node of the cluster and whether it is connected (metrics).
  std::vector<std::pair<std::string, bool>> peer_status() const;
  /// Node-wide actors that did not answer the supervisor's last probe.
  std::vector<std::string> stuck_actors() const;
  /// A group held here is behind its leader (restart, rebuilt disk).
  bool catching_up() const;
  /// Some group has no known leader or a replica behind (for /readyz?all=1).
  bool cluster_catching_up() const;
  /// Test hook: kills a node-wide actor by name ("directory", "relay",
  /// "authority" or "replicator", "admin", "peer_manager"). False for an
  /// unknown name.
  bool kill_for_test(const std::string& name);

  /// Before a graceful stop: hands this node's leaderships to other
  /// replicas (waits up to a few seconds). Answers how many groups it still
  /// leads. Without replication: 0 at once.
  std::uint32_t hand_off();

  /// Ends every actor and waits for them. Idempotent.
  void stop();

private:
  struct state;
  std::unique_ptr<state> state_;
};

} // namespace chat
