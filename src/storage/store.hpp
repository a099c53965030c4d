#pragma once
// A handle on one scope of the database: what the code that owns a group's
// data holds instead of the database and a scope index. A cheap value; the
// database must outlive it. A default-constructed store is invalid: reads
// and writes answer closed (status) or unavailable (errc).
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace chat::storage {

class store {
public:
  store() = default;
  store(database* db, std::size_t scope) noexcept : db_(db), scope_(scope) {}

  bool valid() const noexcept { return db_ != nullptr; }
  database* db() const noexcept { return db_; }
  std::size_t scope() const noexcept { return scope_; }

  status read(column c, std::string_view key, std::string* value) const {
    return db_ ? db_->read(scope_, c, key, value) : invalid();
  }
  status visit_prefix(column c, std::string_view prefix, const visitor& visit) const {
    return db_ ? db_->visit_prefix(scope_, c, prefix, visit) : invalid();
  }
  status visit_range(column c, std::string_view from, std::string_view to, bool reverse,
                     std::size_t limit, const visitor& visit) const {
    return db_ ? db_->visit_range(scope_, c, from, to, reverse, limit, visit) : invalid();
  }
  /// Never routed (database::write).
  void write(write_batch batch, std::function<void(const status&)> done) const {
    if (db_)
      db_->write(scope_, std::move(batch), std::move(done));
    else
      done(invalid());
  }

  errc get(column c, std::string_view key, std::string* value) const {
    return db_ ? db_->get(scope_, c, key, value) : errc::unavailable;
  }
  errc scan_prefix(column c, std::string_view prefix, const visitor& visit) const {
    return db_ ? db_->scan_prefix(scope_, c, prefix, visit) : errc::unavailable;
  }
  errc scan_range(column c, std::string_view from, std::string_view to, bool reverse,
                  std::size_t limit, const visitor& visit) const {
    return db_ ? db_->scan_range(scope_, c, from, to, reverse, limit, visit) : errc::unavailable;
  }
  /// Routed when the scope has a route (database::commit).
  void commit(write_batch batch, std::function<void(errc)> done) const {
    if (db_)
      db_->commit(scope_, std::move(batch), std::move(done));
    else
      done(errc::unavailable);
  }

private:
  static status invalid() { return {status_code::closed, "invalid store"}; }

  database* db_ = nullptr;
  std::size_t scope_ = 0;
};

} // namespace chat::storage
