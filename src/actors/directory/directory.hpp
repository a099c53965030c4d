#pragma once
// The directory (one per node): finds, activates and retires the node's
// conversation and user actors. A conversation is activated on first use
// from storage and passivated when idle; it asks the directory before it
// goes (see conversation_actor.cpp), so one conversation never has two
// live instances.
#include <caf/fwd.hpp>

#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"

namespace chat {

/// Spawns the directory of this node.
directory_api spawn_directory(caf::actor_system& sys, node_ref ctx);

} // namespace chat
