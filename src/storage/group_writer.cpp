#include "storage/group_writer.hpp"

#include <algorithm>
#include <pthread.h>
#include <type_traits>

#include "storage/rocks_status.hpp"

namespace chat::storage {

namespace {
// An empty batch still occupies a queue slot.
std::size_t weight(const write_batch& b) { return std::max<std::size_t>(b.size(), 1); }
} // namespace

group_writer::group_writer(rocks_db& db, const options& opts)
    : db_(db),
      sync_(opts.mode == durability::sync),
      max_batch_ops_(std::max<std::size_t>(opts.max_batch_ops, 1)),
      max_queue_ops_(opts.max_queue_ops) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "chat-storage");
    run();
  });
}

group_writer::~group_writer() { stop(); }

template <class Done>
status group_writer::enqueue(std::size_t scope, write_batch& batch, Done& done, bool sync) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      return {status_code::closed, "the database is closing"};
    if (queued_ops_ + weight(batch) > max_queue_ops_)
      return {status_code::queue_full, "the write queue is full"};
    queued_ops_ += weight(batch);
    pending p{scope, sync, std::move(batch), {}, {}};
    if constexpr (std::is_same_v<Done, std::function<void(errc)>>)
      p.done_errc = std::move(done);
    else
      p.done_status = std::move(done);
    queue_.push_back(std::move(p));
  }
  wake_.notify_one();
  return {};
}

status group_writer::submit(std::size_t scope, write_batch& batch,
                            std::function<void(errc)>& done) {
  return enqueue(scope, batch, done, false);
}

status group_writer::submit(std::size_t scope, write_batch& batch,
                            std::function<void(const status&)>& done, bool sync) {
  return enqueue(scope, batch, done, sync);
}

void group_writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void group_writer::run() {
  std::vector<pending> round;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty())
        return; // stopping and drained
      round.swap(queue_);
      queued_ops_ = 0;
    }
    write_round(round);
    round.clear();
  }
}

// Writes the round in chunks of at most max_batch_ops (a larger batch is one
// chunk: batches are atomic). Only the last chunk asks for an fsync, which
// covers the earlier chunks too since they precede it in the same WAL.
void group_writer::write_round(std::vector<pending>& round) {
  results_.assign(round.size(), status{});
  const bool sync = sync_ || std::any_of(round.begin(), round.end(),
                                         [](const pending& p) { return p.sync; });
  std::size_t first = 0;
  while (first < round.size()) {
    wb_.Clear();
    std::size_t end = first, ops = 0;
    while (end < round.size() && (ops == 0 || ops + round[end].batch.size() <= max_batch_ops_)) {
      db_.append(wb_, round[end].scope, round[end].batch);
      ops += round[end].batch.size();
      ++end;
    }
    const bool last = end == round.size();
    // Logged here, once per RocksDB write, however many batches share it.
    const status st = checked(db_.write(wb_, sync && last), "write");
    if (!st.ok()) {
      for (std::size_t i = first; i < end; ++i)
        results_[i] = st;
      // A failed final (syncing) write leaves the earlier chunks unsynced:
      // their callers cannot be told they are durable.
      if (last && sync)
        std::fill(results_.begin(), results_.begin() + static_cast<std::ptrdiff_t>(first), st);
    }
    first = end;
  }
  for (std::size_t i = 0; i < round.size(); ++i) {
    if (round[i].done_errc)
      round[i].done_errc(commit_errc(results_[i]));
    else
      round[i].done_status(results_[i]);
  }
}

} // namespace chat::storage
