// The auth authority's behavior: each auth_api message to its handler
// (auth_handlers.hpp), plus the authority's own messages.
#include "actors/auth/auth_authority.hpp"

#include <caf/all.hpp>

#include "actors/auth/auth_handlers.hpp"

namespace chat {
namespace {

namespace h = auth_handlers;

auth_impl::behavior_type auth_authority(auth_actor self, auth_settings cfg) {
  self->state.init(self, std::move(cfg));
  h::schedule_sweep(self);
  return {
    // Accounts.
    [self](register_atom, std::string username, std::string password, std::string display_name) {
      return h::register_user(self, std::move(username), std::move(password),
                              std::move(display_name));
    },
    [self](get_me_atom, const principal& who) { return h::get_me(self, who); },
    [self](update_me_atom, const principal& who, profile_update change) {
      return h::update_me(self, who, std::move(change));
    },
    [self](delete_me_atom, const principal& who, std::string password) {
      return h::delete_me(self, who, std::move(password));
    },
    [self](get_user_atom, const std::string& id) { return h::get_user(self, id); },
    [self](find_user_atom, const std::string& name) { return h::find_user(self, name); },

    // Sessions.
    [self](login_atom, std::string username, std::string password, std::string user_agent) {
      return h::login(self, std::move(username), std::move(password), std::move(user_agent));
    },
    [self](refresh_atom, const std::string& token) { return h::refresh(self, token); },
    [self](authn_atom, const principal& who) { return h::authn(self, who); },
    [self](logout_atom, const principal& who) { return h::logout(self, who); },
    [self](sessions_atom, const principal& who) { return h::list_sessions(self, who); },
    [self](end_sess_atom, const principal& who, const std::string& session_id) {
      return h::end_session(self, who, session_id);
    },

    // Tickets.
    [self](ticket_atom, const principal& who) { return h::issue_ticket(self, who); },
    [self](redeem_atom, const std::string& ticket) { return h::redeem_ticket(self, ticket); },

    // The admin shell.
    [self](admin_atom, sessions_atom, const std::string& user_id) {
      return h::admin_sessions(self, user_id);
    },
    [self](admin_atom, inspect_atom, const std::string& session_id) {
      return h::admin_inspect(self, session_id);
    },
    [self](admin_atom, block_atom, const std::string& user_id, bool on) {
      return h::admin_block_user(self, user_id, on);
    },
    [self](admin_atom, revoke_atom, const std::string& session_id) {
      return h::admin_revoke(self, session_id);
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },

    // Blocking.
    [self](block_atom, const std::string& user, const std::string& other, bool outgoing,
           bool on) { return h::set_block(self, user, other, outgoing, on); },
    [self](blocks_atom, const std::string& user, bool outgoing) {
      return h::list_blocks(self, user, outgoing);
    },
    [self](blocked_atom, const std::string& user, const std::vector<std::string>& others) {
      return h::blocked_among(self, user, others);
    },

    // The authority's own: finished off-actor work, and the ticket sweep.
    [self](resume_atom, std::uint64_t id) { self->state.pending.resume(id); },
    [self](sweep_atom) { h::sweep_tickets(self); },
  };
}

} // namespace

auth_api spawn_auth_authority(caf::actor_system& sys, auth_settings settings) {
  return caf::actor_cast<auth_api>(sys.spawn(auth_authority, std::move(settings)));
}

} // namespace chat
