#pragma once
// The replicator: one actor per node hosting this node's member of every
// consensus group it holds (docs/replication.md). It drives each member
// (ticks, peer messages, store completions), routes the group's commits
// through consensus, and turns leadership into service: after winning an
// election and applying every earlier entry it spawns the group's auth
// authority and announces itself; on losing it, it stops them and tells
// the directory to end the group's conversations and users here.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/auth/auth_api.hpp"
#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"
#include "actors/replication/replicator_api.hpp"
#include "replication/replica.hpp"

namespace chat {
namespace storage { class store; }

/// What /readyz needs to know, updated by the replicator every tick and read
/// on the I/O threads.
struct replication_health {
  /// A group held here has not yet reached what its leader had committed
  /// (after a restart, or rebuilding a lost disk).
  std::atomic<bool> catching_up{true};
  /// Somewhere in the cluster a group has no known leader or a replica that
  /// is behind (for /readyz?all=1).
  std::atomic<bool> cluster_lagging{true};
};

struct replicator_settings {
  node_ref ctx;            ///< peers (placement and leaders) and the database
  directory_api directory; ///< told when this node stops serving a group
  /// Spawns group `g`'s auth authority on its storage.
  std::function<auth_api(std::uint32_t g, storage::store)> spawn_authority;
  bool sync_log = true; ///< fsync log appends (durability = sync)
  /// Timing and snapshot settings shared by every member (group and ids are
  /// filled in per group).
  replication::replica_config tuning;
  std::shared_ptr<replication_health> health = std::make_shared<replication_health>();
};

/// Spawns the replicator and starts every member; a member that cannot load
/// its store stops the replicator (and, through the supervisor, the node).
replicator_api spawn_replicator(caf::actor_system& sys, replicator_settings settings);

} // namespace chat
