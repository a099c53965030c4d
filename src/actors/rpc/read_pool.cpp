#include "actors/rpc/read_pool.hpp"

namespace chat {

read_pool::read_pool(std::size_t threads, std::size_t max_queued)
  : state_(std::make_shared<shared_state>()) {
  state_->max_queued = max_queued;
  inline_ = threads == 0;
  for (std::size_t i = 0; i < threads; ++i)
    workers_.emplace_back([state = state_] { run_worker(state); });
}

read_pool::~read_pool() { stop(); }

bool read_pool::submit(std::function<void()> job) {
  if (inline_) {
    job();
    return true;
  }
  {
    std::lock_guard guard{state_->mutex};
    if (state_->stopping || state_->queue.size() >= state_->max_queued)
      return false;
    state_->queue.push_back(std::move(job));
  }
  state_->wake.notify_one();
  return true;
}

void read_pool::stop() {
  std::lock_guard join_guard{join_mutex_};
  {
    std::lock_guard guard{state_->mutex};
    state_->stopping = true;
    state_->queue.clear();
  }
  state_->wake.notify_all();
  for (auto& w : workers_)
    if (w.joinable())
      w.join();
  workers_.clear();
}

std::size_t read_pool::queued() const {
  std::lock_guard guard{state_->mutex};
  return state_->queue.size();
}

void read_pool::run_worker(const std::shared_ptr<shared_state>& state) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock{state->mutex};
      state->wake.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
      if (state->stopping)
        return;
      job = std::move(state->queue.front());
      state->queue.pop_front();
    }
    job();
  }
}

} // namespace chat
