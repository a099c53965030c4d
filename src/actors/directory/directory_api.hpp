#pragma once
// The protocol of a node's directory: it finds, activates and retires the
// conversation and user actors of the node's shards, and forwards requests
// about other shards to their owner's directory.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/conversation/conversation_api.hpp"
#include "actors/user/user_api.hpp"
#include "schema/admin_views.hpp"
#include "schema/wire.hpp"

namespace chat {

using directory_api = caf::typed_actor<
  /// An existing conversation (activated from storage if needed); not_found.
  caf::replies_to<conv_atom, std::string>::with<conversation_api>,
  /// A conversation that may not exist yet (creation goes to it).
  caf::replies_to<create_atom, std::string>::with<conversation_api>,
  /// The user's actor, spawned on demand on the user's home node.
  caf::replies_to<user_atom, std::string>::with<user_api>,
  /// (user, frame): to the user's live connections; dropped when none.
  caf::reacts_to<push_atom, std::string, wire_frame>,
  /// (user, auth session): that session's connections close with 4001.
  caf::reacts_to<ended_atom, std::string, std::string>,
  /// (user): the user's blocks changed; a live user actor reloads them.
  caf::reacts_to<blocks_atom, std::string>,
  /// This node's part of a user's memberships and pending invitations.
  caf::replies_to<mships_atom, std::string>::with<std::vector<std::string>>,
  caf::replies_to<invites_atom, std::string>::with<std::vector<invitation_view>>,
  /// (user, conversation, joined): the copy a user's home node keeps.
  caf::reacts_to<mindex_atom, std::string, std::string, bool>,
  /// An actor asks to be forgotten before it passivates; false if it is
  /// not the registered one (or not registered).
  caf::replies_to<retire_atom, std::string>::with<bool>,
  /// (group, serving): this node started or stopped serving the group; on a
  /// stop, the conversation and user actors of its shards here end.
  caf::reacts_to<leader_atom, std::uint32_t, bool>,
  /// The admin shell.
  caf::replies_to<conns_atom, std::string>::with<std::vector<connection_info>>,
  caf::replies_to<list_atom>::with<std::vector<conversation_api>>,
  caf::replies_to<list_atom, user_atom>::with<std::vector<user_api>>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

} // namespace chat
