#pragma once
// The record kinds of DESIGN.md "Storage", one RocksDB column family each so
// that every kind can be scanned (and tuned) on its own.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace chat::storage {

/// A column family. Families are opened by name, but the numeric values are
/// part of the replicated formats (replicated batches, snapshot images): new
/// kinds go at the end, never renumber.
enum class column : std::uint8_t {
  users = 0,
  usernames = 1,
  sessions = 2,
  user_sessions = 3,
  conversations = 4,
  members = 5,
  messages = 6,
  idempotency = 7,
  invitations = 8,
  read_markers = 9,
  memberships = 10,
  meta = 11,
  raft = 12, ///< a consensus group's own state: term, vote, log entries, snapshot meta
  blocks = 13,            ///< user blocks: "<user>/o/<other>" (user blocks other), "<user>/i/<other>" (other blocks user)
  attachments = 14,       ///< attachment headers: conversation id / attachment id
  attachment_chunks = 15, ///< attachment bytes: conversation id / attachment id + chunk index
  attachment_refs = 16,   ///< messages referring to an attachment: conversation id / attachment id → u64 BE
  search_terms = 17,      ///< search index: "<conv>/<word>/<seq>" and "<conv>/@<user>/<seq>", empty values
  mentions = 18,          ///< who a message mentions: conversation id / user id / big-endian seq
};

/// Number of columns; columns index arrays of this size.
inline constexpr std::size_t column_count = static_cast<std::size_t>(column::mentions) + 1;

/// The column family name on disk.
constexpr std::string_view column_name(column c) noexcept {
  constexpr std::array<std::string_view, column_count> names{
      "users",   "usernames",   "sessions",    "user_sessions", "conversations", "members",
      "messages", "idempotency", "invitations", "read_markers",  "memberships", "meta",
      "raft",    "blocks", "attachments", "attachment_chunks", "attachment_refs", "search_terms",
      "mentions"};
  return names[static_cast<std::size_t>(c)];
}

/// Position of `c` in per-column arrays.
constexpr std::size_t column_index(column c) noexcept { return static_cast<std::size_t>(c); }

/// True for the columns that hold a scope's data (what a snapshot image
/// carries and replaces): every column but `raft`.
constexpr bool is_data_column(column c) noexcept { return c != column::raft; }

} // namespace chat::storage
