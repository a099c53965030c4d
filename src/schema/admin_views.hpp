#pragma once
// What the admin shell (chatctl) is told about live actors: plain structs
// that actors answer and chatctl renders (as tables or JSON). Nothing here
// knows about JSON.
#include <cstdint>
#include <string>
#include <vector>

namespace chat {

/// One live WebSocket connection (a session actor).
struct connection_info {
  std::string node;    ///< where the socket is
  std::string session; ///< the auth session it belongs to
  std::string user;
  std::string remote;  ///< peer address
  std::int64_t since = 0; ///< ms since the epoch
  std::uint64_t queued = 0; ///< frames waiting to be written
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_info& x) {
  return f(x.node, x.session, x.user, x.remote, x.since, x.queued);
}

struct member_role {
  std::string user;
  std::string role; ///< "owner" | "member"
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_role& x) {
  return f(x.user, x.role);
}

/// One live conversation actor, as it sees itself.
struct conversation_info {
  std::string id;
  std::string node;
  std::string title;
  bool direct = false;
  std::string owner;
  std::vector<member_role> members;
  std::uint64_t last_seq = 0;
  double messages_per_s = 0; ///< over the last 10 s
  std::uint64_t mailbox = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_info& x) {
  return f(x.id, x.node, x.title, x.direct, x.owner, x.members, x.last_seq, x.messages_per_s,
           x.mailbox);
}

/// One auth session as its authority knows it.
struct auth_session_info {
  std::string id;
  std::string user;
  std::int64_t created_at = 0;
  std::int64_t last_seen = 0;
  std::string user_agent; ///< empty when the client sent none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_session_info& x) {
  return f(x.id, x.user, x.created_at, x.last_seen, x.user_agent);
}

// ---------------------------------------------------------------- chatctl's answers
// What the admin actors answer chatctl (src/actors/admin/admin_api.hpp):
// one struct per command, plus the per-node parts a node's admin gathers
// from the others. chatctl renders them as tables or as JSON documents.

/// A node as cluster.conf lists it, and whether it answered.
struct node_address {
  std::string id;
  std::string address;         ///< host:port clients use
  std::string cluster_address; ///< host:port peers use
  bool up = false;             ///< false: down, or it did not answer in time
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_address& x) {
  return f(x.id, x.address, x.cluster_address, x.up);
}

/// How many actors of one kind a node runs ("session", "user", ...).
struct kind_count {
  std::string kind;
  std::uint64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kind_count& x) {
  return f(x.kind, x.count);
}

/// `nodes`: one node (only `node` is meaningful when it is down).
struct node_status {
  node_address node;
  std::int64_t uptime_s = 0;
  std::int64_t connections = 0; ///< WebSocket connections open
  std::vector<kind_count> actors;
  /// Consensus groups it leads, as the answering node's peer table says
  /// (filled in by the node gathering; 0 without replication).
  std::uint32_t leads = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(x.node, x.uptime_s, x.connections, x.actors, x.leads);
}

struct nodes_report {
  std::vector<node_status> nodes; ///< cluster.conf order, down ones included
  bool replicated = false;        ///< replicas > 1: `leads` is meaningful
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, nodes_report& x) {
  return f(x.nodes, x.replicated);
}

/// `actors`: the actors of one kind on a node and their mailboxes summed.
struct actor_kind {
  std::string kind;
  std::uint64_t count = 0;
  std::uint64_t mailbox = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_kind& x) {
  return f(x.kind, x.count, x.mailbox);
}

struct node_actor_kinds {
  node_address node;
  std::vector<actor_kind> actors; ///< empty when the node is down
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_actor_kinds& x) {
  return f(x.node, x.actors);
}

struct actors_report {
  std::vector<node_actor_kinds> nodes; ///< the node asked for, or every node
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actors_report& x) {
  return f(x.nodes);
}

/// `stats`: one node's rates (over its last sample) and totals.
struct node_stats {
  node_address node;
  double messages_stored_per_s = 0;
  double deliveries_per_s = 0;
  std::int64_t connections = 0;
  double storage_sync_ms = 0; ///< mean write+sync time of a storage batch
  std::uint64_t messages_stored_total = 0;
  std::uint64_t deliveries_total = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_stats& x) {
  return f(x.node, x.messages_stored_per_s, x.deliveries_per_s, x.connections,
           x.storage_sync_ms, x.messages_stored_total, x.deliveries_total);
}

struct stats_report {
  std::vector<node_stats> nodes; ///< cluster.conf order, down ones included
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stats_report& x) {
  return f(x.nodes);
}

/// `conversations`: one live conversation actor, in brief.
struct conversation_summary {
  std::string id;
  std::string node;
  std::string title;
  bool direct = false;
  std::uint64_t members = 0; ///< how many
  std::uint64_t last_seq = 0;
  double messages_per_s = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_summary& x) {
  return f(x.id, x.node, x.title, x.direct, x.members, x.last_seq, x.messages_per_s);
}

/// One node's live conversations.
struct node_conversations {
  node_address node;
  std::vector<conversation_summary> conversations;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_conversations& x) {
  return f(x.node, x.conversations);
}

struct conversations_report {
  std::vector<conversation_summary> conversations; ///< --hot: the busiest first
  std::vector<std::string> down;                   ///< nodes not listed
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversations_report& x) {
  return f(x.conversations, x.down);
}

/// `sessions USER`: one auth session and its live connections.
struct session_connections {
  auth_session_info session;
  std::vector<connection_info> connections;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_connections& x) {
  return f(x.session, x.connections);
}

struct user_sessions {
  std::string user_id;
  std::string username;
  std::vector<session_connections> sessions;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_sessions& x) {
  return f(x.user_id, x.username, x.sessions);
}

/// How many of something a node has (subscribers of a conversation).
struct node_count {
  std::string node;
  std::uint64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_count& x) {
  return f(x.node, x.count);
}

/// `inspect conv ID`: the actor's view, with its subscribers per node
/// (the nodes that answered).
struct conversation_inspection {
  conversation_info conversation;
  std::vector<node_count> subscribers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_inspection& x) {
  return f(x.conversation, x.subscribers);
}

/// A pending invitation, as `inspect user` lists it.
struct pending_invitation {
  std::string id;
  std::string conv;
  std::string from;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pending_invitation& x) {
  return f(x.id, x.conv, x.from);
}

/// `inspect user ID|USERNAME`. Online means it has live connections.
struct user_inspection {
  std::string id;
  std::string username;
  std::string display_name;
  std::string home; ///< the node owning the user's shard
  std::vector<connection_info> connections;
  std::vector<std::string> conversations;
  std::vector<pending_invitation> pending_invitations;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_inspection& x) {
  return f(x.id, x.username, x.display_name, x.home, x.connections, x.conversations,
           x.pending_invitations);
}

/// `inspect session ID`.
struct session_inspection {
  auth_session_info session;
  std::vector<connection_info> connections;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_inspection& x) {
  return f(x.session, x.connections);
}

/// `kick SESSION`: how many connections were told to close.
struct kick_result {
  std::string session;
  std::uint64_t connections = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kick_result& x) {
  return f(x.session, x.connections);
}

/// `history CONV`: one stored message.
struct history_entry {
  std::uint64_t seq = 0;
  std::string from;
  std::string text;
  std::int64_t ts = 0; ///< ms since the epoch
  std::string msg_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_entry& x) {
  return f(x.seq, x.from, x.text, x.ts, x.msg_id);
}

struct history_report {
  std::string conv;
  std::vector<history_entry> messages; ///< oldest first
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_report& x) {
  return f(x.conv, x.messages);
}

/// One member's view of a consensus group (chatctl shards).
struct replica_progress {
  std::string node;
  std::uint64_t match_index = 0; ///< last entry known to be on that node
  bool recent = false;           ///< heard from within an election timeout
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replica_progress& x) {
  return f(x.node, x.match_index, x.recent);
}

struct group_status {
  std::uint32_t group = 0;
  std::string node;   ///< the member answering
  std::string role;   ///< leader | follower | candidate | unavailable
  std::string leader; ///< node id, empty when unknown
  bool serving = false; ///< leads and has applied every earlier entry
  std::uint64_t term = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;
  std::uint64_t last_index = 0;
  std::uint64_t snapshot_index = 0;
  std::vector<std::string> replicas;          ///< node ids, preferred leader first
  std::vector<replica_progress> followers;    ///< leader only
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_status& x) {
  return f(x.group, x.node, x.role, x.leader, x.serving, x.term, x.commit_index, x.applied_index,
           x.last_index, x.snapshot_index, x.replicas, x.followers);
}

/// `shards`: one follower as its group's leader sees it.
struct follower_lag {
  std::string node;
  std::uint64_t match_index = 0;
  bool recent = false;  ///< false: not heard from lately (shown as down)
  std::uint64_t lag = 0; ///< entries of the leader's log it lacks
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, follower_lag& x) {
  return f(x.node, x.match_index, x.recent, x.lag);
}

/// `shards`: one consensus group, from its leader's view when a leader
/// answered, else from the member with the newest term (no followers then).
struct group_report {
  std::uint32_t group = 0;
  std::string leader;      ///< node id as the reporting member knows it; empty: none
  std::string reported_by; ///< the member whose view this is; empty: none answered
  bool serving = false;    ///< the leader has applied every earlier entry
  std::uint64_t term = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;
  std::uint64_t last_index = 0;
  std::vector<std::string> replicas; ///< preferred leader first
  std::vector<follower_lag> followers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_report& x) {
  return f(x.group, x.leader, x.reported_by, x.serving, x.term, x.commit_index,
           x.applied_index, x.last_index, x.replicas, x.followers);
}

struct shards_report {
  std::uint32_t replicas = 1;       ///< 1: replication is off, no groups listed
  std::vector<group_report> groups; ///< by group number
  std::vector<std::string> down;    ///< nodes whose replicator did not answer
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shards_report& x) {
  return f(x.replicas, x.groups, x.down);
}

/// `transfer GROUP NODE`: who led the group before and who leads it now.
struct transfer_result {
  std::uint32_t group = 0;
  std::string from;
  std::string to;
  std::uint64_t term = 0; ///< the new leader's term
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_result& x) {
  return f(x.group, x.from, x.to, x.term);
}

/// `delete-message CONV SEQ`, `block-user USER`, `unblock-user USER`: what
/// an operator's moderation did. `action` is "deleted", "blocked" or
/// "unblocked"; `subject` the conversation or user id.
struct moderation_result {
  std::string action;
  std::string subject;
  std::string username;         ///< block/unblock: the user's name
  std::uint64_t seq = 0;        ///< delete: the message deleted
  std::uint64_t event_seq = 0;  ///< delete: the deletion event's own seq
  std::uint64_t sessions = 0;   ///< block: the sessions ended
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, moderation_result& x) {
  return f(x.action, x.subject, x.username, x.seq, x.event_seq, x.sessions);
}

} // namespace chat
