#include "actors/conversation/attachment_refs.hpp"

#include "actors/conversation/attachment_store.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

namespace chat {

using storage::column;

errc attachment_refs::count(const std::string& id, std::uint64_t* out) {
  if (auto it = counts_.find(id); it != counts_.end()) {
    *out = it->second;
    return errc::ok;
  }
  std::string bytes;
  auto rc = db_.get(column::attachment_refs, attachment_key(conv_, id), &bytes);
  if (rc == errc::not_found)
    *out = 0;
  else if (rc != errc::ok)
    return rc;
  else if (bytes.size() != storage::key_u64_size)
    return errc::internal;
  else
    *out = storage::parse_key_u64(bytes);
  counts_[id] = *out;
  return errc::ok;
}

void attachment_refs::set_count(storage::write_batch& b, const std::string& id, std::uint64_t n) {
  counts_[id] = n;
  if (n == 0)
    b.del(column::attachment_refs, attachment_key(conv_, id));
  else
    b.put(column::attachment_refs, attachment_key(conv_, id), storage::key_u64(n));
}

void attachment_refs::remove(storage::write_batch& b, const std::string& id, std::uint64_t size) {
  removed_.insert(id);
  counts_.erase(id);
  b.del(column::attachments, attachment_key(conv_, id));
  b.del(column::attachment_refs, attachment_key(conv_, id));
  for (std::uint64_t i = 0, n = attachment_chunk_count(size); i < n; ++i)
    b.del(column::attachment_chunks, attachment_chunk_key(conv_, id, i));
}

errc attachment_refs::live(const attachment_record& a, std::int64_t cutoff) {
  if (removed(a.id))
    return errc::not_found;
  if (a.created_at >= cutoff)
    return errc::ok;
  std::uint64_t n = 0;
  if (auto rc = count(a.id, &n); rc != errc::ok)
    return rc;
  return n > 0 ? errc::ok : errc::not_found;
}

api_error attachment_refs::resolve(const std::vector<std::string>& ids, std::int64_t cutoff,
                                   std::vector<attachment_ref>* out) {
  out->clear();
  attachment_store files{db_};
  for (const auto& id : ids) {
    attachment_record a;
    auto rc = removed(id) ? errc::not_found : files.header(conv_, id, &a);
    if (rc == errc::ok)
      rc = live(a, cutoff);
    if (rc == errc::not_found)
      return {errc::not_found, "no such attachment in this conversation: " + id};
    if (rc != errc::ok)
      return {errc::unavailable, "storage is not available"};
    out->push_back({a.id, a.name, a.content_type, a.size});
  }
  return {errc::ok, {}};
}

void attachment_refs::add(storage::write_batch& b, const std::vector<attachment_ref>& refs) {
  for (const auto& r : refs) {
    std::uint64_t n = 0;
    count(r.id, &n); // resolve read it just now: cached
    set_count(b, r.id, n + 1);
  }
}

errc attachment_refs::release(storage::write_batch& b, const std::vector<attachment_ref>& refs) {
  for (const auto& r : refs) {
    std::uint64_t n = 0;
    if (auto rc = count(r.id, &n); rc != errc::ok)
      return rc;
    if (n > 1)
      set_count(b, r.id, n - 1);
    else if (!removed(r.id))
      remove(b, r.id, r.size);
  }
  return errc::ok;
}

std::size_t attachment_refs::sweep(storage::write_batch& b, std::int64_t cutoff,
                                   std::size_t max) {
  // A bounded window of headers per sweep, resuming where the last one
  // stopped (a conversation with many files is covered over several).
  const std::string prefix = conv_ + '/';
  std::string end = prefix;
  end.back() = static_cast<char>('/' + 1);
  std::string from = sweep_from_.empty() ? prefix : sweep_from_;
  std::vector<attachment_record> old;
  std::string last;
  std::size_t seen = 0;
  db_.scan_range(column::attachments, from, end, false, max * 8,
                 [&](std::string_view key, std::string_view v) {
                   ++seen;
                   last.assign(key);
                   attachment_record a;
                   if (storage::decode(v, a) && a.created_at < cutoff && !removed(a.id))
                     old.push_back(std::move(a));
                   return true;
                 });
  std::size_t done = 0;
  for (const auto& a : old) {
    if (done == max)
      break;
    std::uint64_t n = 0;
    if (count(a.id, &n) == errc::ok && n == 0) {
      remove(b, a.id, a.size);
      ++done;
    }
  }
  // Next time: the same window while it had more to remove, else after the
  // last key seen, or from the start once at the end.
  if (done < max)
    sweep_from_ = seen < max * 8 ? std::string{} : last + '\0';
  return done;
}

} // namespace chat
