#pragma once
// The protocol of a user's actor (one per user with live connections, on
// the user's home node).
#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/session/session_api.hpp"
#include "schema/admin_views.hpp"

namespace chat {

using user_api = caf::typed_actor<
  /// A connection (session actor) of auth session `session_id` registers;
  /// `retry` while the actor retires.
  caf::replies_to<attach_atom, session_api, std::string>::with<done_atom>,
  /// A frame for every connection of the user (an invitation).
  caf::reacts_to<push_atom, wire_frame>,
  /// Auth session `session_id` ended: its connections close with 4001.
  caf::reacts_to<ended_atom, std::string>,
  /// The user's blocks changed: reload them and tell every connection.
  caf::reacts_to<blocks_atom>,
  /// The admin shell: every live connection of the user.
  caf::replies_to<conns_atom>::with<std::vector<connection_info>>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

} // namespace chat
