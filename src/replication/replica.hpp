#pragma once
// One member of one consensus group: a C Raft (`libraft`) instance with our
// own raft_io and raft_fsm. The replica is single-threaded and knows nothing
// of actors or sockets: its host (a CAF actor in a node, an event loop in
// the simulation) feeds it ticks, peer messages and store completions, and
// gives it a way to send, a clock and randomness.
//
// Member ids are positions in cluster.conf plus one (C Raft reserves 0).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "replication/log_store.hpp"

namespace chat::replication {

enum class role : std::uint8_t { unavailable, follower, candidate, leader };

/// Human name of a role ("leader", ...).
const char* role_name(role r) noexcept;

/// The outcome of propose() and barrier().
enum class outcome : std::uint8_t {
  applied,         ///< committed by a majority and applied here
  not_leader,      ///< this member does not lead: ask the leader
  leadership_lost, ///< led when asked, lost it before the commit: may still be applied later
  busy,            ///< too many proposals in flight
  failed,          ///< the store failed or the replica is closing
};

struct replica_config {
  std::uint32_t group = 0;
  std::uint64_t self = 1;              ///< this member's id
  std::vector<std::uint64_t> voters;   ///< every member's id (bootstrap configuration)
  unsigned tick_ms = 50;               ///< how often the host calls tick()
  unsigned heartbeat_ms = 100;
  unsigned election_timeout_ms = 1000; ///< randomised by C Raft in [t, 2t)
  unsigned snapshot_threshold = 4096;  ///< entries between compaction snapshots
  unsigned snapshot_trailing = 1024;   ///< entries kept behind a snapshot
  std::size_t max_in_flight = 65536;   ///< proposals waiting for commit
};

/// What the replica needs from whoever runs it. Called on the replica's thread.
class replica_host {
public:
  virtual ~replica_host() = default;
  /// Best effort: the message may be lost, duplicated or reordered.
  virtual void send(std::uint64_t to, std::string bytes) = 0;
  /// Milliseconds on a monotonic clock.
  virtual std::uint64_t now_ms() = 0;
  /// Uniform in [min, max].
  virtual int random(int min, int max) = 0;
  /// Role, leader (0: unknown) or term changed.
  virtual void on_change(role r, std::uint64_t leader, std::uint64_t term) = 0;
};

struct follower_progress {
  std::uint64_t id = 0;
  std::uint64_t match_index = 0; ///< highest entry known to be on that member
  bool recent = false;           ///< heard from within an election timeout
  std::uint64_t answered_ms = 0; ///< host ms of its last answer to us in this term (0: none)
};

struct replica_status {
  std::uint32_t group = 0;
  role state = role::unavailable;
  std::uint64_t leader = 0;
  std::uint64_t term = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;
  std::uint64_t last_index = 0;
  std::uint64_t snapshot_index = 0;
  std::vector<follower_progress> followers; ///< leader only
  /// Leader only: host ms by which a majority (this member included) had
  /// answered it in this term; reads are safe here while that is recent.
  std::uint64_t quorum_heard_ms = 0;
};

/// Counters for metrics (monotonic since start).
struct replica_counters {
  std::uint64_t elections_won = 0;
  std::uint64_t leader_changes = 0;
  std::uint64_t snapshots_taken = 0;
  std::uint64_t snapshots_installed = 0;
  std::uint64_t snapshots_sent = 0;
};

class replica {
public:
  using done_fn = std::function<void(outcome)>;

  replica(replica_config cfg, replica_host& host, log_store& log, state_machine& fsm);
  /// Closes the raft instance; every pending done_fn runs with `failed`.
  ~replica();
  replica(const replica&) = delete;
  replica& operator=(const replica&) = delete;

  /// Loads the store (bootstrapping it with `voters` when empty) and starts
  /// C Raft. False and `*error` on failure.
  bool start(std::string* error);

  /// Call every `tick_ms`.
  void tick();

  /// A message another member sent (the bytes its host got from send()).
  /// Malformed bytes are dropped.
  void receive(std::string_view bytes);

  /// Replicates `command`; `done(applied)` once a majority holds it and the
  /// state machine applied it here.
  void propose(std::string command, done_fn done);

  /// `done(applied)` once every entry committed before the call is applied
  /// here and this member still leads: the read index for reads that must
  /// see every earlier write, and the gate a new leader passes before serving.
  void barrier(done_fn done);

  /// Hands leadership to member `to` (0: the most up-to-date one). False
  /// when not leader or a transfer is already running.
  bool transfer(std::uint64_t to);

  replica_status status() const;
  const replica_counters& counters() const noexcept;
  const replica_config& config() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace chat::replication
