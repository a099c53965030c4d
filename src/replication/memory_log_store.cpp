#include "replication/memory_log_store.hpp"

#include <algorithm>

namespace chat::replication {

bool memory_state_machine::apply(std::uint64_t index, std::string_view command) {
  if (index > last()) {
    data_.emplace_back(index, std::string(command));
    return true;
  }
  // A replay: the index must already hold this very command.
  auto it = std::lower_bound(data_.begin(), data_.end(), index,
                             [](const item& a, std::uint64_t i) { return a.first < i; });
  if (it == data_.end() || it->first != index || it->second != command) conflict_ = true;
  return true;
}

bool memory_state_machine::make_durable() {
  durable_ = data_;
  return true;
}

// u64 count, then per item u64 index | u32 length | bytes (host order is
// fine: the image never leaves the process).
std::string memory_state_machine::image() const {
  std::string out;
  auto put = [&out](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); };
  const std::uint64_t n = data_.size();
  put(&n, 8);
  for (const auto& [index, cmd] : data_) {
    const auto len = static_cast<std::uint32_t>(cmd.size());
    put(&index, 8), put(&len, 4), put(cmd.data(), cmd.size());
  }
  return out;
}

bool memory_state_machine::load_image(std::string_view in) {
  auto get = [&in](void* p, std::size_t n) {
    if (in.size() < n) return false;
    std::copy_n(in.data(), n, static_cast<char*>(p));
    in.remove_prefix(n);
    return true;
  };
  std::uint64_t n = 0;
  if (!get(&n, 8)) return false;
  std::vector<item> data;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t index = 0;
    std::uint32_t len = 0;
    if (!get(&index, 8) || !get(&len, 4) || in.size() < len) return false;
    data.emplace_back(index, std::string(in.substr(0, len)));
    in.remove_prefix(len);
  }
  data_ = data;
  durable_ = std::move(data);
  return true;
}

bool memory_log_store::load(persisted_state* out, std::string* error) {
  out->term = term_;
  out->vote = vote_;
  out->snapshot = snapshot_;
  out->start_index = start_;
  out->entries = log_;
  out->resyncing = resyncing_;
  return true;
}

bool memory_log_store::bootstrap(const std::string& configuration) {
  if (term_ != 0 || snapshot_ || !log_.empty()) return false;
  term_ = 1;
  vote_ = 0;
  start_ = 1;
  log_.push_back({1, 3 /* RAFT_CHANGE */, configuration});
  return true;
}

bool memory_log_store::set_term(std::uint64_t term) {
  term_ = term;
  vote_ = 0;
  return true;
}

bool memory_log_store::set_vote(std::uint64_t server_id) {
  vote_ = server_id;
  return true;
}

bool memory_log_store::set_resyncing(bool on) {
  resyncing_ = on;
  return true;
}

void memory_log_store::append(std::uint64_t first, std::vector<log_entry> entries, done_fn done) {
  ops_.push_back([this, first, entries = std::move(entries), done = std::move(done)]() mutable {
    // Entries below the log's start were compacted away meanwhile: skip them.
    std::uint64_t index = first;
    std::size_t skip = index < start_ ? std::min<std::size_t>(start_ - index, entries.size()) : 0;
    index += skip;
    log_.resize(std::min<std::size_t>(log_.size(), index - start_));
    for (std::size_t i = skip; i < entries.size(); ++i) log_.push_back(std::move(entries[i]));
    done(true);
  });
}

void memory_log_store::truncate(std::uint64_t from) {
  ops_.push_back([this, from] {
    if (from <= start_) log_.clear();
    else log_.resize(std::min<std::size_t>(log_.size(), from - start_));
  });
}

void memory_log_store::put_snapshot(snapshot_meta meta, std::string data, unsigned trailing,
                                    done_fn done) {
  ops_.push_back([this, meta = std::move(meta), data = std::move(data), trailing,
                  done = std::move(done)]() mutable {
    if (trailing == 0) {
      if (!sm_.load_image(data)) return done(false);
      log_.clear();
      start_ = meta.index + 1;
    } else if (meta.index > trailing) {
      const std::uint64_t keep_from = meta.index - trailing + 1;
      if (keep_from > start_) {
        const std::size_t drop = std::min<std::size_t>(keep_from - start_, log_.size());
        log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(drop));
        start_ = keep_from;
      }
    }
    snapshot_ = std::move(meta);
    done(true);
  });
}

void memory_log_store::get_snapshot(snapshot_fn done) {
  ops_.push_back([this, done = std::move(done)] {
    if (!snapshot_) return done(false, {}, {});
    done(true, *snapshot_, sm_.image());
  });
}

bool memory_log_store::step() {
  if (ops_.empty()) return false;
  auto op = std::move(ops_.front());
  ops_.pop_front();
  op();
  return true;
}

void memory_log_store::crash() {
  ops_.clear();
  sm_.crash();
}

void memory_log_store::wipe() {
  crash();
  sm_.wipe();
  term_ = vote_ = 0;
  resyncing_ = false;
  snapshot_.reset();
  start_ = 1;
  log_.clear();
}

} // namespace chat::replication
