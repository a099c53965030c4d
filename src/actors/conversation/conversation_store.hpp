#pragma once
// A conversation's durable state: its header, members, messages (keyed by
// conversation id + big-endian seq, so a range scan is a page of history),
// idempotency keys and read markers. Writes are added to a batch that the
// conversation actor commits through the group-commit writer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "schema/error_code.hpp"
#include "schema/records.hpp"
#include "schema/wire.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace chat {

struct page_request;

class conversation_store {
public:
  explicit conversation_store(storage::store db) : db_(db) {}

  /// Header, members and the highest stored seq (0 when none).
  errc load(const std::string& conv, conversation_record* header,
            std::vector<member_record>* members, std::uint64_t* last_seq) const;

  /// The receipt of an earlier send with this client_msg_id, if any.
  errc find_idempotent(const std::string& conv, const std::string& user,
                       const std::string& client_msg_id, send_receipt* out) const;

  /// The stored message or event at `seq` (not_found when none).
  errc get(const std::string& conv, std::uint64_t seq, message_record* out) const;

  /// A page of history following PROTOCOL.md's after/before/limit rules.
  errc page(const std::string& conv, const page_request& req, message_page* out) const;

  void put_header(storage::write_batch& b, const conversation_record& c) const;
  /// Adds the member record and the user's membership index entry together.
  void put_member(storage::write_batch& b, const std::string& conv, const member_record& m) const;
  void delete_member(storage::write_batch& b, const std::string& conv,
                     const std::string& user) const;
  /// The message and, when it has one, its idempotency key.
  void append(storage::write_batch& b, const std::string& conv, const message_record& m) const;
  /// Rewrites a stored message in place (its current state after a change).
  void update(storage::write_batch& b, const std::string& conv, const message_record& m) const;
  /// Removes a stored message or event and its idempotency key (retention).
  void erase(storage::write_batch& b, const message_view& m) const;
  void put_read_marker(storage::write_batch& b, const std::string& conv, const std::string& user,
                       std::uint64_t seq) const;

  /// The copy of a membership entry kept on the user's home node when the
  /// conversation lives elsewhere.
  static void put_membership(storage::write_batch& b, const std::string& user,
                             const std::string& conv);
  static void delete_membership(storage::write_batch& b, const std::string& user,
                                const std::string& conv);

  /// The conversations a user belongs to (the membership index).
  static errc memberships_of(const storage::store& db, const std::string& user,
                             std::vector<std::string>* out);

private:
  storage::store db_;
};

/// The view of a stored message in a conversation.
message_view view_of(const std::string& conv, const message_record& m);

} // namespace chat
