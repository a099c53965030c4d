#include "actors/auth/auth_store.hpp"

#include "storage/codec.hpp"

namespace chat {
namespace {

using storage::column;

template <class T>
errc cached_record(storage::store& db, std::unordered_map<std::string, std::optional<T>>& cache,
                   column col, const std::string& key, T* out) {
  if (auto it = cache.find(key); it != cache.end()) {
    if (!it->second)
      return errc::not_found;
    *out = *it->second;
    return errc::ok;
  }
  std::string bytes;
  auto rc = db.get(col, key, &bytes);
  if (rc != errc::ok)
    return rc;
  T value;
  if constexpr (std::is_same_v<T, std::string>) {
    value = std::move(bytes);
  } else if (!storage::decode(bytes, value)) {
    return errc::internal;
  }
  *out = value;
  cache.emplace(key, std::move(value));
  return errc::ok;
}

std::string session_index_key(const std::string& user_id, const std::string& session_id) {
  return user_id + '/' + session_id;
}

} // namespace

errc auth_store::user(const std::string& id, user_record* out) {
  return cached_record(db_, users_, column::users, id, out);
}

errc auth_store::user_id_by_name(const std::string& username, std::string* out) {
  return cached_record(db_, usernames_, column::usernames, username, out);
}

errc auth_store::session(const std::string& id, session_record* out) {
  return cached_record(db_, sessions_, column::sessions, id, out);
}

errc auth_store::session_ids_of(const std::string& user_id, std::vector<std::string>* out) {
  std::unordered_map<std::string, bool> present;
  auto prefix = user_id + '/';
  auto rc = db_.scan_prefix(column::user_sessions, prefix,
                            [&](std::string_view key, std::string_view) {
                              present[std::string{key.substr(prefix.size())}] = true;
                              return true;
                            });
  if (rc != errc::ok)
    return rc;
  if (auto it = session_index_.find(user_id); it != session_index_.end())
    for (const auto& [sid, live] : it->second)
      present[sid] = live;
  out->clear();
  for (const auto& [sid, live] : present)
    if (live)
      out->push_back(sid);
  return errc::ok;
}

void auth_store::put_user(storage::write_batch& batch, const user_record& u,
                          const std::string& old_username) {
  batch.put(column::users, u.id, storage::encode(u));
  batch.put(column::usernames, u.username, u.id);
  users_[u.id] = u;
  usernames_[u.username] = u.id;
  if (!old_username.empty() && old_username != u.username) {
    batch.del(column::usernames, old_username);
    usernames_[old_username] = std::nullopt;
  }
}

void auth_store::delete_user(storage::write_batch& batch, const user_record& u) {
  batch.del(column::users, u.id);
  batch.del(column::usernames, u.username);
  users_[u.id] = std::nullopt;
  usernames_[u.username] = std::nullopt;
}

void auth_store::put_session(storage::write_batch& batch, const session_record& s) {
  batch.put(column::sessions, s.id, storage::encode(s));
  batch.put(column::user_sessions, session_index_key(s.user_id, s.id), {});
  sessions_[s.id] = s;
  session_index_[s.user_id][s.id] = true;
}

void auth_store::delete_session(storage::write_batch& batch, const session_record& s) {
  batch.del(column::sessions, s.id);
  batch.del(column::user_sessions, session_index_key(s.user_id, s.id));
  sessions_[s.id] = std::nullopt;
  session_index_[s.user_id][s.id] = false;
}

void auth_store::forget_cache() {
  users_.clear();
  usernames_.clear();
  sessions_.clear();
  session_index_.clear();
}

void auth_store::trim_cache(std::size_t in_flight_commits) {
  constexpr std::size_t max_entries = 200'000;
  if (in_flight_commits == 0 && users_.size() + sessions_.size() + usernames_.size() > max_entries)
    forget_cache();
}

} // namespace chat
