#pragma once
// Which nodes are reachable right now, their actors, and (with replication)
// which node leads each consensus group. Written by the peer manager and the
// replicator, read by every actor that routes by shard and by /readyz; a
// mutex guards it (reads copy a few handles, far cheaper than any cross-node
// send).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/node_actors.hpp"
#include "cluster/placement.hpp"

namespace chat::cluster {

class peer_table {
public:
  explicit peer_table(placement layout);

  const placement& layout() const { return layout_; }

  /// The actors of node `index` if it is this node or a connected peer.
  std::optional<node_actors> node(std::size_t index) const;
  /// The actors of the node serving `shard` (the leader of its group), if
  /// known and reachable. Without replication: the group's only node.
  std::optional<node_actors> owner(std::uint32_t shard) const;
  /// The auth authority serving `shard`; invalid when unknown or unreachable.
  auth_api authority(std::uint32_t shard) const;
  /// Whether this node serves `shard`: its conversations, users and auth run here.
  bool serves(std::uint32_t shard) const;
  /// Position of the node serving `shard`, or no_node when unknown.
  std::size_t server_of(std::uint32_t shard) const;

  /// A group's leader as this node knows it.
  struct leader {
    std::size_t node = no_node; ///< position in cluster.conf, or no_node
    std::uint64_t term = 0;
    auth_api authority;         ///< the group's auth authority on that node
    /// This node only: steady-clock ms until which it may serve the group
    /// (its read lease: a majority answered it lately). A leader that was
    /// paused or cut off stops serving when this passes, before it learns
    /// of the new leader.
    std::uint64_t lease_until_ms = 0;
  };
  static constexpr std::size_t no_node = static_cast<std::size_t>(-1);
  /// Records that `node` serves group `g` from `term` on; an older term is
  /// ignored. (Replication only: without it the placement decides.)
  void set_leader(std::uint32_t g, std::size_t node, std::uint64_t term, auth_api authority);
  /// Extends this node's lease on group `g` (see leader::lease_until_ms).
  void renew_lease(std::uint32_t g, std::uint64_t until_ms);
  /// Steady-clock ms, the clock of the leases.
  static std::uint64_t now_ms();
  /// Forgets `node` as group `g`'s leader (it stepped down or a newer term began).
  void forget_leader(std::uint32_t g, std::size_t node, std::uint64_t term);
  /// Every group's leader, by group.
  std::vector<leader> leaders() const;
  /// The relay of every reachable node, this node's first.
  std::vector<relay_api> relays() const;
  /// Ids of the peers that are not connected, in cluster.conf order.
  std::vector<std::string> missing() const;
  /// Whether node `index` is this node or a connected peer.
  bool reachable(std::size_t index) const;

  void mark_up(std::size_t index, node_actors actors);
  void mark_down(std::size_t index);

private:
  placement layout_;
  mutable std::mutex mtx_;
  std::vector<std::optional<node_actors>> nodes_;
  std::vector<leader> leaders_; // by group; used only when replicated

  std::size_t serving_node(std::uint32_t shard) const; // under mtx_
};

} // namespace chat::cluster
