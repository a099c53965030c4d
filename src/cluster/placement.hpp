#pragma once
// Where a shard lives. The rule is fixed and needs no coordination: shard s
// belongs to the node at position (s mod N) in cluster.conf, so every node
// (and every id, which names its shard) agrees on the owner without asking.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace chat::cluster {

struct member {
  std::string id;
  std::string host;
  std::uint16_t cluster_port = 0;
  std::uint16_t http_port = 0; ///< for the admin shell's listings
};

struct placement {
  std::vector<member> nodes; ///< in cluster.conf order
  std::size_t self = 0;      ///< this node's position in `nodes`
  std::uint32_t shards = 256;

  std::size_t owner(std::uint32_t shard) const { return shard % nodes.size(); }
  bool is_local(std::uint32_t shard) const { return owner(shard) == self; }
  const std::string& self_id() const { return nodes[self].id; }

  /// Position of the node with this id, or nodes.size().
  std::size_t index_of(const std::string& id) const {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i].id == id)
        return i;
    return nodes.size();
  }
};

} // namespace chat::cluster
