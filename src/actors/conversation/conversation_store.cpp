#include "actors/conversation/conversation_store.hpp"

#include <algorithm>
#include <limits>

#include "actors/conversation/conversation_client.hpp"
#include "actors/conversation/message_changes.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

namespace chat {
namespace {

using storage::column;

std::string pair_key(const std::string& a, const std::string& b) { return a + '/' + b; }

std::string message_key(const std::string& conv, std::uint64_t seq) {
  return storage::key_with_u64(conv, seq);
}

std::string idempotency_key(const std::string& conv, const std::string& user,
                            const std::string& client_msg_id) {
  return conv + '/' + user + '/' + client_msg_id;
}

struct stored_receipt {
  std::uint64_t seq = 0;
  std::string msg_id;
  std::int64_t ts = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(seq, msg_id, ts);
  }
};

} // namespace

message_view view_of(const std::string& conv, const message_record& m) {
  message_view v{conv, m.seq, m.msg_id, m.from, m.text, m.ts, m.client_msg_id};
  v.kind = m.kind;
  v.target = m.target;
  v.reply_to = m.reply_to;
  v.edited_at = m.edited_at;
  v.deleted = m.deleted;
  v.mentions = m.mentions;
  v.attachments = m.attachments;
  for (const auto& r : m.reactions) {
    reaction_view rv{r.emoji, r.users.size(), {}};
    auto shown = std::min(r.users.size(), changes::max_reaction_users_shown);
    rv.users.assign(r.users.begin(), r.users.begin() + static_cast<std::ptrdiff_t>(shown));
    v.reactions.push_back(std::move(rv));
  }
  return v;
}

errc conversation_store::get(const std::string& conv, std::uint64_t seq,
                             message_record* out) const {
  std::string bytes;
  if (auto rc = db_.get(column::messages, message_key(conv, seq), &bytes); rc != errc::ok)
    return rc;
  return storage::decode(bytes, *out) ? errc::ok : errc::internal;
}

errc conversation_store::load(const std::string& conv, conversation_record* header,
                              std::vector<member_record>* members,
                              std::uint64_t* last_seq) const {
  std::string bytes;
  if (auto rc = db_.get(column::conversations, conv, &bytes); rc != errc::ok)
    return rc;
  if (!storage::decode(bytes, *header))
    return errc::internal;
  members->clear();
  bool corrupt = false;
  auto rc = db_.scan_prefix(column::members, conv + '/',
                            [&](std::string_view, std::string_view value) {
                              member_record m;
                              if (!storage::decode(value, m)) {
                                corrupt = true;
                                return false;
                              }
                              members->push_back(std::move(m));
                              return true;
                            });
  if (rc != errc::ok || corrupt)
    return errc::internal;
  *last_seq = 0;
  rc = db_.scan_range(column::messages, message_key(conv, 0),
                      message_key(conv, std::numeric_limits<std::uint64_t>::max()), true, 1,
                      [&](std::string_view key, std::string_view) {
                        *last_seq = storage::parse_key_u64_suffix(key);
                        return false;
                      });
  return rc;
}

errc conversation_store::find_idempotent(const std::string& conv, const std::string& user,
                                         const std::string& client_msg_id,
                                         send_receipt* out) const {
  std::string bytes;
  auto rc = db_.get(column::idempotency, idempotency_key(conv, user, client_msg_id), &bytes);
  if (rc != errc::ok)
    return rc;
  stored_receipt r;
  if (!storage::decode(bytes, r))
    return errc::internal;
  *out = {conv, r.seq, r.msg_id, r.ts, false};
  return errc::ok;
}

errc conversation_store::page(const std::string& conv, const page_request& req,
                              message_page* out) const {
  // Paging forward (after alone) reads the oldest messages past `after`;
  // every other form reads the newest ones below `before`. One extra row
  // tells whether more exist in the paging direction.
  std::uint64_t low = req.after ? *req.after + 1 : 1;
  std::uint64_t high = req.before ? *req.before : std::numeric_limits<std::uint64_t>::max();
  out->messages.clear();
  out->has_more = false;
  if (low >= high || (req.after && *req.after == std::numeric_limits<std::uint64_t>::max()))
    return errc::ok;
  bool forward = req.after && !req.before;
  bool corrupt = false;
  std::size_t want = req.limit;
  auto rc = db_.scan_range(column::messages, message_key(conv, low), message_key(conv, high),
                           !forward, want + 1,
                           [&](std::string_view, std::string_view value) {
                             if (out->messages.size() == want) {
                               out->has_more = true;
                               return false;
                             }
                             message_record m;
                             if (!storage::decode(value, m)) {
                               corrupt = true;
                               return false;
                             }
                             out->messages.push_back(view_of(conv, m));
                             return true;
                           });
  if (rc != errc::ok)
    return rc;
  if (corrupt)
    return errc::internal;
  if (!forward)
    std::reverse(out->messages.begin(), out->messages.end());
  return errc::ok;
}

void conversation_store::put_header(storage::write_batch& b, const conversation_record& c) const {
  b.put(column::conversations, c.id, storage::encode(c));
}

void conversation_store::put_member(storage::write_batch& b, const std::string& conv,
                                    const member_record& m) const {
  b.put(column::members, pair_key(conv, m.user_id), storage::encode(m));
  b.put(column::memberships, pair_key(m.user_id, conv), {});
}

void conversation_store::delete_member(storage::write_batch& b, const std::string& conv,
                                       const std::string& user) const {
  b.del(column::members, pair_key(conv, user));
  b.del(column::memberships, pair_key(user, conv));
}

void conversation_store::append(storage::write_batch& b, const std::string& conv,
                                const message_record& m) const {
  b.put(column::messages, message_key(conv, m.seq), storage::encode(m));
  if (!m.client_msg_id.empty())
    b.put(column::idempotency, idempotency_key(conv, m.from, m.client_msg_id),
          storage::encode(stored_receipt{m.seq, m.msg_id, m.ts}));
}

void conversation_store::update(storage::write_batch& b, const std::string& conv,
                                const message_record& m) const {
  b.put(column::messages, message_key(conv, m.seq), storage::encode(m));
}

void conversation_store::erase(storage::write_batch& b, const message_view& m) const {
  b.del(column::messages, message_key(m.conv, m.seq));
  if (!m.client_msg_id.empty())
    b.del(column::idempotency, idempotency_key(m.conv, m.from, m.client_msg_id));
}

void conversation_store::put_read_marker(storage::write_batch& b, const std::string& conv,
                                         const std::string& user, std::uint64_t seq) const {
  b.put(column::read_markers, pair_key(conv, user), storage::key_u64(seq));
}

void conversation_store::put_membership(storage::write_batch& b, const std::string& user,
                                        const std::string& conv) {
  b.put(column::memberships, pair_key(user, conv), {});
}

void conversation_store::delete_membership(storage::write_batch& b, const std::string& user,
                                           const std::string& conv) {
  b.del(column::memberships, pair_key(user, conv));
}

errc conversation_store::memberships_of(const storage::store& db, const std::string& user,
                                        std::vector<std::string>* out) {
  out->clear();
  auto prefix = user + '/';
  return db.scan_prefix(column::memberships, prefix, [&](std::string_view key, std::string_view) {
    out->emplace_back(key.substr(prefix.size()));
    return true;
  });
}

} // namespace chat
