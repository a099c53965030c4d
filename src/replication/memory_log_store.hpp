#pragma once
// In-memory log_store and state_machine for the deterministic simulation.
//
// Durability model (what a crash keeps): bootstrap, set_term, set_vote and
// set_resyncing are durable at once; append, truncate, put_snapshot and
// get_snapshot queue up and take effect, in order, only when the simulation
// calls step(); crash() drops whatever is still queued. The state machine keeps its data in memory and
// makes it durable in make_durable() (before a compaction snapshot) or when
// an installed snapshot replaces it; a crash rolls it back to that image.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "replication/log_store.hpp"

namespace chat::replication {

/// apply(index, cmd) records (index, cmd). Re-applying an index it already
/// holds (replay after a restart, or over a snapshot image that went past
/// the snapshot index) must bring the same command: otherwise `conflict`.
class memory_state_machine final : public state_machine {
public:
  using item = std::pair<std::uint64_t, std::string>;

  bool apply(std::uint64_t index, std::string_view command) override;
  bool make_durable() override;

  const std::vector<item>& data() const noexcept { return data_; }
  /// Highest index applied (0: none).
  std::uint64_t last() const noexcept { return data_.empty() ? 0 : data_.back().first; }
  bool conflict() const noexcept { return conflict_; }

  std::string image() const;
  bool load_image(std::string_view bytes); ///< replaces data and its durable copy
  void crash() { data_ = durable_; }
  void wipe() { data_.clear(), durable_.clear(); }

private:
  std::vector<item> data_, durable_;
  bool conflict_ = false;
};

class memory_log_store final : public log_store {
public:
  explicit memory_log_store(memory_state_machine& sm) : sm_(sm) {}

  bool load(persisted_state* out, std::string* error) override;
  bool bootstrap(const std::string& configuration) override;
  bool set_term(std::uint64_t term) override;
  bool set_vote(std::uint64_t server_id) override;
  bool set_resyncing(bool on) override;
  void append(std::uint64_t first_index, std::vector<log_entry> entries, done_fn done) override;
  void truncate(std::uint64_t from_index) override;
  void put_snapshot(snapshot_meta meta, std::string data, unsigned trailing, done_fn done) override;
  void get_snapshot(snapshot_fn done) override;

  /// Operations waiting to take effect.
  std::size_t pending() const noexcept { return ops_.size(); }
  /// Carries out the oldest pending operation and runs its completion.
  bool step();
  /// Power loss: pending operations vanish, durable state stays.
  void crash();
  /// Disk loss: nothing stays.
  void wipe();

  std::uint64_t snapshot_index() const noexcept { return snapshot_ ? snapshot_->index : 0; }
  bool resyncing() const noexcept { return resyncing_; }
  std::uint64_t last_index() const noexcept { return start_ + log_.size() - 1; }

private:
  memory_state_machine& sm_;
  std::uint64_t term_ = 0, vote_ = 0;
  bool resyncing_ = false;
  std::optional<snapshot_meta> snapshot_;
  std::uint64_t start_ = 1;
  std::vector<log_entry> log_;
  std::deque<std::function<void()>> ops_;
};

} // namespace chat::replication
