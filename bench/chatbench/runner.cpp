#include "runner.hpp"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace chatbench {

std::string phase_result::summary(std::string_view phase) const {
  std::string s(phase);
  if (!completed)
    s += ": timed out";
  if (failures) {
    s += (completed ? ": " : ", ") + std::to_string(failures) + " failure(s)";
    for (const auto& e : first_errors)
      s += "\n  " + e;
  }
  return s;
}

runner::runner(unsigned threads) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) {
    auto w = std::make_unique<worker>();
    w->thread = std::thread([ctx = &w->ctx] { ctx->run(); });
    threads_.push_back(std::move(w));
  }
}

runner::~runner() { stop(); }

asio::any_io_executor runner::executor(unsigned thread) { return threads_.at(thread)->ctx.get_executor(); }

void runner::stop() {
  for (auto& w : threads_) {
    w->guard.reset();
    w->ctx.stop();
  }
  for (auto& w : threads_)
    if (w->thread.joinable())
      w->thread.join();
}

namespace {
struct phase_state {
  std::mutex m;
  std::condition_variable cv;
  std::size_t remaining = 0;
  std::size_t failures = 0;
  std::vector<std::string> errors;
  void fail(std::string e) {
    std::lock_guard lock(m);
    ++failures;
    if (errors.size() < 5)
      errors.push_back(std::move(e));
  }
  void done() {
    std::lock_guard lock(m);
    if (--remaining == 0)
      cv.notify_all();
  }
};

asio::awaitable<void> phase_worker(std::shared_ptr<phase_state> st, std::shared_ptr<std::size_t> next,
                                   std::size_t count, unsigned thread, unsigned worker_index,
                                   std::shared_ptr<runner::body_fn> body) {
  while (*next < count) {
    const std::size_t item = (*next)++;
    try {
      co_await (*body)(thread, worker_index, item);
    } catch (const std::exception& e) {
      st->fail(e.what());
    }
  }
}
} // namespace

phase_result runner::run_phase(std::function<std::size_t(unsigned)> count, unsigned concurrency, body_fn body,
                               std::chrono::milliseconds timeout) {
  auto st = std::make_shared<phase_state>();
  auto shared_body = std::make_shared<body_fn>(std::move(body));
  concurrency = std::max(1u, concurrency);
  const auto start = steady_clock::now();
  st->remaining = size() * static_cast<std::size_t>(concurrency);
  for (unsigned t = 0; t < size(); ++t) {
    const std::size_t n = count(t);
    auto next = std::make_shared<std::size_t>(0);  // touched only on thread t
    for (unsigned w = 0; w < concurrency; ++w)
      asio::co_spawn(executor(t), phase_worker(st, next, n, t, w, shared_body),
                     [st](std::exception_ptr) { st->done(); });
  }
  phase_result r;
  std::unique_lock lock(st->m);
  r.completed = st->cv.wait_for(lock, timeout, [&] { return st->remaining == 0; });
  r.seconds = std::chrono::duration<double>(steady_clock::now() - start).count();
  r.failures = st->failures;
  r.first_errors = st->errors;
  return r;
}

bool runner::on_each(std::function<void(unsigned)> fn, std::chrono::milliseconds timeout) {
  auto st = std::make_shared<phase_state>();
  st->remaining = size();
  auto shared_fn = std::make_shared<std::function<void(unsigned)>>(std::move(fn));
  for (unsigned t = 0; t < size(); ++t)
    asio::post(executor(t), [st, shared_fn, t] {
      (*shared_fn)(t);
      st->done();
    });
  std::unique_lock lock(st->m);
  if (st->cv.wait_for(lock, timeout, [&] { return st->remaining == 0; }))
    return true;
  lock.unlock();
  stop();
  return false;
}

void runner::on_each_or_fail(std::function<void(unsigned)> fn, std::chrono::milliseconds timeout,
                             const std::string& what) {
  if (!on_each(std::move(fn), timeout))
    throw std::runtime_error(what + " timed out on the client threads");
}

watchdog::watchdog(std::chrono::seconds budget) {
  thread_ = std::thread([budget, done = done_] {
    const auto deadline = steady_clock::now() + budget;
    while (!done->load()) {
      if (steady_clock::now() >= deadline) {
        std::fprintf(stderr, "\nchatbench: watchdog: still running after %llds, giving up\n",
                     static_cast<long long>(budget.count()));
        std::fflush(stderr);
        ::_exit(3);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

watchdog::~watchdog() {
  done_->store(true);
  if (thread_.joinable())
    thread_.join();
}

} // namespace chatbench
