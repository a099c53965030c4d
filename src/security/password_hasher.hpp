#pragma once
// A small dedicated thread pool for argon2id, which takes ~100 ms and tens of
// MiB per call: running it on CAF scheduler or Asio threads would stall every
// other actor or connection sharing them. The queue is bounded so a login
// flood is answered with 503 instead of piling up memory and latency.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "security/password.hpp"

namespace chat::security {

/// Runs hash_password / verify_password on its own threads.
class password_hasher {
public:
  /// Starts `threads` workers; at most max_queued jobs may wait. With zero
  /// threads every job runs inline inside submit_*() (deterministic tests only).
  password_hasher(std::size_t threads, std::size_t max_queued, password_cost cost);
  ~password_hasher();
  password_hasher(const password_hasher&) = delete;
  password_hasher& operator=(const password_hasher&) = delete;

  /// Queues a hash; done runs on a worker thread with the encoded hash, or with
  /// an empty string if hashing failed (out of memory). False (and done is never
  /// called) when max_queued jobs already wait or the pool is stopped.
  bool submit_hash(std::string password, std::function<void(std::string encoded_hash)> done);

  /// Queues a verification; done runs on a worker thread. False as for submit_hash.
  bool submit_verify(std::string encoded_hash, std::string password,
                     std::function<void(bool match)> done);

  /// Finishes running jobs, drops queued ones (their done is not called) and
  /// joins the workers; idempotent. Safe from inside a done callback too.
  void stop();

  /// Jobs waiting for a worker (running ones excluded).
  std::size_t queued() const;

  /// The cost new hashes are made with.
  password_cost cost() const;

private:
  struct job {
    bool is_hash = false;
    std::string encoded_hash;
    std::string password;
    std::function<void(std::string)> on_hash;
    std::function<void(bool)> on_verify;
  };

  // Workers share ownership, so one detached by a stop() inside its own
  // callback may outlive the pool object safely.
  struct shared_state {
    std::size_t max_queued;
    password_cost cost;
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<job> queue;
    bool stopping = false;
  };

  bool enqueue(job&& j);
  static void run_worker(const std::shared_ptr<shared_state>& state);
  static void run(job& j, password_cost cost);
  static void discard(job& j) noexcept;

  std::shared_ptr<shared_state> state_;
  std::mutex join_mutex_; ///< serialises concurrent stop() calls
  std::vector<std::thread> workers_;
};

} // namespace chat::security
