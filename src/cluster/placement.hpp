#pragma once
// Where a shard's data lives. The rule is fixed and needs no coordination:
// shard s belongs to group (s mod N), N the number of nodes in cluster.conf;
// group g is held by the `replicas` nodes at positions g, g+1, ... (mod N),
// and node g is its preferred leader. Every node (and every id, which names
// its shard) agrees on this without asking; which replica leads a group right
// now is decided by consensus (docs/replication.md) and kept in peer_table.
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
  std::size_t replicas = 1;  ///< nodes holding each group; 1: no consensus

  /// The consensus group of `shard` (also its preferred leader's position).
  std::uint32_t group_of(std::uint32_t shard) const {
    return static_cast<std::uint32_t>(shard % nodes.size());
  }
  std::uint32_t groups() const { return static_cast<std::uint32_t>(nodes.size()); }
  bool replicated() const { return replicas > 1; }

  /// Positions of the nodes holding group `g`, its preferred leader first.
  std::vector<std::size_t> replicas_of(std::uint32_t g) const {
    std::vector<std::size_t> out;
    for (std::size_t k = 0; k < replicas && k < nodes.size(); ++k)
      out.push_back((g + k) % nodes.size());
    return out;
  }
  /// Whether this node holds a replica of group `g`.
  bool holds(std::uint32_t g) const {
    for (auto i : replicas_of(g))
      if (i == self)
        return true;
    return false;
  }

  /// The storage scopes this node opens (storage::options::scopes): without
  /// replication the one unnamed scope (today's layout), with it one more
  /// scope per group held here, "g<group>". Scope 0 is always "".
  std::vector<std::string> scope_names() const {
    std::vector<std::string> out{""};
    if (replicated())
      for (std::uint32_t g = 0; g < groups(); ++g)
        if (holds(g))
          out.push_back("g" + std::to_string(g));
    return out;
  }
  /// This node's scope holding group `g`, or no_scope when not held here.
  static constexpr std::size_t no_scope = static_cast<std::size_t>(-1);
  std::size_t scope_of(std::uint32_t g) const {
    if (!replicated())
      return g == self ? 0 : no_scope;
    std::size_t scope = 1;
    for (std::uint32_t k = 0; k < groups(); ++k) {
      if (!holds(k))
        continue;
      if (k == g)
        return scope;
      ++scope;
    }
    return no_scope;
  }

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
