#pragma once
// Threads and phases: one io_context per thread (--threads), each run by its
// own OS thread for the whole benchmark. The main thread drives the phases:
// it posts work to every thread and waits for it, always with a deadline, so
// a stuck server can delay chatbench but never hang it.
#include "asio.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace chatbench {

/// Outcome of a phase: how long it took and the failures (first few kept).
struct phase_result {
  bool completed = false;            ///< every worker finished before the deadline
  double seconds = 0;
  std::size_t failures = 0;
  std::vector<std::string> first_errors;
  std::string summary(std::string_view phase) const;
};

class runner {
public:
  explicit runner(unsigned threads);
  ~runner();
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;

  unsigned size() const noexcept { return static_cast<unsigned>(threads_.size()); }
  asio::any_io_executor executor(unsigned thread);

  /// Per thread t: `count(t)` items worked on by `concurrency` coroutines that
  /// each take the next item and co_await body(t, worker, item); a body that
  /// throws counts as a failure of that item (the others go on). Waits for all
  /// of them, or until `timeout`.
  using body_fn = std::function<asio::awaitable<void>(unsigned thread, unsigned worker, std::size_t item)>;
  phase_result run_phase(std::function<std::size_t(unsigned)> count, unsigned concurrency, body_fn body,
                         std::chrono::milliseconds timeout);

  /// Runs fn(t) on every thread t and waits for all. On `timeout` the
  /// threads are stopped (so `fn`, which may refer to the caller's locals,
  /// can no longer run) and the answer is false.
  bool on_each(std::function<void(unsigned)> fn, std::chrono::milliseconds timeout);
  /// on_each for work the run cannot go on without: a timeout throws
  /// std::runtime_error naming `what`.
  void on_each_or_fail(std::function<void(unsigned)> fn, std::chrono::milliseconds timeout,
                       const std::string& what);

  /// Stops every io_context and joins the threads (pending work is dropped).
  void stop();

private:
  struct worker {
    asio::io_context ctx{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ctx.get_executor()};
    std::thread thread;
  };
  std::vector<std::unique_ptr<worker>> threads_;
};

/// A last resort: ends the process (exit code 3) if the benchmark has not
/// finished within its budget, whatever is stuck.
class watchdog {
public:
  explicit watchdog(std::chrono::seconds budget);
  ~watchdog();

private:
  std::thread thread_;
  std::shared_ptr<std::atomic<bool>> done_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace chatbench

namespace chatbench {

/// A counter written by one thread and read by any (the progress line):
/// plain load + store, no locked instruction on the hot path.
class counter {
public:
  void add(std::uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(std::uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> v_{0};
};

} // namespace chatbench
