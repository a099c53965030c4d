#pragma once
// Message tags shared by the actors (CAF 0.17 atoms: at most 10 characters).
#include <caf/atom.hpp>

namespace chat {

// Auth authority requests.
using register_atom = caf::atom_constant<caf::atom("register")>;
using login_atom = caf::atom_constant<caf::atom("login")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using authn_atom = caf::atom_constant<caf::atom("authn")>;
using logout_atom = caf::atom_constant<caf::atom("logout")>;
using sessions_atom = caf::atom_constant<caf::atom("sessions")>;
using end_sess_atom = caf::atom_constant<caf::atom("endsession")>;
using get_me_atom = caf::atom_constant<caf::atom("getme")>;
using update_me_atom = caf::atom_constant<caf::atom("updateme")>;
using delete_me_atom = caf::atom_constant<caf::atom("deleteme")>;
using get_user_atom = caf::atom_constant<caf::atom("getuser")>;
using find_user_atom = caf::atom_constant<caf::atom("finduser")>;
using ticket_atom = caf::atom_constant<caf::atom("ticket")>;
using redeem_atom = caf::atom_constant<caf::atom("redeem")>;

// Directory: finding, activating and retiring actors.
using conv_atom = caf::atom_constant<caf::atom("conv")>;
using user_atom = caf::atom_constant<caf::atom("user")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using mships_atom = caf::atom_constant<caf::atom("mships")>;
using invites_atom = caf::atom_constant<caf::atom("invites")>;
using mindex_atom = caf::atom_constant<caf::atom("mindex")>;

// Conversation requests.
using post_atom = caf::atom_constant<caf::atom("post")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using change_atom = caf::atom_constant<caf::atom("change")>;
using retention_atom = caf::atom_constant<caf::atom("retention")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using unread_atom = caf::atom_constant<caf::atom("unread")>;
using last_seq_atom = caf::atom_constant<caf::atom("lastseq")>;
using typing_atom = caf::atom_constant<caf::atom("typing")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using invite_atom = caf::atom_constant<caf::atom("invite")>;
using accept_atom = caf::atom_constant<caf::atom("accept")>;
using decline_atom = caf::atom_constant<caf::atom("decline")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using presence_atom = caf::atom_constant<caf::atom("presence")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// Marks a post that counts against the poster's per-conversation budget
/// (HTTP posts: a socket has its own limiter).
using metered_atom = caf::atom_constant<caf::atom("metered")>;
/// An account was deleted: its memberships and invitations go.
using forget_atom = caf::atom_constant<caf::atom("forget")>;
/// Attachments: store one, read its header, read one chunk of its bytes.
using upload_atom = caf::atom_constant<caf::atom("upload")>;
using att_meta_atom = caf::atom_constant<caf::atom("attmeta")>;
using att_chunk_atom = caf::atom_constant<caf::atom("attchunk")>;
/// Moderation: a group member's admin role changes.
using role_atom = caf::atom_constant<caf::atom("role")>;
/// Search within a conversation (docs/protocol.md "Search").
using search_atom = caf::atom_constant<caf::atom("search")>;

// Relay: per-node delivery to local connections.
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using add_user_atom = caf::atom_constant<caf::atom("adduser")>;
using drop_user_atom = caf::atom_constant<caf::atom("dropuser")>;

// User and session actors.
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using ended_atom = caf::atom_constant<caf::atom("ended")>;
using push_atom = caf::atom_constant<caf::atom("push")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using inbound_atom = caf::atom_constant<caf::atom("inbound")>;
using binary_atom = caf::atom_constant<caf::atom("binary")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
/// Blocking: one block entry changes; a user's block lists; "is there a
/// block between these users".
using block_atom = caf::atom_constant<caf::atom("block")>;
using blocks_atom = caf::atom_constant<caf::atom("blocks")>;
using blocked_atom = caf::atom_constant<caf::atom("blocked")>;

// Admin shell (chatctl): cluster-wide commands, one node's part, and the
// per-actor questions they ask.
using admin_atom = caf::atom_constant<caf::atom("admin")>;
using admin_local_atom = caf::atom_constant<caf::atom("adminloc")>;
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;
using conns_atom = caf::atom_constant<caf::atom("conns")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
using mailbox_atom = caf::atom_constant<caf::atom("mailbox")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;

// Replication (actors/replication/): consensus messages between members,
// leader announcements, proposals, and the admin shell's questions.
using raft_atom = caf::atom_constant<caf::atom("raft")>;
using leader_atom = caf::atom_constant<caf::atom("leader")>;
using shards_atom = caf::atom_constant<caf::atom("shards")>;
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;
using handoff_atom = caf::atom_constant<caf::atom("handoff")>;

// Generic.
using done_atom = caf::atom_constant<caf::atom("done")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

} // namespace chat
