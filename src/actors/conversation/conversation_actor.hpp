#pragma once
// A conversation: one actor per conversation, on its shard's node. It holds
// the members and the next seq, appends each message through the group-commit
// writer, answers only once the write is durable, then hands the encoded
// frame to the relays. It passivates when idle.
#include <string>

#include <caf/fwd.hpp>

#include "actors/conversation/conversation_api.hpp"
#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"

namespace chat {

/// `fresh`: nothing is stored yet (the first request will be `create`).
conversation_api spawn_conversation(caf::actor_system& sys, node_ref ctx, directory_api directory,
                              std::string id, bool fresh);

} // namespace chat
