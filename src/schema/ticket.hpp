#pragma once
// One-time WebSocket tickets: `t` + the 4 hex digits of the session's shard
// + random text. The shard lets any node route a redeem to the authority
// that issued the ticket, so a ticket is single-use cluster-wide.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

/// A ticket for session `session_id` (a well-formed session id) with the
/// given random suffix (at least 15 characters).
std::string make_ticket(std::string_view session_id, std::string_view random_suffix);

/// The shard a ticket names, or nothing when it is malformed or names a
/// shard outside `shard_count`.
std::optional<std::uint32_t> shard_of_ticket(std::string_view ticket,
                                             std::uint32_t shard_count) noexcept;

} // namespace chat
