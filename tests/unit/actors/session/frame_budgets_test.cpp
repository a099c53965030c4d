// The per-connection frame budgets: each kind its own bucket, refusals
// counted in a window, and the verdict that closes a flooding connection.
#include <catch2/catch.hpp>

#include "actors/session/frame_budgets.hpp"

using namespace chat;
using namespace std::chrono_literals;

TEST_CASE("each frame kind draws from its own budget", "[session]") {
  frame_limits limits;
  limits.typing = {2, 1};
  frame_budgets b{limits};
  auto t = frame_budgets::clock::now();
  CHECK(b.take(frame_kind::typing, t) == frame_budgets::verdict::allow);
  CHECK(b.take(frame_kind::typing, t) == frame_budgets::verdict::allow);
  CHECK(b.take(frame_kind::typing, t) == frame_budgets::verdict::refuse);
  CHECK(b.take(frame_kind::ping, t) == frame_budgets::verdict::allow); // untouched
  CHECK(b.take(frame_kind::typing, t + 1s) == frame_budgets::verdict::allow); // refilled
}

TEST_CASE("refusals within the window close the connection; a new window forgives",
          "[session]") {
  frame_limits limits;
  limits.ping = {1, 1};
  limits.flood_refusals = 3;
  limits.flood_window = 10s;
  frame_budgets b{limits};
  auto t = frame_budgets::clock::now();
  CHECK(b.take(frame_kind::ping, t) == frame_budgets::verdict::allow);
  CHECK(b.take(frame_kind::ping, t) == frame_budgets::verdict::refuse);
  CHECK(b.take(frame_kind::ping, t) == frame_budgets::verdict::refuse);
  // Two refusals in this window; the next window starts the count again.
  auto next = t + 11s;
  REQUIRE(b.take(frame_kind::ping, next) == frame_budgets::verdict::allow); // refilled (burst 1)
  CHECK(b.take(frame_kind::ping, next) == frame_budgets::verdict::refuse);
  CHECK(b.take(frame_kind::ping, next) == frame_budgets::verdict::refuse);
  CHECK(b.take(frame_kind::ping, next) == frame_budgets::verdict::close);
}
