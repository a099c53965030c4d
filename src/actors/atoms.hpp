#pragma once
// Message tags shared by the actors (CAF 0.17 atoms: at most 10 characters).
#include <caf/atom.hpp>

namespace chat {

// Auth authority requests.
using register_atom = caf::atom_constant<caf::atom("register")>;
using login_atom = caf::atom_constant<caf::atom("login")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using authn_atom = caf::atom_constant<caf::atom("authn")>;
using logout_atom = caf::atom_constant<caf::atom("logout")>;
using sessions_atom = caf::atom_constant<caf::atom("sessions")>;
using end_sess_atom = caf::atom_constant<caf::atom("endsession")>;
using get_me_atom = caf::atom_constant<caf::atom("getme")>;
using update_me_atom = caf::atom_constant<caf::atom("updateme")>;
using delete_me_atom = caf::atom_constant<caf::atom("deleteme")>;
using get_user_atom = caf::atom_constant<caf::atom("getuser")>;
using find_user_atom = caf::atom_constant<caf::atom("finduser")>;
using ticket_atom = caf::atom_constant<caf::atom("ticket")>;
using redeem_atom = caf::atom_constant<caf::atom("redeem")>;

// Generic.
using done_atom = caf::atom_constant<caf::atom("done")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

} // namespace chat
