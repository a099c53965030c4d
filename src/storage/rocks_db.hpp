#pragma once
// Private to src/storage: the RocksDB instance, its column family handles,
// and the write path shared by the group-commit writer and inline commits.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/write_batch.h>

#include "storage/column.hpp"
#include "storage/database.hpp"
#include "storage/write_batch.hpp"

namespace chat::storage {

/// The family name of column `c` of scope `scope`: the column's name for
/// scope "", "<scope>/<column>" otherwise.
std::string family_name(std::string_view scope, column c);

/// An open RocksDB with every column family of `column`, once per scope.
class rocks_db {
public:
  /// Opens or creates the database at `opts.path`; nullptr and a one-line
  /// `*error` on failure.
  static std::unique_ptr<rocks_db> open(const options& opts, std::string* error);

  /// Calls close().
  ~rocks_db();

  /// The RocksDB instance; null after close().
  rocksdb::DB* db() const noexcept { return db_.get(); }

  /// Number of scopes.
  std::size_t scope_count() const noexcept { return cfs_.size(); }

  /// The handle of column `c` of scope `scope` (< scope_count()).
  rocksdb::ColumnFamilyHandle* handle(std::size_t scope, column c) const noexcept {
    return cfs_[scope][column_index(c)];
  }

  /// Appends the ops of `batch`, on scope `scope`, to `out`.
  void append(rocksdb::WriteBatch& out, std::size_t scope, const write_batch& batch) const;

  /// Writes `wb` (fsynced when `sync`) and counts it in the stats.
  rocksdb::Status write(rocksdb::WriteBatch& wb, bool sync);

  /// Counters since open.
  database::stats stats() const noexcept;

  /// Syncs the WAL, flushes memtables, releases handles and closes. Idempotent.
  void close();

private:
  rocks_db() = default;

  // Declared before db_: the DB must be gone before its Env.
  std::unique_ptr<rocksdb::Env> env_; // null: RocksDB's default Env
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_cf_ = nullptr;
  std::vector<std::array<rocksdb::ColumnFamilyHandle*, column_count>> cfs_; // [scope][column]
  std::vector<rocksdb::ColumnFamilyHandle*> unused_; // families on disk of scopes not opened
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> ops_{0};
  std::atomic<std::uint64_t> write_ns_{0};
};

} // namespace chat::storage
