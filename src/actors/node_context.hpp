#pragma once
// What every chat actor of a node shares: immutable once the runtime has
// built it, so actors read it without synchronisation.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/relay/relay_api.hpp"
#include "actors/session/frame_budgets.hpp"
#include "storage/store.hpp"

namespace chat {
namespace storage { class database; }
namespace cluster { class peer_table; }
class live_registry;
class read_pool;

struct chat_settings {
  std::chrono::seconds conversation_idle{300}; ///< passivate a conversation after this
  std::size_t rate_burst = 100;                ///< sends a connection may burst
  double rate_per_second = 100;                ///< sustained sends per connection
  /// What one WebSocket may ask (its `send` budget is rate_burst/rate_per_second).
  frame_limits ws_frames;
  std::size_t ws_sockets_per_session = 16; ///< live sockets of one auth session on this node
  /// New invitations one inviter may send one non-member of a conversation
  /// per minute (also the burst).
  std::size_t invites_per_minute = 3;
  /// Pending invitations a user may hold (keeps GET /invitations bounded).
  std::size_t max_pending_invitations = 1000;
  /// Largest attachment a conversation stores (the HTTP layer refuses more first).
  std::size_t attachment_max_bytes = 10 << 20;
  /// An upload no message names is removed once this old.
  std::chrono::seconds attachment_grace{86400};
  /// The shortest retention period an owner may set (0 = forever is always allowed).
  std::int64_t retention_min = 3600;
  /// A conversation with more members passes on no presence: each member
  /// coming online would otherwise be one frame to every other member.
  std::size_t presence_max_members = 1000;
  /// Keys the direct conversation ids (derived from the cluster secret), so
  /// nobody outside can compute the id of a pair.
  std::string direct_id_key;
};

struct node_context {
  std::string node_id;
  std::uint32_t shards = 256;
  storage::database* db = nullptr;
  chat_settings settings;
  relay_api relay; ///< this node's relay
  /// Which node owns which shard, and the actors of the reachable ones.
  std::shared_ptr<cluster::peer_table> peers;
  /// Sessions and users, stopped with the node (see live_registry.hpp).
  std::shared_ptr<live_registry> live;
  /// Where reads that can scan run (rpc/read_pool.hpp).
  read_pool* reads = nullptr;

  /// This node's storage of the group holding `shard` (its commits go
  /// through consensus when replicated); invalid when not held here.
  storage::store store_for(std::uint32_t shard) const;
  /// The storage of every group this node serves right now.
  std::vector<storage::store> served_stores() const;
};

using node_ref = std::shared_ptr<const node_context>;

} // namespace chat
