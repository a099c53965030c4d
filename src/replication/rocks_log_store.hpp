#pragma once
// log_store and state_machine on one scope of the node's database: the raft
// records in the scope's raft column (raft_records.hpp), the group's data in
// its data columns. Only storage's public API: no RocksDB here.
//
// Threading (log_store.hpp): every method on the replica's thread; every
// completion is handed to `post`, which must run it on that thread, in the
// order posted. Slow snapshot work runs on a worker thread of the store. The
// database must outlive the store; completions posted after the store is
// destroyed touch nothing of it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replication/log_store.hpp"
#include "storage/database.hpp"

namespace chat::replication {

/// Runs a completion on the replica's thread.
using post_fn = std::function<void(std::function<void()>)>;

class background;

class rocks_log_store final : public log_store {
public:
  /// `log_durability`: how durable append/truncate/put_snapshot(trailing > 0)
  /// are before their completion (sync: fsynced, whatever the database's
  /// mode; async: the database's mode decides). Term, vote, the resyncing
  /// marker, bootstrap and installed snapshots are always synced.
  rocks_log_store(storage::database& db, std::size_t scope, storage::durability log_durability,
                  post_fn post);
  /// Finishes the snapshot work already started (its completions are posted).
  ~rocks_log_store() override;

  rocks_log_store(const rocks_log_store&) = delete;
  rocks_log_store& operator=(const rocks_log_store&) = delete;

  /// Every stored entry, including those a compaction snapshot covers but
  /// kept as trailing entries (start_index <= snapshot index + 1, as C Raft
  /// expects). A gap, or an entry or record that does not decode, is an
  /// error. Entries wholly behind the snapshot are not returned. Call it
  /// before any write.
  bool load(persisted_state* out, std::string* error) override;
  bool bootstrap(const std::string& configuration) override;
  /// Also clears the vote, in the same write: a vote belongs to its term
  /// (C Raft resets it in memory when it persists a new term).
  bool set_term(std::uint64_t term) override;
  bool set_vote(std::uint64_t server_id) override;
  bool set_resyncing(bool on) override;
  void append(std::uint64_t first_index, std::vector<log_entry> entries, done_fn done) override;
  void truncate(std::uint64_t from_index) override;
  void put_snapshot(snapshot_meta meta, std::string data, unsigned trailing,
                    done_fn done) override;
  void get_snapshot(snapshot_fn done) override;

private:
  // Which entries are stored or queued, and the last snapshot: kept here so
  // that truncations and compactions know which keys to delete without
  // reading behind writes still queued. Replica thread only.
  struct log_bounds {
    bool known = false;
    std::uint64_t first = 1; ///< first entry (when last >= first)
    std::uint64_t last = 0;  ///< last entry; first - 1 when the log is empty
    std::optional<snapshot_meta> snapshot;
  };

  /// Reads the bounds once, before the first write; false when unreadable.
  bool know_bounds();
  void fail_later(done_fn done);
  /// Deletes the entry keys [from, to] into `batch`.
  static void delete_entries(storage::write_batch& batch, std::uint64_t from, std::uint64_t to);
  /// Queues `batch` on the group writer; `done(ok)` posted once durable.
  void write_log(storage::write_batch batch, done_fn done);

  storage::database& db_;
  const std::size_t scope_;
  const storage::durability durability_;
  post_fn post_;
  std::shared_ptr<log_bounds> bounds_; // shared with completions that reset it
  std::unique_ptr<background> worker_; // last: joined first
};

/// The group's data: committed commands (batch_codec) applied to the scope's
/// data columns.
class rocks_state_machine final : public state_machine {
public:
  rocks_state_machine(storage::database& db, std::size_t scope);

  /// Decodes the command and writes it, unsynced (the log is durable). False
  /// when it does not decode (written by no version of encode_batch this
  /// code knows) or cannot be written.
  bool apply(std::uint64_t index, std::string_view command) override;
  /// Syncs the WAL.
  bool make_durable() override;

private:
  storage::database& db_;
  const std::size_t scope_;
};

} // namespace chat::replication
