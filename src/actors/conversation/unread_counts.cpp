#include "actors/conversation/unread_counts.hpp"

#include <algorithm>

#include "schema/records.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

namespace chat::unread {
namespace {

using storage::column;

std::string mention_prefix(const std::string& conv, const std::string& user) {
  return conv + '/' + user + '/';
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

void index(storage::write_batch& b, const std::string& conv, std::uint64_t seq,
           const std::string& author, const std::vector<std::string>& before,
           const std::vector<std::string>& after) {
  for (const auto& user : before)
    if (user != author && !contains(after, user))
      b.del(column::mentions, storage::key_with_u64(mention_prefix(conv, user), seq));
  for (const auto& user : after)
    if (user != author && !contains(before, user))
      b.put(column::mentions, storage::key_with_u64(mention_prefix(conv, user), seq), {});
}

errc count(const storage::store& db, const std::string& conv, const std::string& user,
           std::uint64_t upto, unread_counts* out) {
  *out = {};
  std::string marker_bytes;
  std::uint64_t marker = 0;
  auto rc = db.get(column::read_markers, conv + '/' + user, &marker_bytes);
  if (rc == errc::ok)
    marker = storage::parse_key_u64(marker_bytes);
  else if (rc != errc::not_found)
    return rc;
  out->known = true;
  if (marker >= upto)
    return errc::ok;
  // Unread: other members' messages that are not deleted; change events
  // (edits, reactions) are not news of their own.
  std::size_t seen = 0;
  bool corrupt = false;
  rc = db.scan_range(column::messages, storage::key_with_u64(conv, marker + 1),
                     storage::key_with_u64(conv, upto + 1), false, count_scan_limit + 1,
                     [&](std::string_view, std::string_view value) {
                       if (seen == count_scan_limit) {
                         out->unread_capped = true;
                         return false;
                       }
                       ++seen;
                       message_record m;
                       if (!storage::decode(value, m)) {
                         corrupt = true;
                         return false;
                       }
                       if (!m.is_event() && !m.deleted && m.from != user)
                         ++out->unread;
                       return true;
                     });
  if (rc != errc::ok)
    return rc;
  if (corrupt)
    return errc::internal;
  auto prefix = mention_prefix(conv, user);
  return db.scan_range(column::mentions, storage::key_with_u64(prefix, marker + 1),
                       storage::key_with_u64(prefix, upto + 1), false, count_scan_limit,
                       [&](std::string_view, std::string_view) {
                         ++out->mentions;
                         return true;
                       });
}

} // namespace chat::unread
