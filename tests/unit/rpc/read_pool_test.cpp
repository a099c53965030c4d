// The read pool runs jobs off the caller's thread, refuses beyond its bound
// instead of queueing without end, and drops queued jobs when stopped.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "actors/rpc/read_pool.hpp"

using chat::read_pool;

TEST_CASE("jobs run on a pool thread") {
  read_pool pool{2, 16};
  std::mutex m;
  std::condition_variable cv;
  std::thread::id ran_on;
  bool done = false;
  REQUIRE(pool.submit([&] {
    std::lock_guard g{m};
    ran_on = std::this_thread::get_id();
    done = true;
    cv.notify_one();
  }));
  std::unique_lock lock{m};
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return done; }));
  CHECK(ran_on != std::this_thread::get_id());
}

TEST_CASE("a full queue refuses instead of growing") {
  read_pool pool{1, 2};
  std::mutex gate;
  gate.lock(); // holds the only worker inside its first job
  std::atomic<int> started{0};
  REQUIRE(pool.submit([&] {
    ++started;
    std::lock_guard g{gate};
  }));
  while (started == 0)
    std::this_thread::yield();
  CHECK(pool.submit([] {}));
  CHECK(pool.submit([] {}));
  CHECK_FALSE(pool.submit([] {})); // two wait already
  CHECK(pool.queued() == 2);
  gate.unlock();
  pool.stop();
  CHECK_FALSE(pool.submit([] {})); // stopped: refused, never inline
}

TEST_CASE("zero threads run jobs inline (deterministic tests)") {
  read_pool pool{0, 1};
  int runs = 0;
  CHECK(pool.submit([&] { ++runs; }));
  CHECK(pool.submit([&] { ++runs; }));
  CHECK(runs == 2);
}
