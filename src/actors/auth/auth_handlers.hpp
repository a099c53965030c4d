#pragma once
// The auth authority's request handlers, one function per auth_api message,
// grouped by concern in the .cpp files named below; auth_authority.cpp
// composes them into the actor's behavior. A handler answers at once (a
// value or an error) or returns the promise it delivers later, when the
// password pool or the storage writer has finished.
#include <string>
#include <vector>

#include <caf/result.hpp>

#include "actors/auth/auth_state.hpp"

namespace chat::auth_handlers {

// accounts.cpp: creating, reading, changing and deleting users.
caf::result<user_view> register_user(auth_actor self, std::string username, std::string password,
                                     std::string display_name);
caf::result<user_view> get_me(auth_actor self, const principal& who);
caf::result<user_view> update_me(auth_actor self, const principal& who, profile_update change);
caf::result<done_atom> delete_me(auth_actor self, const principal& who, std::string password);
caf::result<user_view> get_user(auth_actor self, const std::string& user_id);
caf::result<user_view> find_user(auth_actor self, const std::string& username);

// sessions.cpp: logging in and out, tokens, a user's sessions.
caf::result<token_grant> login(auth_actor self, std::string username, std::string password,
                               std::string user_agent);
caf::result<token_grant> refresh(auth_actor self, const std::string& token);
caf::result<principal> authn(auth_actor self, const principal& who);
caf::result<done_atom> logout(auth_actor self, const principal& who);
caf::result<session_list> list_sessions(auth_actor self, const principal& who);
caf::result<done_atom> end_session(auth_actor self, const principal& who,
                                   const std::string& session_id);

// tickets.cpp: single-use WebSocket tickets.
caf::result<ws_ticket> issue_ticket(auth_actor self, const principal& who);
caf::result<principal> redeem_ticket(auth_actor self, const std::string& ticket);
/// Drops expired tickets and schedules the next sweep (the first: at spawn).
void sweep_tickets(auth_actor self);
void schedule_sweep(auth_actor self);

// auth_admin.cpp: what the admin shell (chatctl) asks.
caf::result<std::vector<auth_session_info>> admin_sessions(auth_actor self,
                                                           const std::string& user_id);
caf::result<auth_session_info> admin_inspect(auth_actor self, const std::string& session_id);
caf::result<auth_session_info> admin_revoke(auth_actor self, const std::string& session_id);
caf::result<std::uint64_t> admin_block_user(auth_actor self, const std::string& user_id, bool on);

// blocks.cpp: who blocks whom (the `blocks` column of the user's shard).
caf::result<done_atom> set_block(auth_actor self, const std::string& user,
                                 const std::string& other, bool outgoing, bool on);
caf::result<std::vector<std::string>> list_blocks(auth_actor self, const std::string& user,
                                                  bool outgoing);
caf::result<std::string> blocked_among(auth_actor self, const std::string& user,
                                       const std::vector<std::string>& others);

} // namespace chat::auth_handlers
