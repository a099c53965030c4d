#pragma once
// The protocol of a node's admin actor, chatctl's way in (only holders of
// the cluster secret reach it: the cluster port's gate). Any node's admin
// answers a cluster-wide command, gathering each node's part from that
// node's admin (the `admin_local_atom` messages) or asking the actor that
// owns what is inspected. Every answer is a plain struct of
// schema/admin_views.hpp; chatctl renders it (a table or JSON).
// Failures are chat errors (actors/rpc/errors.hpp): bad_request, not_found,
// unavailable (the owning node is unreachable).
#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "schema/admin_views.hpp"

namespace chat {

// The admin commands' own tags (the others are shared, in actors/atoms.hpp).
using nodes_atom = caf::atom_constant<caf::atom("nodes")>;
using actors_atom = caf::atom_constant<caf::atom("actors")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using convs_atom = caf::atom_constant<caf::atom("convs")>;
using session_atom = caf::atom_constant<caf::atom("session")>;
using kick_atom = caf::atom_constant<caf::atom("kick")>;

/// `history` answers at most this many messages; 0 asks for the default.
inline constexpr std::uint32_t admin_history_max = 500;
inline constexpr std::uint32_t admin_history_default = 20;

/// How long `transfer` waits for the new leader to announce itself.
inline constexpr std::chrono::seconds admin_transfer_wait{5};

using admin_api = caf::typed_actor<
  // ---- chatctl: one message per command, answered for the whole cluster.
  /// `nodes`: every node of cluster.conf, in its order; those that do not
  /// answer are listed as down.
  caf::replies_to<nodes_atom>::with<nodes_report>,
  /// `actors [--node N]`: node N only ("" for every node, down ones listed
  /// as down); not_found for a node not in cluster.conf.
  caf::replies_to<actors_atom, std::string>::with<actors_report>,
  /// `stats`: every node, down ones listed as down.
  caf::replies_to<stats_atom>::with<stats_report>,
  /// `conversations [--hot]` (hot: the 20 busiest by messages/s); nodes
  /// that do not answer are named in `down`.
  caf::replies_to<convs_atom, bool>::with<conversations_report>,
  /// `sessions USER` (a user id or a username): the auth sessions and their
  /// live connections.
  caf::replies_to<sessions_atom, std::string>::with<user_sessions>,
  /// `inspect conv|user|session ID` (a user may be named by username).
  caf::replies_to<inspect_atom, conv_atom, std::string>::with<conversation_inspection>,
  caf::replies_to<inspect_atom, user_atom, std::string>::with<user_inspection>,
  caf::replies_to<inspect_atom, session_atom, std::string>::with<session_inspection>,
  /// `kick SESSION`: its connections close with 4001; the session stays.
  caf::replies_to<kick_atom, std::string>::with<kick_result>,
  /// `revoke SESSION`: the session ends everywhere; answers it as it was.
  caf::replies_to<revoke_atom, std::string>::with<auth_session_info>,
  /// `history CONV [-n N]`: the last N messages (0: the default 20; at
  /// most 500), oldest first, from the conversation's node.
  caf::replies_to<history_atom, std::string, std::uint32_t>::with<history_report>,
  /// `shards`: each consensus group from its leader's view (every up node's
  /// replicator is asked); no groups when replication is off.
  caf::replies_to<shards_atom>::with<shards_report>,
  /// `transfer GROUP NODE`: asks the group's leader to hand it to NODE and
  /// answers once this node's peer table names NODE as the leader (waits at
  /// most admin_transfer_wait). Errors: bad_request (replication off, NODE
  /// holds no replica), not_found (no such group or node), unavailable (no
  /// leader known, NODE down, the move did not happen in time), conflict (a
  /// transfer is already running).
  caf::replies_to<transfer_atom, std::uint32_t, std::string>::with<transfer_result>,
  /// `delete-message CONV SEQ`: deletes a message as its conversation's
  /// rules let an admin (members see a `change`; the event's `from` is null).
  caf::replies_to<change_atom, std::string, std::uint64_t>::with<moderation_result>,
  /// `block-user USER` (on) / `unblock-user USER`: a blocked account cannot
  /// log in or refresh; blocking ends its sessions on every node.
  caf::replies_to<block_atom, std::string, bool>::with<moderation_result>,

  // ---- One node's part, asked of each node's admin by the one gathering.
  caf::replies_to<admin_local_atom, nodes_atom>::with<node_status>,
  caf::replies_to<admin_local_atom, actors_atom>::with<node_actor_kinds>,
  caf::replies_to<admin_local_atom, stats_atom>::with<node_stats>,
  caf::replies_to<admin_local_atom, convs_atom>::with<node_conversations>,
  /// The stored history of a conversation of this node's shards (N as
  /// above).
  caf::replies_to<admin_local_atom, history_atom, std::string, std::uint32_t>::with<history_report>,

  // ---- Wiring.
  /// The runtime hands over the peer manager once the cluster port is open
  /// (its mailbox is listed by `actors`).
  caf::reacts_to<caf::put_atom, caf::actor>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

} // namespace chat
