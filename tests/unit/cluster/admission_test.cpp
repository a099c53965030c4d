// The cluster port's pending-handshake limits and its rejection log
// (finding 3): pure bookkeeping, tested without sockets.
#include <catch2/catch.hpp>

#include <algorithm>

#include "cluster/admission.hpp"
#include "cluster/rejection_log.hpp"

using namespace chat::cluster;
using namespace std::chrono_literals;

TEST_CASE("a source over its limit loses its oldest pending handshake, not the new one") {
  admission a{64, 3};
  std::vector<std::uint64_t> evicted;
  auto first = a.enter("10.0.0.9", &evicted);
  a.enter("10.0.0.9", &evicted);
  a.enter("10.0.0.9", &evicted);
  CHECK(evicted.empty());
  a.enter("10.0.0.1", &evicted); // another source is not affected
  CHECK(evicted.empty());
  a.enter("10.0.0.9", &evicted);
  REQUIRE(evicted == std::vector<std::uint64_t>{first});
  CHECK(a.pending_from("10.0.0.9") == 3);
  CHECK(a.pending_from("10.0.0.1") == 1);
  CHECK(a.pending() == 4);
}

TEST_CASE("over the total, the oldest pending handshake of any source makes room") {
  admission a{3, 3};
  std::vector<std::uint64_t> evicted;
  auto oldest = a.enter("a", &evicted);
  a.enter("b", &evicted);
  a.enter("c", &evicted);
  auto peer = a.enter("d", &evicted);
  REQUIRE(evicted == std::vector<std::uint64_t>{oldest});
  CHECK(a.pending() == 3);
  // a real peer finishing its handshake leaves; a late eviction of it is a no-op
  a.leave(peer);
  a.leave(peer);
  CHECK(a.pending() == 2);
  CHECK(a.pending_from("d") == 0);
}

TEST_CASE("a flood from one address cannot push out a peer from another") {
  admission a{64, 8};
  std::vector<std::uint64_t> evicted;
  auto peer = a.enter("10.0.0.2", &evicted);
  for (int i = 0; i < 1000; ++i)
    a.enter("10.0.0.66", &evicted);
  CHECK(std::find(evicted.begin(), evicted.end(), peer) == evicted.end());
  CHECK(a.pending_from("10.0.0.66") == 8);
  CHECK(a.pending() == 9);
}

TEST_CASE("rejections past the first few of a window are only counted, then summed up") {
  using clock = rejection_log::clock;
  rejection_log log{2, 10s};
  auto t0 = clock::now();
  CHECK(log.note("1.1.1.1", "wrong cluster secret", t0));
  CHECK(log.note("1.1.1.1", "wrong cluster secret", t0 + 1s));
  CHECK_FALSE(log.note("1.1.1.1", "handshake timed out", t0 + 2s));
  CHECK_FALSE(log.note("2.2.2.2", "handshake timed out", t0 + 3s));
  CHECK(log.summary_due());
  CHECK_FALSE(log.roll(t0 + 5s)); // the window is not over
  auto s = log.roll(t0 + 10s);
  REQUIRE(s);
  CHECK(s->left_out == 2);
  CHECK(s->reasons.at("handshake timed out") == 2);
  CHECK(s->sources.at("1.1.1.1") == 1);
  CHECK(s->sources.at("2.2.2.2") == 1);
  CHECK_FALSE(log.summary_due());
  // a new window logs the first ones again
  CHECK(log.note("3.3.3.3", "not a cluster peer", t0 + 11s));
  CHECK_FALSE(log.take());
}
