#pragma once
// Conversations, invitations and messages for the HTTP layer (no CAF here).
// Every call returns at once; `done` runs later on an actor thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/auth/auth_client.hpp"
#include "schema/attachment.hpp"
#include "schema/outcome.hpp"
#include "schema/search.hpp"
#include "schema/wire.hpp"

namespace chat {

using conversation_list = std::vector<conversation_view>;
using invitation_list = std::vector<invitation_view>;

class conversation_client {
public:
  class impl;
  explicit conversation_client(std::shared_ptr<impl> pimpl);
  ~conversation_client();

  void create(principal who, std::string title, std::vector<std::string> invite,
              reply<conversation_view> done) const;
  void open_direct(principal who, std::string other_user, reply<direct_result> done) const;
  void list(principal who, reply<conversation_list> done) const;
  /// With members; members only (403), unknown id 404.
  void get(principal who, std::string conv, reply<conversation_view> done) const;
  /// `created` false: the invitee's pending invitation, answered again.
  void invite(principal who, std::string conv, std::string user_id,
              reply<invite_result> done) const;
  /// The caller's pending invitations, oldest first (at most
  /// max_pending_invitations of them exist).
  void invitations(principal who, reply<invitation_list> done) const;
  void accept(principal who, std::string invitation, reply<conversation_view> done) const;
  void decline(principal who, std::string invitation, reply<none_t> done) const;
  /// Yourself: leave; another member: the owner, or an admin (plain members).
  void remove_member(principal who, std::string conv, std::string user_id,
                     reply<none_t> done) const;
  /// The owner makes a member an admin (`admin` true) or a plain member.
  void set_admin(principal who, std::string conv, std::string user_id, bool admin,
                 reply<none_t> done) const;
  /// The owner sets the retention period (seconds, 0: forever).
  void set_retention(principal who, std::string conv, std::int64_t seconds,
                     reply<conversation_view> done) const;
  /// `reply_to`: the seq of the message answered, 0 for none.
  void post_message(principal who, std::string conv, std::string text,
                    std::string client_msg_id, reply<send_receipt> done,
                    std::uint64_t reply_to = 0,
                    std::vector<std::string> attachments = {}) const;
  /// Edit, delete or react (docs/protocol.md "Changing messages"); counted
  /// against the same budgets as posts. Answers the change's own receipt.
  void change_message(principal who, std::string conv, message_change change,
                      reply<send_receipt> done) const;
  void messages(principal who, std::string conv, page_request page,
                reply<message_page> done) const;
  /// Search (docs/protocol.md "Search"; search_client.cpp): one
  /// conversation (members only), or every conversation the caller is a
  /// member of (at most max_search_conversations), merged newest first.
  void search(principal who, std::string conv, search_request req,
              reply<search_page> done) const;
  void search_all(principal who, search_request req, reply<search_results> done) const;
  /// Stores an attachment (members only). Counted against the caller's
  /// HTTP post budget (rate_burst/rate_per_second per auth session).
  void upload_attachment(principal who, std::string conv, std::string name,
                         std::string content_type, std::string bytes,
                         reply<attachment_view> done) const;
  /// An attachment's header (members only; not_found when `conv` has no `id`).
  void attachment(principal who, std::string conv, std::string id,
                  reply<attachment_view> done) const;
  /// Chunk `index` of an attachment's bytes (schema/attachment.hpp).
  void attachment_chunk(principal who, std::string conv, std::string id, std::uint64_t index,
                        reply<std::string> done) const;
  /// `user` starts (`on`) or stops blocking `other`: their direct
  /// conversation, if they have one, refuses posts and changes while either
  /// blocks the other. Best effort: `done` always succeeds (a conversation
  /// that cannot be reached now keeps its state).
  void block_direct(std::string user, std::string other, bool on, reply<none_t> done) const;
  /// After an account's deletion: removes it from every conversation it is
  /// in and voids the invitations it sent or received (best effort: a
  /// conversation that cannot be reached now keeps them).
  void forget_user(std::string user_id, reply<none_t> done) const;

private:
  std::shared_ptr<impl> pimpl_;
};

} // namespace chat
