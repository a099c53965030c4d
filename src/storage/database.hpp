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
//
// Scopes: the database holds the data of several consensus groups side by
// side, one set of column families per scope (options::scopes), so that a
// group's data can be exported and replaced on its own. Every operation has
// a scoped form taking the scope's index; the unscoped forms are scope 0.
// storage::store (store.hpp) is a handle on one scope.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schema/error_code.hpp"
#include "storage/column.hpp"
#include "storage/commit_route.hpp"
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
  /// Names of the scopes, unique; index i is scope i. Scope "" uses the bare
  /// column names as family names (the layout from before scopes), any other
  /// scope "<scope>/<column>". Families of scopes not listed are kept, unused.
  std::vector<std::string> scopes{""};
  /// Tests only: the file system RocksDB goes through (e.g. one that drops
  /// unsynced data to simulate a power loss). Null: the default one.
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

/// Called with each key/value of a scan; return false to stop.
using visitor = std::function<bool(std::string_view key, std::string_view value)>;

class store;

/// An open RocksDB with one column family per `column` and scope. Thread-safe.
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
  /// or RocksDB's failure (io_error, corruption, busy, ...). A scope index out
  /// of range answers invalid_argument (internal as an errc), here and below.
  status read(column c, std::string_view key, std::string* value) const;
  status read(std::size_t scope, column c, std::string_view key, std::string* value) const;

  /// Visits the keys starting with `prefix` in ascending order; the status
  /// of the iteration (closed after close()).
  status visit_prefix(column c, std::string_view prefix, const visitor& visit) const;
  status visit_prefix(std::size_t scope, column c, std::string_view prefix,
                      const visitor& visit) const;

  /// Visits at most `limit` keys of [from, to), ascending or (reverse)
  /// descending. An empty `to` means no upper bound.
  status visit_range(column c, std::string_view from, std::string_view to, bool reverse,
                     std::size_t limit, const visitor& visit) const;
  status visit_range(std::size_t scope, column c, std::string_view from, std::string_view to,
                     bool reverse, std::size_t limit, const visitor& visit) const;

  /// Applies `batch` atomically, then calls `done` with ok or RocksDB's
  /// failure (on the writer thread, in submission order). Answers closed or
  /// queue_full at once, on the caller's thread. Same rules for `done` as
  /// commit(). Never routed: this is the local write itself.
  void write(write_batch batch, std::function<void(const status&)> done);
  void write(std::size_t scope, write_batch batch, std::function<void(const status&)> done);

  /// write() made durable even when the database's mode is async: the
  /// writer's round that carries it ends with a WAL sync (`d` is a minimum).
  void write(std::size_t scope, write_batch batch, durability d,
             std::function<void(const status&)> done);

  /// Point read: ok and `*value` filled, not_found, unavailable after
  /// close(), internal on I/O error or corruption (to_errc of read()).
  errc get(column c, std::string_view key, std::string* value) const;
  errc get(std::size_t scope, column c, std::string_view key, std::string* value) const;

  /// visit_prefix() with its status as a client error (to_errc).
  errc scan_prefix(column c, std::string_view prefix, const visitor& visit) const;
  errc scan_prefix(std::size_t scope, column c, std::string_view prefix,
                   const visitor& visit) const;

  /// visit_range() with its status as a client error (to_errc).
  errc scan_range(column c, std::string_view from, std::string_view to, bool reverse,
                  std::size_t limit, const visitor& visit) const;
  errc scan_range(std::size_t scope, column c, std::string_view from, std::string_view to,
                  bool reverse, std::size_t limit, const visitor& visit) const;

  /// Applies `batch` atomically, then calls `done` with ok or internal (on
  /// the writer thread, in submission order). Answers unavailable at once,
  /// on the caller's thread, when closed or when the queue is full. `done`
  /// must be cheap, must not block or throw, and must not call close().
  /// (write() with its status as a client error: commit_errc.)
  /// When the scope has a route, the batch goes to the route instead, and
  /// `done` is called whenever the route says.
  void commit(write_batch batch, std::function<void(errc)> done);
  void commit(std::size_t scope, write_batch batch, std::function<void(errc)> done);

  /// Sends the scope's commits to `r` from now on (null: back to the group
  /// writer). Thread-safe; commits already handed over are not moved.
  /// close() drops every route.
  void route(std::size_t scope, std::shared_ptr<commit_route> r);

  /// Writes `batch` on the caller's thread, outside the group writer (so in
  /// no order with queued batches), synced when `sync`. For the replication
  /// layer: applying committed entries, term and vote.
  status write_now(std::size_t scope, const write_batch& batch, bool sync);

  /// Makes every write so far durable (fsyncs the WAL).
  status sync_wal();

  /// Every key/value of the scope's data columns (all but column::raft),
  /// read from one RocksDB snapshot, as one image (scope_image.hpp).
  status export_scope(std::size_t scope, std::string* image) const;

  /// In one atomic write: deletes every key of the scope's data columns,
  /// puts the keys of `image` (from export_scope), and applies `extra` (ops
  /// on the same scope, e.g. its raft column); synced when `sync`. A
  /// malformed image answers invalid_argument and nothing is written. The
  /// scope must not be written meanwhile (keys put during the call may
  /// survive the delete).
  status replace_scope(std::size_t scope, std::string_view image, const write_batch& extra,
                       bool sync);

  /// A handle on scope `scope` (include storage/store.hpp); an invalid store
  /// when out of range.
  store at(std::size_t scope);

  /// Number of scopes (options::scopes.size()).
  std::size_t scope_count() const noexcept;

  /// The index of the scope named `name`, or scope_count() when none.
  std::size_t find_scope(std::string_view name) const noexcept;

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
