#pragma once
// The rules of changing a stored message (docs/protocol.md "Changing
// messages"): who may edit, delete or react, what each change does to the
// message, and the event record that takes the change's own seq. Pure: the
// conversation actor reads the target, asks here, and writes both records
// in one batch.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/error_code.hpp"
#include "schema/records.hpp"
#include "schema/wire.hpp"

namespace chat::changes {

/// An emoji: 1-32 bytes of UTF-8 without blanks or control characters.
constexpr std::size_t max_emoji_bytes = 32;
/// Distinct emojis one message may carry.
constexpr std::size_t max_emojis_per_message = 20;
/// Reactions (user and emoji pairs) one message may carry: a change rewrites
/// the whole message, so it stays small however large the group.
constexpr std::size_t max_reactions_per_message = 1000;
/// Users listed per emoji in a view (the count is always exact).
constexpr std::size_t max_reaction_users_shown = 20;

/// The stored/wire name of a change kind: edit, delete, react, unreact.
std::string_view kind_name(change_kind k) noexcept;

bool valid_emoji(std::string_view emoji) noexcept;

/// Checks the change's own input (text or emoji) before any lookup.
api_error check_input(const message_change& c);

/// Whether `user` may make change `c` to `target` (its current state);
/// `owner` is the conversation's owner ("" for direct conversations);
/// `admin`: `user` is one of a group's admins (may delete any message).
/// errc::ok when allowed; otherwise the error to answer.
api_error check(const message_record& target, const message_change& c, const std::string& user,
                const std::string& owner, bool admin = false);

/// Applies an allowed change to the target at time `ts`.
void apply(message_record& target, const message_change& c, const std::string& user,
           std::int64_t ts);

/// The event record stored at `seq` for the change.
message_record event(std::uint64_t seq, std::string msg_id, const message_change& c,
                     const std::string& user, std::int64_t ts);

/// Whether `reply_to` may be answered: an existing ordinary message.
api_error check_reply_target(const message_record& target);

} // namespace chat::changes
