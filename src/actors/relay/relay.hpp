#pragma once
// The relay (one per node) hands each message of a conversation to every
// local connection subscribed to it: a conversation sends one message per
// node, never one per member. It keeps, for each conversation, the local
// sessions subscribed to it, and for each user their local sessions, so a
// conversation can subscribe or drop a member's connections in order with
// its deliveries.
#include <caf/fwd.hpp>

#include "actors/relay/relay_api.hpp"

namespace chat {

/// Spawns the relay of this node.
relay_api spawn_relay(caf::actor_system& sys);

} // namespace chat
