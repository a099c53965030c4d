#pragma once
// The node's one RocksDB (DESIGN.md "Storage"). Reads run on the caller's
// thread; writes go through a group-commit writer so that many acknowledged
// appends share one WAL sync. RocksDB stays behind this header.
//
// Two faces of the same operations:
// - read / visit_prefix / visit_range / write answer a storage::status with
//   RocksDB's cause (code and message); a RocksDB failure is logged once,
//   where it happens, so callers pass the status on without logging it;
// - get / scan_prefix / scan_range / commit answer the client error (errc)
//   of that status (to_errc / commit_errc): the boundary form the actors use.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "schema/error_code.hpp"
#include "storage/column.hpp"
#include "storage/status.hpp"
#include "storage/write_batch.hpp"

namespace rocksdb {
class FileSystem;
} // namespace rocksdb

namespace chat::storage {

/// What an acknowledged commit survives.
enum class durability {
  sync,  ///< every acknowledged batch is fsynced: survives kill -9 and power loss
  async, ///< written to the WAL without fsync: survives kill -9, not power loss
};

/// How to open the database.
struct options {
  std::string path;                       ///< directory; created if missing
  durability mode = durability::sync;     ///< see `durability`
  bool group_commit = true;               ///< false: commit() writes on the caller's thread, calls done inline
  std::size_t max_batch_ops = 8192;       ///< cap of ops merged into one RocksDB write
  std::size_t max_queue_ops = 1'000'000;  ///< writer queue bound; beyond it commit() answers unavailable
  std::size_t block_cache_mb = 64;        ///< shared block cache of all columns
  /// Tests only: the file system RocksDB goes through (e.g. one that drops
  /// unsynced data to simulate a power loss). Null: the default one.
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

/// Called with each key/value of a scan; return false to stop.
using visitor = std::function<bool(std::string_view key, std::string_view value)>;

/// An open RocksDB with one column family per `column`. Thread-safe.
class database {
public:
  /// Counters for metrics.
  struct stats {
    std::uint64_t batches = 0;       ///< RocksDB writes issued
    std::uint64_t ops = 0;           ///< puts and deletes written
    std::uint64_t sync_ns_total = 0; ///< time spent in those writes (incl. fsync)
  };

  /// Opens (creating the directory and column families as needed); nullptr
  /// and a one-line `*error` on failure.
  static std::unique_ptr<database> open(const options& opts, std::string* error);

  /// Calls close().
  ~database();

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Point read: ok and `*value` filled, not_found, closed after close(),
  /// or RocksDB's failure (io_error, corruption, busy, ...).
  status read(column c, std::string_view key, std::string* value) const;

  /// Visits the keys starting with `prefix` in ascending order; the status
  /// of the iteration (closed after close()).
  status visit_prefix(column c, std::string_view prefix, const visitor& visit) const;

  /// Visits at most `limit` keys of [from, to), ascending or (reverse)
  /// descending. An empty `to` means no upper bound.
  status visit_range(column c, std::string_view from, std::string_view to, bool reverse,
                     std::size_t limit, const visitor& visit) const;

  /// Applies `batch` atomically, then calls `done` with ok or RocksDB's
  /// failure (on the writer thread, in submission order). Answers closed or
  /// queue_full at once, on the caller's thread. Same rules for `done` as
  /// commit().
  void write(write_batch batch, std::function<void(const status&)> done);

  /// Point read: ok and `*value` filled, not_found, unavailable after
  /// close(), internal on I/O error or corruption (to_errc of read()).
  errc get(column c, std::string_view key, std::string* value) const;

  /// visit_prefix() with its status as a client error (to_errc).
  errc scan_prefix(column c, std::string_view prefix, const visitor& visit) const;

  /// visit_range() with its status as a client error (to_errc).
  errc scan_range(column c, std::string_view from, std::string_view to, bool reverse,
                  std::size_t limit, const visitor& visit) const;

  /// Applies `batch` atomically, then calls `done` with ok or internal (on
  /// the writer thread, in submission order). Answers unavailable at once,
  /// on the caller's thread, when closed or when the queue is full. `done`
  /// must be cheap, must not block or throw, and must not call close().
  /// (write() with its status as a client error: commit_errc.)
  void commit(write_batch batch, std::function<void(errc)> done);

  /// Stops accepting commits, finishes the queued ones, flushes and closes
  /// RocksDB. Idempotent; reads afterwards answer unavailable.
  void close();

  /// Counters since open.
  stats get_stats() const;

private:
  struct impl;
  explicit database(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace chat::storage
