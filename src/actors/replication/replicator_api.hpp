#pragma once
// The protocol of a node's replicator: the actor that hosts this node's
// member of every consensus group it holds (docs/replication.md). Peers'
// replicators exchange consensus messages and leader announcements; the
// admin shell asks for status and leadership transfers; the node asks it to
// hand its leaderships over before a graceful stop.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/auth/auth_api.hpp"
#include "schema/admin_views.hpp"

namespace chat {

using replicator_api = caf::typed_actor<
  /// (group, bytes): a consensus message from another member of the group.
  caf::reacts_to<raft_atom, std::uint32_t, std::string>,
  /// (group, term, node position, the group's auth authority, commit index,
  /// every replica caught up): that node leads the group from `term` on and
  /// serves it. Repeated a few times a second.
  caf::reacts_to<leader_atom, std::uint32_t, std::uint64_t, std::uint64_t, auth_api,
                 std::uint64_t, bool>,
  /// This node's view of each group it holds.
  caf::replies_to<shards_atom>::with<std::vector<group_status>>,
  /// (group, node id): move the group's leadership there (this node must lead it).
  caf::replies_to<transfer_atom, std::uint32_t, std::string>::with<done_atom>,
  /// Hands every leadership of this node to another replica; answers with
  /// how many groups still have this node as leader when it gave up waiting.
  caf::replies_to<handoff_atom>::with<std::uint32_t>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

} // namespace chat
