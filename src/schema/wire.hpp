#pragma once
// What clients see (PROTOCOL.md): the public shapes of users, sessions and
// tokens. Actors answer with these; src/schema/wire_json.hpp renders them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "schema/attachment.hpp"

namespace chat {

/// `user`: never carries a password hash.
struct user_view {
  std::string id;
  std::string username;
  std::string display_name;
  std::int64_t created_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_view& x) {
  return f(x.id, x.username, x.display_name, x.created_at);
}

/// One entry of `GET /auth/sessions`.
struct session_view {
  std::string id;
  std::int64_t created_at = 0;
  std::int64_t last_seen = 0;
  std::string user_agent; ///< empty renders as null
  bool current = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_view& x) {
  return f(x.id, x.created_at, x.last_seen, x.user_agent, x.current);
}

using session_list = std::vector<session_view>;

/// The answer of login and refresh.
struct token_grant {
  std::string access_token;
  std::int64_t expires_in = 0; ///< seconds
  std::string refresh_token;
  std::string session_id;
  user_view user;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, token_grant& x) {
  return f(x.access_token, x.expires_in, x.refresh_token, x.session_id, x.user);
}

/// A single-use WebSocket ticket.
struct ws_ticket {
  std::string ticket;
  std::int64_t expires_in = 0; ///< seconds
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ws_ticket& x) {
  return f(x.ticket, x.expires_in);
}

/// Who is asking: established from a verified access token and a live session.
struct principal {
  std::string user_id;
  std::string session_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, principal& x) {
  return f(x.user_id, x.session_id);
}

struct member_view {
  std::string user_id;
  std::string role; ///< "owner" | "member"
  std::int64_t joined_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_view& x) {
  return f(x.user_id, x.role, x.joined_at);
}

/// A member's unread and mention counts in one conversation (see
/// docs/protocol.md "Unread and mention counts").
struct unread_counts {
  std::uint64_t unread = 0;   ///< other members' messages after the read marker
  bool unread_capped = false; ///< more items followed than one count examines
  std::uint64_t mentions = 0; ///< of those, the ones mentioning the member
  bool known = false;         ///< counted (false: storage busy; rendered null)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unread_counts& x) {
  return f(x.unread, x.unread_capped, x.mentions, x.known);
}

/// `conversation`; `members` is rendered only when `with_members`, the
/// counts only when `with_counts`.
struct conversation_view {
  std::string id;
  bool direct = false;
  std::string title; ///< empty renders as null (direct)
  std::string owner; ///< empty renders as null (direct)
  std::int64_t created_at = 0;
  std::uint64_t last_seq = 0;
  bool with_members = false;
  std::vector<member_view> members;
  bool with_counts = false;
  unread_counts counts = {};
  std::int64_t retention_seconds = 0; ///< 0: messages are kept forever
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_view& x) {
  return f(x.id, x.direct, x.title, x.owner, x.created_at, x.last_seq, x.with_members, x.members,
           x.with_counts, x.counts, x.retention_seconds);
}

struct invitation_view {
  std::string id;
  std::string conv;
  std::string conv_title;
  std::string from;
  std::string to;
  std::int64_t created_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, invitation_view& x) {
  return f(x.id, x.conv, x.conv_title, x.from, x.to, x.created_at);
}

/// One emoji on a message: how many reacted, and (at most
/// max_reaction_users_shown of) who.
struct reaction_view {
  std::string emoji;
  std::uint64_t count = 0;
  std::vector<std::string> users;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reaction_view& x) {
  return f(x.emoji, x.count, x.users);
}

/// `message`, as stored and as delivered. An item of kind edit, delete,
/// react or unreact is a change event naming the message it changed
/// (`target`); an ordinary message has kind "message".
struct message_view {
  std::string conv;
  std::uint64_t seq = 0;
  std::string msg_id;
  std::string from;
  std::string text;
  std::int64_t ts = 0;
  std::string client_msg_id; ///< empty renders as null
  std::string kind = {};     ///< empty: an ordinary message
  std::uint64_t target = 0;   ///< a change event: the seq it changed
  std::uint64_t reply_to = 0; ///< 0 renders as null
  std::int64_t edited_at = 0; ///< 0 renders as null
  bool deleted = false;
  std::vector<reaction_view> reactions = {};
  std::vector<std::string> mentions = {}; ///< member ids the text mentions
  std::vector<attachment_ref> attachments = {}; ///< rendered only when not empty
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_view& x) {
  return f(x.conv, x.seq, x.msg_id, x.from, x.text, x.ts, x.client_msg_id, x.kind, x.target,
           x.reply_to, x.edited_at, x.deleted, x.reactions, x.mentions, x.attachments);
}

/// What a member asks to change about a stored message (`target`).
enum class change_kind : std::uint8_t { edit, remove, react, unreact };

struct message_change {
  change_kind kind = change_kind::edit;
  std::uint64_t target = 0;
  std::string text; ///< edit: the new text; react/unreact: the emoji
  std::string client_msg_id = {}; ///< the client's idempotency key; empty: none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_change& x) {
  return f(x.kind, x.target, x.text, x.client_msg_id);
}

/// The answer to a send: where the message landed; `created` is false for a
/// duplicate `client_msg_id` (HTTP answers 200 instead of 201).
struct send_receipt {
  std::string conv;
  std::uint64_t seq = 0;
  std::string msg_id;
  std::int64_t ts = 0;
  bool created = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, send_receipt& x) {
  return f(x.conv, x.seq, x.msg_id, x.ts, x.created);
}

/// A page of history, ascending by seq.
struct message_page {
  std::vector<message_view> messages;
  bool has_more = false;
  std::uint64_t expired_before = 0; ///< seqs below it were removed by retention
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_page& x) {
  return f(x.messages, x.has_more, x.expired_before);
}

/// `GET /conversations/{id}/messages` paging.
struct page_request {
  std::optional<std::uint64_t> after;
  std::optional<std::uint64_t> before;
  std::uint32_t limit = 100; ///< 1..500
};

/// CAF 0.17 cannot inspect std::optional: paging crosses as flags + values.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, page_request& x) {
  bool has_after = x.after.has_value();
  bool has_before = x.before.has_value();
  std::uint64_t after = x.after.value_or(0);
  std::uint64_t before = x.before.value_or(0);
  if constexpr (Inspector::reads_state) {
    return f(has_after, after, has_before, before, x.limit);
  } else {
    auto result = f(has_after, after, has_before, before, x.limit);
    x.after = has_after ? std::optional<std::uint64_t>{after} : std::nullopt;
    x.before = has_before ? std::optional<std::uint64_t>{before} : std::nullopt;
    return result;
  }
}

/// `POST /conversations/direct` (and create): the conversation and whether
/// this call made it.
struct direct_result {
  conversation_view conversation;
  bool created = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, direct_result& x) {
  return f(x.conversation, x.created);
}

/// `POST /conversations/{id}/invitations`: the invitation and whether this
/// call made it (false: the invitee's pending one, answered again).
struct invite_result {
  invitation_view invitation;
  bool created = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, invite_result& x) {
  return f(x.invitation, x.created);
}

/// `PATCH /users/me`: each part is applied only when its flag is set.
struct profile_update {
  bool set_display_name = false;
  std::string display_name;
  bool set_password = false;
  std::string old_password;
  std::string new_password;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, profile_update& x) {
  return f(x.set_display_name, x.display_name, x.set_password, x.old_password, x.new_password);
}

} // namespace chat
