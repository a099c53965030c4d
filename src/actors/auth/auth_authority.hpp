#pragma once
// The auth authority: users, password hashes, sessions, access and refresh
// tokens, WebSocket tickets. One per group of shards, on the node that
// serves the group (without replication: one per node); a user's sessions
// live on the user's shard, so one actor decides everything about one user.
// Its protocol is auth_api.
#include <cstdint>
#include <string>

#include <caf/fwd.hpp>

#include "actors/auth/auth_api.hpp"
#include "actors/directory/directory_api.hpp"
#include "storage/store.hpp"

namespace chat {
namespace security { class password_hasher; }

struct auth_settings {
  storage::store db; ///< the group's storage
  security::password_hasher* hasher = nullptr; ///< off the scheduler threads
  std::string jwt_key;                         ///< signs access tokens
  std::string refresh_key;                     ///< signs refresh tokens
  std::string dummy_hash;                      ///< verified for unknown users, so timing tells nothing
  std::uint32_t shards = 256;
  std::int64_t access_token_ttl = 900; ///< seconds
  std::int64_t ticket_ttl = 30;        ///< seconds
  std::size_t tickets_per_session = 16; ///< unredeemed tickets one session may hold
  std::size_t max_blocks = 1000;        ///< users one user may block
  directory_api directory;             ///< told when a session ends or blocks change (may be null)
};

/// Spawns the authority; the settings' pointers must outlive it.
auth_api spawn_auth_authority(caf::actor_system& sys, auth_settings settings);

} // namespace chat
