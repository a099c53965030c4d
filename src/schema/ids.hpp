#pragma once
// Server-chosen ids. Every id carries its shard so any node can find the
// owner without asking: `<prefix>_<4 hex digits of shard><20 base32 chars>`.
// Ids from clients are parsed strictly; a malformed one names nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

enum class id_kind : char {
  user = 'u',
  session = 's',
  conversation = 'c',
  invitation = 'i',
  message = 'm',
  attachment = 'a',
};

/// Length of every id: prefix (2) + shard (4) + random (20).
inline constexpr std::size_t id_length = 26;

/// A fresh random id of `kind` on `shard`.
std::string make_id(id_kind kind, std::uint32_t shard);

/// The shard an id names, or nothing when `id` is not a well-formed id of
/// `kind` within `shard_count` shards.
std::optional<std::uint32_t> shard_of_id(std::string_view id, id_kind kind,
                                         std::uint32_t shard_count) noexcept;

/// The shard written as 4 lowercase hex digits (as in ids and tickets), or
/// nothing when malformed or not below `shard_count`.
std::optional<std::uint32_t> shard_of_hex(std::string_view four_digits,
                                          std::uint32_t shard_count) noexcept;

/// A stable shard for a natural key (e.g. a username), so that the owner of
/// the key can arbitrate uniqueness. FNV-1a, identical on every node.
std::uint32_t shard_of_key(std::string_view key, std::uint32_t shard_count) noexcept;

/// The one id of the direct conversation between two users, the same
/// whichever of them asks and on whichever node, so creating it twice
/// concurrently lands on one actor. Keyed (with a key derived from the
/// cluster secret; 16-64 bytes, or empty in tests), so nobody outside the
/// cluster can compute a pair's id and probe whether they talk.
std::string direct_conversation_id(std::string_view user_a, std::string_view user_b,
                                   std::uint32_t shard_count, std::string_view key);

/// The unkeyed id earlier versions gave a pair: still looked up, so a pair
/// that talked before keeps its one conversation.
std::string legacy_direct_conversation_id(std::string_view user_a, std::string_view user_b,
                                          std::uint32_t shard_count);

/// `n` random characters from the base32 alphabet [a-z2-7].
std::string random_base32(std::size_t n);

} // namespace chat
