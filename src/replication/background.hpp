#pragma once
// Private to src/replication: one worker thread running tasks in order, for
// the slow store work (exporting and installing snapshots) that must stay
// off the replica's thread and off the storage writer thread. Started on the
// first task; the destructor runs the queued tasks, then joins.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace chat::replication {

class background {
public:
  background() = default;
  background(const background&) = delete;
  background& operator=(const background&) = delete;

  ~background() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable())
      thread_.join();
  }

  void run(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
      if (!thread_.joinable())
        thread_ = std::thread([this] { loop(); });
    }
    wake_.notify_one();
  }

private:
  void loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty())
          return; // stopping and drained
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_; // last: started after the members it uses exist
};

} // namespace chat::replication
