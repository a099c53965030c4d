#pragma once
// The protocol of a conversation actor (one per conversation, on its
// shard's node). `user` arguments name who asks; the conversation checks
// membership itself. Failures are chat errors (actors/rpc/errors.hpp):
// `retry` while it passivates, not_found, forbidden, bad_request, ...
#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "schema/admin_views.hpp"
#include "schema/attachment.hpp"
#include "schema/records.hpp"
#include "schema/search.hpp"
#include "schema/wire.hpp"

namespace chat {

using conversation_api = caf::typed_actor<
  /// Creates it with its members and invitations in one write, or answers
  /// the existing conversation (`created` false). For a direct one, the
  /// first member (the caller) is a member again if they had left.
  caf::replies_to<create_atom, conversation_record, std::vector<member_record>,
                  std::vector<std::string>>::with<direct_result>,
  /// Appends a message (user, text, client_msg_id or "") once durable.
  caf::replies_to<post_atom, std::string, std::string, std::string>::with<send_receipt>,
  /// The same, counted against the poster's budget here (HTTP posts: one
  /// budget per user and conversation, whichever node they come through).
  caf::replies_to<post_atom, metered_atom, std::string, std::string, std::string>::with<send_receipt>,
  /// The same two, answering an earlier message (user, text,
  /// client_msg_id or "", reply_to seq).
  caf::replies_to<post_atom, std::string, std::string, std::string, std::uint64_t>::with<send_receipt>,
  caf::replies_to<post_atom, metered_atom, std::string, std::string, std::string,
                  std::uint64_t>::with<send_receipt>,
  /// The same two with attachments (ids of this conversation's uploads;
  /// the text may then be empty).
  caf::replies_to<post_atom, std::string, std::string, std::string, std::uint64_t,
                  std::vector<std::string>>::with<send_receipt>,
  caf::replies_to<post_atom, metered_atom, std::string, std::string, std::string,
                  std::uint64_t, std::vector<std::string>>::with<send_receipt>,
  /// Edits, deletes or reacts to a message (user, change): the receipt of
  /// the change's own event seq. Metered like a post in the second form.
  caf::replies_to<change_atom, std::string, message_change>::with<send_receipt>,
  caf::replies_to<change_atom, metered_atom, std::string, message_change>::with<send_receipt>,
  /// The operator (chatctl delete-message) deletes message seq; the event's
  /// `from` is empty.
  caf::replies_to<change_atom, admin_atom, std::uint64_t>::with<send_receipt>,
  caf::replies_to<history_atom, std::string, page_request>::with<message_page>,
  /// (user, query): matching messages, newest first (members only).
  caf::replies_to<search_atom, std::string, search_request>::with<search_page>,
  /// The conversation, with members when the flag is set.
  caf::replies_to<info_atom, std::string, bool>::with<conversation_view>,
  /// (user, seconds): the owner sets how long messages are kept (0: forever).
  caf::replies_to<retention_atom, std::string, std::int64_t>::with<conversation_view>,
  caf::replies_to<last_seq_atom, std::string>::with<std::uint64_t>,
  /// The conversation (no members) with the user's unread and mention counts.
  caf::replies_to<info_atom, unread_atom, std::string>::with<conversation_view>,
  /// Ephemeral signals; dropped for non-members.
  caf::reacts_to<typing_atom, std::string>,
  caf::reacts_to<read_atom, std::string, std::uint64_t>,
  caf::reacts_to<presence_atom, std::string, bool>,
  /// (by, invitee) → the stored invitation, or the invitee's pending one
  /// (`created` false); new ones to one invitee are rate limited per inviter.
  caf::replies_to<invite_atom, std::string, std::string>::with<invite_result>,
  /// (user, invitation id).
  caf::replies_to<accept_atom, std::string, std::string>::with<conversation_view>,
  caf::replies_to<decline_atom, std::string, std::string>::with<done_atom>,
  /// (by, target): leave (by == target) or kick (the owner, an admin).
  caf::replies_to<remove_atom, std::string, std::string>::with<done_atom>,
  /// (by, target, admin): the owner makes a member an admin or a plain
  /// member again (member_roles.hpp).
  caf::replies_to<role_atom, std::string, std::string, bool>::with<done_atom>,
  /// (user): the account was deleted; it stops being a member (ownership
  /// passes on) and its invitations here, sent or received, are void.
  caf::replies_to<forget_atom, std::string>::with<done_atom>,
  /// (user, on): in a direct conversation, `user` starts or stops blocking
  /// the other (told by the block route, which derived the id from the
  /// pair); while either blocks, posts and changes are refused.
  caf::replies_to<block_atom, std::string, bool>::with<done_atom>,
  /// Attachments, members only: (user, name, content type, bytes) stores
  /// one; (user, id) its header; (user, id, chunk index) one chunk's bytes.
  caf::replies_to<upload_atom, std::string, std::string, std::string, std::string>::with<attachment_view>,
  caf::replies_to<att_meta_atom, std::string, std::string>::with<attachment_view>,
  caf::replies_to<att_chunk_atom, std::string, std::string, std::uint64_t>::with<std::string>,
  /// The admin shell.
  caf::replies_to<inspect_atom>::with<conversation_info>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

} // namespace chat
