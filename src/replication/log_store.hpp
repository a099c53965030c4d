#pragma once
// The persistent half of one consensus-group member, as the replica (and
// the C Raft library behind it) needs it: term, vote, log entries and the
// last snapshot, plus the group's data, which the state machine changes.
//
// Two implementations: storage/ in RocksDB (the node's database, one scope
// per group) and memory_log_store for the deterministic simulation.
//
// Threading: every method is called on the replica's thread. Asynchronous
// completions (`done`) must also run on the replica's thread: an
// implementation that finishes work elsewhere hands the completion back
// through the `post` function it was built with.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::replication {

/// One log entry as stored. `type` is the C Raft entry type (command,
/// barrier, configuration change); `data` its payload.
struct log_entry {
  std::uint64_t term = 0;
  std::uint8_t type = 0;
  std::string data;
};

/// What a snapshot covers. The data itself is not part of it: a snapshot
/// taken for compaction leaves the data where it is (it already holds every
/// applied entry); only a snapshot sent to a lagging member carries data.
struct snapshot_meta {
  std::uint64_t index = 0;               ///< last entry the snapshot covers
  std::uint64_t term = 0;                ///< its term
  std::string configuration;             ///< raft_configuration_encode() bytes
  std::uint64_t configuration_index = 0; ///< where that configuration was committed
};

/// Everything load() returns.
struct persisted_state {
  std::uint64_t term = 0;
  std::uint64_t vote = 0; ///< 0: none
  std::optional<snapshot_meta> snapshot;
  std::uint64_t start_index = 1; ///< index of entries[0]
  std::vector<log_entry> entries;
  bool resyncing = false; ///< see log_store::set_resyncing()
};

/// Term, vote, log and snapshots of one group member.
class log_store {
public:
  using done_fn = std::function<void(bool ok)>;
  /// The snapshot and the data it carries (see get_snapshot()).
  using snapshot_fn = std::function<void(bool ok, snapshot_meta meta, std::string data)>;

  virtual ~log_store() = default;

  /// Reads the persisted state; false and `*error` when it cannot.
  virtual bool load(persisted_state* out, std::string* error) = 0;

  /// Empty store only: writes `configuration` as entry 1 (term 1), term 1
  /// and no vote, durably. False when the store already holds state.
  virtual bool bootstrap(const std::string& configuration) = 0;

  /// Durable before returning (C Raft requires it before answering).
  virtual bool set_term(std::uint64_t term) = 0;
  virtual bool set_vote(std::uint64_t server_id) = 0;

  /// The replica's "rebuilding after a lost disk" marker (its fresh-member
  /// vote guard, replica.cpp), durable before returning: the guard must
  /// survive restarts until the member has caught up. Independent of
  /// bootstrap(): a store holding only the marker is still empty.
  virtual bool set_resyncing(bool on) = 0;

  /// Appends `entries` at `first_index`, `first_index + 1`, ...; `done(true)`
  /// once they are durable. Completions arrive in submission order.
  virtual void append(std::uint64_t first_index, std::vector<log_entry> entries,
                      done_fn done) = 0;

  /// Drops every entry from `from_index` on; ordered after earlier appends.
  virtual void truncate(std::uint64_t from_index) = 0;

  /// Persists a snapshot. `trailing > 0`: a compaction snapshot; the data is
  /// already in place, entries up to `meta.index - trailing` are dropped.
  /// `trailing == 0`: an installed snapshot; `data` (from another member's
  /// get_snapshot) replaces the group's data and every entry is dropped, all
  /// in one atomic write. `done(true)` once durable.
  virtual void put_snapshot(snapshot_meta meta, std::string data, unsigned trailing,
                            done_fn done) = 0;

  /// The last snapshot's meta, and the group's data as a consistent image to
  /// send to a lagging member. The image may include entries applied after
  /// `meta.index`: replaying those entries on top of it gives the same state
  /// (entries are blind puts and deletes), so this is safe.
  virtual void get_snapshot(snapshot_fn done) = 0;
};

/// The group's data, changed by committed commands.
class state_machine {
public:
  virtual ~state_machine() = default;

  /// Applies committed entry `index`. Readers see the change when this
  /// returns; it need not be durable yet (the log is). False: the data can
  /// no longer be written (the member stops).
  virtual bool apply(std::uint64_t index, std::string_view command) = 0;

  /// Makes everything applied so far durable; called before a compaction
  /// snapshot lets the log before it go.
  virtual bool make_durable() = 0;
};

} // namespace chat::replication
