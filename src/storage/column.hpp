#pragma once
// The record kinds of DESIGN.md "Storage", one RocksDB column family each so
// that every kind can be scanned (and tuned) on its own.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace chat::storage {

/// A column family. The order is not part of the on-disk format (families
/// are opened by name), so new kinds may be inserted anywhere.
enum class column : std::uint8_t {
  users,
  usernames,
  sessions,
  user_sessions,
  conversations,
  members,
  messages,
  idempotency,
  invitations,
  read_markers,
  memberships,
  meta,
};

/// Number of columns; columns index arrays of this size.
inline constexpr std::size_t column_count = static_cast<std::size_t>(column::meta) + 1;

/// The column family name on disk.
constexpr std::string_view column_name(column c) noexcept {
  constexpr std::array<std::string_view, column_count> names{
      "users",   "usernames",   "sessions",    "user_sessions", "conversations", "members",
      "messages", "idempotency", "invitations", "read_markers",  "memberships", "meta"};
  return names[static_cast<std::size_t>(c)];
}

/// Position of `c` in per-column arrays.
constexpr std::size_t column_index(column c) noexcept { return static_cast<std::size_t>(c); }

} // namespace chat::storage
