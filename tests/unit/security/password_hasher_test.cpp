#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "security/crypto.hpp"
#include "security/password_hasher.hpp"

using namespace chat::security;
using namespace std::chrono_literals;

namespace {

// Holds a worker inside a done callback until released, so tests can fill
// the queue deterministically.
struct gate {
  std::mutex m;
  std::condition_variable cv;
  bool entered = false;
  bool open = false;

  void block() {
    std::unique_lock lock{m};
    entered = true;
    cv.notify_all();
    cv.wait(lock, [this] { return open; });
  }
  void wait_entered() {
    std::unique_lock lock{m};
    cv.wait(lock, [this] { return entered; });
  }
  void release() {
    std::lock_guard lock{m};
    open = true;
    cv.notify_all();
  }
};

} // namespace

TEST_CASE("hash and verify jobs run on pool threads, not the caller's") {
  init();
  password_hasher pool{2, 8, password_cost::min};
  CHECK(pool.cost() == password_cost::min);
  const auto caller = std::this_thread::get_id();

  std::promise<std::pair<std::thread::id, std::string>> hashed;
  REQUIRE(pool.submit_hash("s3cret", [&](std::string encoded) {
    hashed.set_value({std::this_thread::get_id(), std::move(encoded)});
  }));
  auto [hash_thread, encoded] = hashed.get_future().get();
  CHECK(hash_thread != caller);
  CHECK(verify_password(encoded, "s3cret"));

  std::promise<std::pair<std::thread::id, bool>> right, wrong;
  REQUIRE(pool.submit_verify(encoded, "s3cret", [&](bool match) {
    right.set_value({std::this_thread::get_id(), match});
  }));
  REQUIRE(pool.submit_verify(encoded, "guess", [&](bool match) {
    wrong.set_value({std::this_thread::get_id(), match});
  }));
  auto [right_thread, right_match] = right.get_future().get();
  auto [wrong_thread, wrong_match] = wrong.get_future().get();
  CHECK(right_thread != caller);
  CHECK(wrong_thread != caller);
  CHECK(right_match);
  CHECK_FALSE(wrong_match);

  std::promise<bool> malformed;
  REQUIRE(pool.submit_verify("not a hash", "s3cret", [&](bool m) { malformed.set_value(m); }));
  CHECK_FALSE(malformed.get_future().get());
}

TEST_CASE("submissions beyond max_queued are refused and never called back") {
  init();
  gate g;
  std::atomic<int> completed{0};
  password_hasher pool{1, 2, password_cost::min};

  REQUIRE(pool.submit_hash("blocker", [&](std::string) { g.block(); }));
  g.wait_entered(); // the only worker is busy from here on

  CHECK(pool.submit_hash("a", [&](std::string) { ++completed; }));
  CHECK(pool.submit_verify("x", "b", [&](bool) { ++completed; }));
  CHECK(pool.queued() == 2);
  std::atomic<bool> refused_called{false};
  CHECK_FALSE(pool.submit_hash("c", [&](std::string) { refused_called = true; }));
  CHECK_FALSE(pool.submit_verify("x", "d", [&](bool) { refused_called = true; }));
  CHECK(pool.queued() == 2);

  g.release();
  for (int i = 0; i < 500 && completed < 2; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(completed == 2);
  CHECK(pool.queued() == 0);
  // Room again once the queue drained.
  std::promise<void> later;
  CHECK(pool.submit_hash("e", [&](std::string) { later.set_value(); }));
  later.get_future().wait();
  CHECK_FALSE(refused_called);
}

TEST_CASE("stop() drops queued jobs, finishes the running one and returns promptly") {
  init();
  gate g;
  std::atomic<int> queued_done{0};
  std::atomic<bool> running_finished{false};
  password_hasher pool{1, 100, password_cost::min};

  REQUIRE(pool.submit_hash("blocker", [&](std::string encoded) {
    g.block();
    running_finished = !encoded.empty();
  }));
  g.wait_entered();
  for (int i = 0; i < 50; ++i)
    REQUIRE(pool.submit_hash("queued", [&](std::string) { ++queued_done; }));
  CHECK(pool.queued() == 50);

  auto started = std::chrono::steady_clock::now();
  std::thread stopper{[&] { pool.stop(); }};
  // stop() empties the queue before joining; only then let the worker go, so
  // no queued job can sneak in between.
  while (pool.queued() != 0)
    std::this_thread::sleep_for(1ms);
  g.release();
  stopper.join();
  auto took = std::chrono::steady_clock::now() - started;

  CHECK(took < 2s);
  CHECK(running_finished);
  CHECK(queued_done == 0);
  CHECK_FALSE(pool.submit_hash("after stop", [&](std::string) { ++queued_done; }));
  pool.stop(); // idempotent
  CHECK(queued_done == 0);
}

TEST_CASE("stop() may be called from a done callback") {
  init();
  password_hasher pool{1, 4, password_cost::min};
  std::promise<void> called;
  REQUIRE(pool.submit_hash("x", [&](std::string) {
    pool.stop();
    called.set_value();
  }));
  called.get_future().wait();
  pool.stop();
}

TEST_CASE("password_hasher with zero threads runs jobs inline, on the caller") {
  chat::security::password_hasher hasher{0, 4, chat::security::password_cost::min};
  std::string hash;
  std::thread::id ran_on;
  REQUIRE(hasher.submit_hash("inline password", [&](std::string h) {
    hash = std::move(h);
    ran_on = std::this_thread::get_id();
  }));
  CHECK(ran_on == std::this_thread::get_id());
  REQUIRE_FALSE(hash.empty());
  bool match = false;
  REQUIRE(hasher.submit_verify(hash, "inline password", [&](bool m) { match = m; }));
  CHECK(match);
  hasher.stop();
  CHECK_FALSE(hasher.submit_verify(hash, "inline password", [&](bool) { FAIL("ran after stop"); }));
}
