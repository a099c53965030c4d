#include "security/password_hasher.hpp"

#include <algorithm>

#include "security/crypto.hpp"

namespace chat::security {
namespace {

// Which pool, if any, the current thread works for: stop() must not wait for
// itself when a done callback calls it.
thread_local const void* worker_of = nullptr;

} // namespace

password_hasher::password_hasher(std::size_t threads, std::size_t max_queued, password_cost cost)
    : state_(std::make_shared<shared_state>()) {
  state_->max_queued = max_queued;
  state_->cost = cost;
  // No workers: jobs run inline in submit_*(), for deterministic tests.
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i)
    workers_.emplace_back([state = state_] { run_worker(state); });
}

password_hasher::~password_hasher() {
  stop();
}

bool password_hasher::submit_hash(std::string password,
                                  std::function<void(std::string)> done) {
  job j;
  j.is_hash = true;
  j.password = std::move(password);
  j.on_hash = std::move(done);
  return enqueue(std::move(j));
}

bool password_hasher::submit_verify(std::string encoded_hash, std::string password,
                                    std::function<void(bool)> done) {
  job j;
  j.encoded_hash = std::move(encoded_hash);
  j.password = std::move(password);
  j.on_verify = std::move(done);
  return enqueue(std::move(j));
}

bool password_hasher::enqueue(job&& j) {
  if (workers_.empty()) {
    if (state_->stopping || state_->max_queued == 0) {
      discard(j);
      return false;
    }
    run(j, state_->cost);
    return true;
  }
  {
    std::lock_guard lock{state_->mutex};
    if (!state_->stopping && state_->queue.size() < state_->max_queued) {
      state_->queue.push_back(std::move(j));
      state_->wake.notify_one();
      return true;
    }
  }
  discard(j);
  return false;
}

void password_hasher::stop() {
  std::deque<job> dropped;
  {
    std::lock_guard lock{state_->mutex};
    state_->stopping = true;
    dropped.swap(state_->queue);
  }
  state_->wake.notify_all();
  // Outside the lock: destroying callbacks may run arbitrary destructors.
  for (auto& j : dropped)
    discard(j);
  dropped.clear();

  std::unique_lock join_lock{join_mutex_, std::defer_lock};
  if (worker_of != state_.get())
    join_lock.lock();
  else if (!join_lock.try_lock())
    return; // another thread's stop() is joining this very worker
  for (auto& t : workers_) {
    if (!t.joinable())
      continue;
    // stop() from a done callback runs on a worker, which cannot join itself;
    // it exits on its own once the callback returns.
    if (t.get_id() == std::this_thread::get_id())
      t.detach();
    else
      t.join();
  }
  workers_.clear();
}

std::size_t password_hasher::queued() const {
  std::lock_guard lock{state_->mutex};
  return state_->queue.size();
}

password_cost password_hasher::cost() const {
  return state_->cost;
}

void password_hasher::run_worker(const std::shared_ptr<shared_state>& state) {
  worker_of = state.get();
  for (;;) {
    job j;
    {
      std::unique_lock lock{state->mutex};
      state->wake.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
      if (state->stopping)
        return;
      j = std::move(state->queue.front());
      state->queue.pop_front();
    }
    run(j, state->cost);
  }
}

void password_hasher::run(job& j, password_cost cost) {
  // Callbacks belong to other subsystems; one that throws must not take a
  // worker (and with it the process, via std::terminate) down.
  try {
    if (j.is_hash) {
      std::string encoded;
      try {
        encoded = hash_password(j.password, cost);
      } catch (const std::exception&) {
        encoded.clear();
      }
      wipe(j.password);
      if (j.on_hash)
        j.on_hash(std::move(encoded));
    } else {
      bool match = verify_password(j.encoded_hash, j.password);
      wipe(j.password);
      if (j.on_verify)
        j.on_verify(match);
    }
  } catch (...) {
  }
  discard(j);
}

void password_hasher::discard(job& j) noexcept {
  wipe(j.password);
  j.on_hash = nullptr;
  j.on_verify = nullptr;
}

} // namespace chat::security
