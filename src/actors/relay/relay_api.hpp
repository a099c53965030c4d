#pragma once
// The protocol of a node's relay, which hands a conversation's frames to
// the node's connections subscribed to it.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/session/session_api.hpp"

namespace chat {

using relay_api = caf::typed_actor<
  /// (user, session, its sink, conversations): a session subscribes; a
  /// repeated call adds conversations.
  caf::reacts_to<subscribe_atom, std::string, session_api, sink_ptr, std::vector<std::string>>,
  /// (session, users): typing and presence of these users are not pushed
  /// to that session (blocking); replaces the earlier list.
  caf::reacts_to<blocks_atom, session_api, std::vector<std::string>>,
  /// (conversation, frame, except user or ""): one frame for its subscribers.
  /// A frame with an except user is about that user (typing, presence).
  caf::reacts_to<deliver_atom, std::string, wire_frame, std::string>,
  /// (conversation, user): a member's connections join or leave it, in
  /// order with the deliveries.
  caf::reacts_to<add_user_atom, std::string, std::string>,
  caf::reacts_to<drop_user_atom, std::string, std::string>,
  /// The admin shell: subscribers of a conversation here, this node's sessions.
  caf::replies_to<count_atom, std::string>::with<std::uint64_t>,
  caf::replies_to<list_atom>::with<std::vector<session_api>>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

} // namespace chat
