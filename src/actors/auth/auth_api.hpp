#pragma once
// The protocol of a node's auth authority: users, password hashes,
// sessions, access and refresh tokens, WebSocket tickets, for the users
// and sessions of the node's shards. Requests reach the authority owning
// the shard of the username, user id or session id they name.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "schema/admin_views.hpp"
#include "schema/wire.hpp"

namespace chat {

using auth_api = caf::typed_actor<
  /// (username, password, display name or "") → the new user; conflict.
  caf::replies_to<register_atom, std::string, std::string, std::string>::with<user_view>,
  /// (username, password, user agent or "") → tokens of a new session.
  caf::replies_to<login_atom, std::string, std::string, std::string>::with<token_grant>,
  /// Rotates a refresh token; a reused one ends its session.
  caf::replies_to<refresh_atom, std::string>::with<token_grant>,
  /// Confirms the session of a verified access token is live.
  caf::replies_to<authn_atom, principal>::with<principal>,
  caf::replies_to<logout_atom, principal>::with<done_atom>,
  caf::replies_to<sessions_atom, principal>::with<session_list>,
  /// (who, session id): ends one of the caller's sessions.
  caf::replies_to<end_sess_atom, principal, std::string>::with<done_atom>,
  caf::replies_to<get_me_atom, principal>::with<user_view>,
  caf::replies_to<update_me_atom, principal, profile_update>::with<user_view>,
  /// (who, password): deletes the account and ends its sessions.
  caf::replies_to<delete_me_atom, principal, std::string>::with<done_atom>,
  /// A user by id or by username; not_found.
  caf::replies_to<get_user_atom, std::string>::with<user_view>,
  caf::replies_to<find_user_atom, std::string>::with<user_view>,
  /// A one-time WebSocket ticket for the caller's session, and its redemption.
  caf::replies_to<ticket_atom, principal>::with<ws_ticket>,
  caf::replies_to<redeem_atom, std::string>::with<principal>,
  /// The admin shell: a user's sessions, one session, revoking one.
  caf::replies_to<admin_atom, sessions_atom, std::string>::with<std::vector<auth_session_info>>,
  caf::replies_to<admin_atom, inspect_atom, std::string>::with<auth_session_info>,
  caf::replies_to<admin_atom, revoke_atom, std::string>::with<auth_session_info>,
  /// (user id, on): an operator blocks the account (no login; every session
  /// ends, its sockets close) or unblocks it; answers the sessions ended.
  caf::replies_to<admin_atom, block_atom, std::string, bool>::with<std::uint64_t>,
  /// Blocking (both entries live on their user's shard). (user, other,
  /// outgoing, on): outgoing: `user` blocks `other` (bounded by max_blocks,
  /// conflict beyond); else the reverse entry "`other` blocks `user`".
  caf::replies_to<block_atom, std::string, std::string, bool, bool>::with<done_atom>,
  /// (user, outgoing): whom `user` blocks, or who blocks `user`, by id.
  caf::replies_to<blocks_atom, std::string, bool>::with<std::vector<std::string>>,
  /// (user, others): the first of `others` blocking or blocked by `user`, or "".
  caf::replies_to<blocked_atom, std::string, std::vector<std::string>>::with<std::string>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

} // namespace chat
