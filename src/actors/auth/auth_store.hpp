#pragma once
// Users and sessions of one auth authority: RocksDB is the durable copy, and
// a write-through cache in front of it is the authority's truth. A change is
// visible to the authority's next request as soon as it is made (before its
// batch is durable), which keeps concurrent requests of one user consistent,
// e.g. two refreshes racing with the same token.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "schema/error_code.hpp"
#include "schema/records.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace chat {

class auth_store {
public:
  explicit auth_store(storage::store db) : db_(db) {}

  /// errc::ok with *out filled, errc::not_found, or errc::internal.
  errc user(const std::string& id, user_record* out);
  errc user_id_by_name(const std::string& username, std::string* out);
  errc session(const std::string& id, session_record* out);
  /// The session ids of a user, as stored (pending changes included).
  errc session_ids_of(const std::string& user_id, std::vector<std::string>* out);

  /// Each adds its writes to `batch` and applies them to the cache at once.
  void put_user(storage::write_batch& batch, const user_record& u, const std::string& old_username = {});
  void delete_user(storage::write_batch& batch, const user_record& u);
  void put_session(storage::write_batch& batch, const session_record& s);
  void delete_session(storage::write_batch& batch, const session_record& s);

  /// A commit failed: drop cached state so the next read comes from disk.
  void forget_cache();
  /// Bounds memory: clears the cache when it is large and nothing is in flight.
  void trim_cache(std::size_t in_flight_commits);

  storage::store& db() { return db_; }

private:
  template <class T>
  using cache = std::unordered_map<std::string, std::optional<T>>; // nullopt: deleted

  storage::store db_;
  cache<user_record> users_;
  cache<std::string> usernames_;
  cache<session_record> sessions_;
  // user id → session ids added or removed since they were last read
  std::unordered_map<std::string, std::unordered_map<std::string, bool>> session_index_;
};

} // namespace chat
