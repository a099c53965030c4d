#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/database.hpp"
#include "storage/keys.hpp"
#include "temp_dir.hpp"

using namespace chat;
using namespace chat::storage;
using chat::storage::test::temp_dir;

namespace {

// Counts completions; wait() returns once `expected` arrived.
class latch {
public:
  explicit latch(std::size_t expected) : left_(expected) {}
  void arrive() {
    std::lock_guard lock(m_);
    if (--left_ == 0)
      cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return left_ == 0; });
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t left_;
};

} // namespace

TEST_CASE("concurrent commits are grouped and all acknowledged", "[storage][group]") {
  temp_dir dir;
  for (auto mode : {durability::sync, durability::async}) {
    options o;
    o.path = dir.sub(mode == durability::sync ? "sync" : "async");
    o.mode = mode;
    std::string error;
    auto db = database::open(o, &error);
    REQUIRE(db);

    constexpr int threads = 8, per_thread = 500;
    latch all(threads * per_thread);
    std::atomic<int> ok{0}, failed{0};
    std::vector<int> order_errors(threads, 0);
    std::vector<int> last_seen(threads, -1); // only touched by the writer thread
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          write_batch b;
          b.put(column::messages, key_with_u64("t" + std::to_string(t), i), std::string(200, char('a' + t)));
          b.put(column::meta, "last-" + std::to_string(t), std::to_string(i));
          db->commit(std::move(b), [&, t, i](errc e) {
            (e == errc::ok ? ok : failed)++;
            // Per submitter, completions come in submission order.
            if (i != last_seen[t] + 1)
              ++order_errors[t];
            last_seen[t] = i;
            all.arrive();
          });
        }
      });
    for (auto& th : pool)
      th.join();
    all.wait();

    CHECK(ok == threads * per_thread);
    CHECK(failed == 0);
    CHECK(order_errors == std::vector<int>(threads, 0));
    const auto stats = db->get_stats();
    CHECK(stats.ops == 2ull * threads * per_thread);
    CHECK(stats.batches < static_cast<std::uint64_t>(threads * per_thread)); // grouping happened
    CHECK(stats.batches > 0);
    if (mode == durability::sync)
      CHECK(stats.sync_ns_total > 0);

    for (int t = 0; t < threads; ++t) {
      std::size_t n = 0;
      REQUIRE(db->scan_prefix(column::messages, "t" + std::to_string(t), [&](std::string_view k, std::string_view v) {
        CHECK(parse_key_u64_suffix(k) == n);
        CHECK(v == std::string(200, char('a' + t)));
        ++n;
        return true;
      }) == errc::ok);
      CHECK(n == per_thread);
      std::string last;
      REQUIRE(db->get(column::meta, "last-" + std::to_string(t), &last) == errc::ok);
      CHECK(last == std::to_string(per_thread - 1));
    }
  }
}

TEST_CASE("a round larger than max_batch_ops is split but fully written", "[storage][group]") {
  temp_dir dir;
  options o;
  o.path = dir.path();
  o.max_batch_ops = 16;
  std::string error;
  auto db = database::open(o, &error);
  REQUIRE(db);
  constexpr int n = 2000;
  latch all(n + 1);
  std::atomic<int> ok{0};
  for (int i = 0; i < n; ++i) {
    write_batch b;
    b.put(column::messages, key_u64(i), "x");
    db->commit(std::move(b), [&](errc e) {
      ok += e == errc::ok;
      all.arrive();
    });
  }
  write_batch big; // a batch above the cap still commits atomically
  for (int i = 0; i < 100; ++i)
    big.put(column::meta, key_u64(i), "y");
  db->commit(std::move(big), [&](errc e) {
    ok += e == errc::ok;
    all.arrive();
  });
  all.wait();
  CHECK(ok == n + 1);
  std::size_t count = 0;
  REQUIRE(db->scan_prefix(column::messages, "", [&](auto, auto) { return ++count, true; }) == errc::ok);
  CHECK(count == n);
  CHECK(db->get_stats().ops == n + 100);
}

TEST_CASE("a full queue answers unavailable at once", "[storage][group]") {
  temp_dir dir;
  options o;
  o.path = dir.path();
  o.max_queue_ops = 4;
  std::string error;
  auto db = database::open(o, &error);
  REQUIRE(db);

  // Hold the writer inside a completion so that later commits pile up.
  std::mutex gate;
  std::unique_lock hold(gate);
  std::atomic<bool> writer_blocked{false};
  write_batch first;
  first.put(column::meta, "first", "1");
  db->commit(std::move(first), [&](errc) {
    writer_blocked = true;
    std::lock_guard wait(gate);
  });
  while (!writer_blocked)
    std::this_thread::yield();

  std::vector<errc> answers(6, errc::bad_request);
  for (int i = 0; i < 6; ++i) {
    write_batch b;
    b.put(column::meta, key_u64(i), "v");
    db->commit(std::move(b), [&answers, i](errc e) { answers[i] = e; });
  }
  for (int i = 4; i < 6; ++i)
    CHECK(answers[i] == errc::unavailable); // answered inline, queue holds 4 ops
  hold.unlock();
  db->close(); // drains the 4 queued batches
  for (int i = 0; i < 4; ++i)
    CHECK(answers[i] == errc::ok);
}

TEST_CASE("inline mode answers on the caller's thread", "[storage][group]") {
  temp_dir dir;
  options o;
  o.path = dir.path();
  o.group_commit = false;
  std::string error;
  auto db = database::open(o, &error);
  REQUIRE(db);
  const auto caller = std::this_thread::get_id();
  std::thread::id answered_on;
  write_batch b;
  b.put(column::users, "u", "x");
  db->commit(std::move(b), [&](errc e) {
    CHECK(e == errc::ok);
    answered_on = std::this_thread::get_id();
  });
  CHECK(answered_on == caller);
  CHECK(db->get_stats().batches == 1);
}
