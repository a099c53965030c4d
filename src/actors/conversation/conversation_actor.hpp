#pragma once
// A conversation: one actor per conversation, on its shard's node. It holds
// the members and the next seq, appends each message through the group-commit
// writer, answers only once the write is durable, then hands the encoded
// frame to the relays. It passivates when idle.
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/conversation/conversation_api.hpp"
#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"

namespace chat {

/// A stored conversation as activation reads it (off the actor, on the
/// read pool): header, members and the highest stored seq.
struct stored_conversation {
  conversation_record header;
  std::vector<member_record> members;
  std::uint64_t last_seq = 0;
};

/// `stored`: what activation read; nothing when the conversation does not
/// exist yet (the first request will be `create`).
conversation_api spawn_conversation(caf::actor_system& sys, node_ref ctx, directory_api directory,
                                    std::string id, std::optional<stored_conversation> stored);

} // namespace chat
