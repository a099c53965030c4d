#pragma once
// Private to src/storage: group commit. One thread drains the queue; every
// batch that arrived while the previous write+fsync ran goes into the next
// RocksDB write, so N concurrent appenders share one fsync.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <rocksdb/write_batch.h>

#include "schema/error_code.hpp"
#include "storage/database.hpp"
#include "storage/rocks_db.hpp"
#include "storage/status.hpp"
#include "storage/write_batch.hpp"

namespace chat::storage {

/// The writer thread and its bounded queue.
class group_writer {
public:
  /// Starts the thread; `db` must outlive this object.
  group_writer(rocks_db& db, const options& opts);

  /// Calls stop().
  ~group_writer();

  /// Queues the batch (its ops on scope `scope`): ok, or closed (stopped) /
  /// queue_full in which case `done` was not taken and the caller answers.
  /// `done` gets ok or the write's failure as a client error (commit_errc).
  status submit(std::size_t scope, write_batch& batch, std::function<void(errc)>& done);

  /// The same, `done` getting the write's status with RocksDB's cause; with
  /// `sync`, the round carrying the batch ends with a sync whatever the mode.
  status submit(std::size_t scope, write_batch& batch, std::function<void(const status&)>& done,
                bool sync = false);

  /// Refuses new batches, writes the queued ones, joins the thread. Idempotent.
  void stop();

private:
  // Exactly one of the callbacks is set: the errc one is kept as it is
  // (not wrapped) so that commit() costs no extra allocation.
  struct pending {
    std::size_t scope = 0;
    bool sync = false; ///< this batch wants the round synced even in async mode
    write_batch batch;
    std::function<void(errc)> done_errc;
    std::function<void(const status&)> done_status;
  };

  template <class Done>
  status enqueue(std::size_t scope, write_batch& batch, Done& done, bool sync);

  void run();
  void write_round(std::vector<pending>& round);

  rocks_db& db_;
  const bool sync_;
  const std::size_t max_batch_ops_;
  const std::size_t max_queue_ops_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<pending> queue_;
  std::size_t queued_ops_ = 0;
  bool stopping_ = false;

  // Writer-thread only: reused across rounds to avoid reallocations.
  rocksdb::WriteBatch wb_;
  std::vector<status> results_;
  std::thread thread_;
};

} // namespace chat::storage
