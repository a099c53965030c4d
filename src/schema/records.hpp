#pragma once
// Records as stored in RocksDB (cereal-encoded by src/storage/codec.hpp).
// Field order is the on-disk format: append new fields at the end and bump
// the class version; never reorder.
#include <cstdint>
#include <string>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>

namespace chat {

/// An account. The password is kept only as an argon2id hash string.
struct user_record {
  std::string id;
  std::string username;
  std::string display_name;
  std::string password_hash;
  std::int64_t created_at = 0; ///< ms since epoch

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(id, username, display_name, password_hash, created_at);
  }
};

/// A login session. Refresh tokens are not stored: the current one is
/// derived from (session id, generation, salt) with a cluster-keyed HMAC,
/// so an already-used token is recognisable (generation below current).
struct session_record {
  std::string id;
  std::string user_id;
  std::int64_t created_at = 0; ///< ms since epoch
  std::int64_t last_seen = 0;  ///< ms since epoch
  std::string user_agent;      ///< empty when the login sent none
  std::string refresh_salt;    ///< random bytes, secret
  std::uint64_t refresh_generation = 0;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(id, user_id, created_at, last_seen, user_agent, refresh_salt, refresh_generation);
  }
};

} // namespace chat

CEREAL_CLASS_VERSION(chat::user_record, 1)
CEREAL_CLASS_VERSION(chat::session_record, 1)
