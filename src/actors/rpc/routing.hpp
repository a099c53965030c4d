#pragma once
// Finding the node-level actor that owns a shard. An invalid handle means
// the owning node is unreachable: callers answer `unavailable` at once
// instead of waiting for a timeout.
#include <cstdint>
#include <optional>
#include <string>



#include "cluster/peer_table.hpp"
#include "actors/node_context.hpp"
#include "schema/ids.hpp"

namespace chat::cluster {

inline auth_api authority_for(const node_context& ctx, std::uint32_t shard) {
  return ctx.peers->authority(shard);
}

inline auth_api authority_for_user(const node_context& ctx, const std::string& user_id) {
  auto shard = shard_of_id(user_id, id_kind::user, ctx.shards);
  return shard ? authority_for(ctx, *shard) : auth_api{};
}

inline directory_api directory_for(const node_context& ctx, std::uint32_t shard) {
  auto owner = ctx.peers->owner(shard);
  return owner ? owner->directory : directory_api{};
}

} // namespace chat::cluster
