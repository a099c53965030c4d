#pragma once
// What an auth_client holds: the actor system, the key that verifies access
// tokens locally, and the way to the authority that owns a shard.
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/auth/auth_client.hpp"

namespace chat {

class auth_client::impl {
public:
  impl(caf::actor_system& sys, caf::actor local_authority, std::string jwt_key,
       std::uint32_t shards)
    : sys(sys), authority(std::move(local_authority)), jwt_key(std::move(jwt_key)),
      shards(shards) {}

  /// The authority owning `shard`. One node owns all shards for now; the
  /// cluster routes through the directory instead.
  const caf::actor& owner_of(std::uint32_t /*shard*/) const { return authority; }

  caf::actor_system& sys;
  caf::actor authority;
  std::string jwt_key;
  std::uint32_t shards;
};

} // namespace chat
