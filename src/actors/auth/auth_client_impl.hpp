#pragma once
// What an auth_client holds: the actor system, the key that verifies access
// tokens locally, and the way to the authority that owns a shard.
#include <cstdint>
#include <string>

#include <caf/fwd.hpp>

#include "actors/auth/auth_api.hpp"
#include "actors/auth/auth_client.hpp"
#include "cluster/peer_table.hpp"

namespace chat {

class auth_client::impl {
public:
  impl(caf::actor_system& sys, std::shared_ptr<cluster::peer_table> peers, std::string jwt_key,
       std::uint32_t shards)
    : sys(sys), peers(std::move(peers)), jwt_key(std::move(jwt_key)), shards(shards) {}

  /// The authority owning `shard` (on whichever node), or an invalid handle
  /// when that node is unreachable (ask() then answers `unavailable`).
  auth_api owner_of(std::uint32_t shard) const {
    return peers->authority(shard);
  }

  caf::actor_system& sys;
  std::shared_ptr<cluster::peer_table> peers;
  std::string jwt_key;
  std::uint32_t shards;
};

} // namespace chat
