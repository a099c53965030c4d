#pragma once
// Threads for storage reads that can scan (a page of history, a
// conversation's members at activation, a user's memberships and
// invitations), so a scan never holds a CAF scheduler thread that every
// other actor needs. A job's result comes back into the asking actor as a
// continuation (continuations.hpp), so actor state is only touched by the
// actor. The queue is bounded: a flood of reads is refused (`unavailable`)
// instead of piling up memory.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <caf/actor.hpp>

#include "actors/rpc/continuations.hpp"
#include "actors/rpc/errors.hpp"

namespace chat {

class read_pool {
public:
  /// `threads` workers (0: every job runs inline in submit, for tests); at
  /// most `max_queued` jobs wait.
  read_pool(std::size_t threads, std::size_t max_queued);
  ~read_pool();
  read_pool(const read_pool&) = delete;
  read_pool& operator=(const read_pool&) = delete;

  /// Queues `job`; false (and it never runs) when the queue is full or the
  /// pool stopped.
  bool submit(std::function<void()> job);

  /// Drops queued jobs, finishes running ones and joins the workers.
  void stop();

  std::size_t queued() const;

private:
  struct shared_state {
    std::size_t max_queued;
    mutable std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> queue;
    bool stopping = false;
  };
  static void run_worker(const std::shared_ptr<shared_state>& state);

  std::shared_ptr<shared_state> state_;
  bool inline_ = false; ///< no workers: jobs run inside submit
  std::vector<std::thread> workers_;
  std::mutex join_mutex_;
};

/// Runs `read()` on the pool and then `then(result)` inside `self` (through
/// `pending`, which `self` resumes on resume_atom). When the pool refuses
/// the job, `refused(error)` runs at once instead, with the `unavailable`
/// error to answer.
template <class T, class Self, class Read, class Then, class Refused>
void read_then(Self* self, continuations& pending, read_pool& pool, Read read, Then then,
               Refused refused) {
  auto [id, complete] = pending.add<T>(caf::actor_cast<caf::actor>(self), std::move(then));
  bool queued = pool.submit([read = std::move(read), complete = std::move(complete)]() mutable {
    complete(read());
  });
  if (!queued) {
    pending.cancel(id);
    refused(make_chat_error(errc::unavailable, "too many reads in progress; try again"));
  }
}

} // namespace chat
