#pragma once
// Which nodes are reachable right now, and their actors. Written by the peer
// manager, read by every actor that routes by shard and by /readyz; a mutex
// guards it (reads copy a few handles, far cheaper than any cross-node send).
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
  /// The actors of the node owning `shard`, if reachable.
  std::optional<node_actors> owner(std::uint32_t shard) const;
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
};

} // namespace chat::cluster
