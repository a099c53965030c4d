#pragma once
// Reading the inputs of the conversation, invitation and message endpoints
// (PROTOCOL.md "Conversations"): body shapes and the paging query. Pure
// functions; each returns false and fills `error` (bad_request, naming the
// field) on failure. Value rules the actors also enforce (byte limits,
// client_msg_id) are checked here too, so junk never costs an actor call.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/conversation/conversation_client.hpp"
#include "net/uri.hpp"
#include "schema/error_code.hpp"

namespace chat::net {

/// `POST /conversations`: `{title, invite?: [user ids]}`.
struct new_conversation {
  std::string title;
  std::vector<std::string> invite;
};
bool read_new_conversation(std::string_view body, new_conversation& out, api_error& error);

/// `{user_id}` (direct conversations, invitations).
bool read_user_ref(std::string_view body, std::string& user_id, api_error& error);

/// `POST /conversations/{id}/messages`: `{text, client_msg_id?}`.
struct new_message {
  std::string text;
  std::string client_msg_id; ///< empty when absent or null
  std::uint64_t reply_to = 0; ///< 0 when absent or null
  std::vector<std::string> attachments; ///< attachment ids; none when absent
};
bool read_new_message(std::string_view body, new_message& out, api_error& error);

/// `PATCH /conversations/{id}`: `{retention_seconds}` (a non-negative
/// integer, or null for 0: keep forever). Its bounds are the conversation's.
bool read_retention(std::string_view body, std::int64_t& seconds, api_error& error);

/// `PATCH /conversations/{id}/messages/{seq}`: `{text}`.
bool read_edit(std::string_view body, std::string& text, api_error& error);

/// `{emoji}` (adding or removing a reaction).
bool read_emoji(std::string_view body, std::string& emoji, api_error& error);
/// The optional `client_msg_id` of a change's body (edit, delete, reactions):
/// left empty when absent or null; 400 when not 1-64 bytes.
bool read_change_key(std::string_view body, std::string& client_msg_id, api_error& error);

/// `?after&before&limit`: non-negative integers; limit 1..500, default 100.
bool read_page(const query_params& query, page_request& out, api_error& error);

/// `GET /invitations?after&limit`: `after` is the `next` cursor of the
/// previous page; limit 1..1000, default: all (at most
/// max_pending_invitations exist).
struct invitation_page_request {
  std::optional<std::pair<std::int64_t, std::string>> after; ///< (created_at, id)
  std::size_t limit = 0;                                      ///< 0: all
};
bool read_invitation_page(const query_params& query, invitation_page_request& out,
                          api_error& error);

/// One page of the caller's pending invitations (the whole list, sorted by
/// created_at then id, is cut here).
struct invitation_page {
  std::vector<invitation_view> invitations;
  bool has_more = false;
  std::string next; ///< cursor for the following page; empty when none
};
invitation_page page_of(const invitation_list& sorted, const invitation_page_request& request);

/// A non-negative decimal integer: digits only, no sign or blanks, fits 64 bits.
std::optional<std::uint64_t> parse_count(std::string_view s) noexcept;

} // namespace chat::net
