// A session's own request deadlines: answers in time are acted on once,
// late answers are dropped, and sweeping fails exactly the overdue ones.
#include <catch2/catch.hpp>

#include <vector>

#include "actors/rpc/request_deadlines.hpp"

using chat::request_deadlines;
using namespace std::chrono_literals;

TEST_CASE("an answer before the deadline settles the request once") {
  request_deadlines d;
  auto t0 = request_deadlines::clock::now();
  int timeouts = 0;
  auto a = d.add(t0 + 5s, [&] { ++timeouts; });
  CHECK(d.open() == 1);
  CHECK(d.settle(a));
  CHECK_FALSE(d.settle(a)); // a second answer is not acted on
  CHECK(d.open() == 0);
  CHECK_FALSE(d.sweep(t0 + 10s));
  CHECK(timeouts == 0);
}

TEST_CASE("sweeping fails the overdue requests, in order, and only them") {
  request_deadlines d;
  auto t0 = request_deadlines::clock::now();
  std::vector<int> failed;
  auto a = d.add(t0 + 1s, [&] { failed.push_back(1); });
  auto b = d.add(t0 + 2s, [&] { failed.push_back(2); });
  d.add(t0 + 3s, [&] { failed.push_back(3); });
  d.add(t0 + 4s, [&] { failed.push_back(4); });
  CHECK(d.settle(b)); // answered out of order
  CHECK(d.sweep(t0 + 500ms));
  CHECK(failed.empty());
  CHECK(d.sweep(t0 + 3s)); // 1 and 3 are due; 2 was answered
  CHECK(failed == std::vector<int>{1, 3});
  CHECK_FALSE(d.settle(a)); // the late answer to 1 is dropped
  CHECK_FALSE(d.sweep(t0 + 4s));
  CHECK(failed == std::vector<int>{1, 3, 4});
  CHECK(d.open() == 0);
}

TEST_CASE("one tick chain runs while requests are open") {
  request_deadlines d;
  auto t0 = request_deadlines::clock::now();
  CHECK(d.start_ticking());       // the first request schedules a sweep
  auto a = d.add(t0 + 5s, [] {});
  CHECK_FALSE(d.start_ticking()); // later ones do not
  d.add(t0 + 5s, [] {});
  CHECK(d.sweep(t0 + 1s));        // still open: the sweep schedules the next
  CHECK_FALSE(d.start_ticking());
  CHECK(d.settle(a));
  CHECK_FALSE(d.sweep(t0 + 6s));  // nothing left: the chain stops
  CHECK(d.start_ticking());       // and the next request starts a new one
}
