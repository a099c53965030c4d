#pragma once
// The protocol of a session actor (one per WebSocket connection).
#include <cstdint>
#include <vector>
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/session/shared_types.hpp"
#include "schema/admin_views.hpp"

namespace chat {

using session_api = caf::typed_actor<
  // From the connection: a text frame, a binary frame (refused), the socket closed.
  caf::reacts_to<inbound_atom, std::string>,
  caf::reacts_to<binary_atom>,
  caf::reacts_to<closed_atom>,
  // From the user's actor: an encoded frame to write; close with a code.
  caf::reacts_to<push_atom, wire_frame>,
  caf::reacts_to<close_atom, std::uint16_t>,
  // From the user's actor: the users whose typing and presence this
  // connection must not show (blocked, or blocking the user).
  caf::reacts_to<blocks_atom, std::vector<std::string>>,
  // The admin shell.
  caf::replies_to<inspect_atom>::with<connection_info>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

} // namespace chat
