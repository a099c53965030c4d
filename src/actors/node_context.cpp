#include "actors/node_context.hpp"

#include "cluster/peer_table.hpp"
#include "storage/database.hpp"

namespace chat {

storage::store node_context::store_for(std::uint32_t shard) const {
  const auto& layout = peers->layout();
  auto scope = layout.scope_of(layout.group_of(shard));
  if (!db || scope == cluster::placement::no_scope)
    return {};
  return db->at(scope);
}

std::vector<storage::store> node_context::served_stores() const {
  std::vector<storage::store> out;
  const auto& layout = peers->layout();
  for (std::uint32_t g = 0; g < layout.groups(); ++g)
    if (peers->serves(g)) // shard g belongs to group g
      out.push_back(store_for(g));
  return out;
}

} // namespace chat
