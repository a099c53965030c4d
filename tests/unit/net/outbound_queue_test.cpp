#include <catch2/catch.hpp>

#include "net/outbound_queue.hpp"

using namespace chat;
using namespace chat::net;

namespace {

shared_frame frame(std::size_t bytes) { return make_frame(std::string(bytes, 'x')); }

} // namespace

TEST_CASE("frames are written in order, one batch in flight") {
  outbound_queue q{8, 1000};
  auto a = make_frame("a");
  auto b = make_frame("bb");
  auto c = make_frame("ccc");
  CHECK(q.push(a) == outbound_queue::verdict::queued);
  CHECK(q.push(b) == outbound_queue::verdict::queued);
  CHECK(q.push(c) == outbound_queue::verdict::queued);
  CHECK(q.frames() == 3);
  CHECK(q.bytes() == 6);
  CHECK_FALSE(q.writing());
  REQUIRE(q.begin_write(2) == 2); // at most 2 per batch
  CHECK(q.writing());
  CHECK(q.in_flight_frame(0) == a);
  CHECK(q.in_flight_frame(1) == b);
  CHECK(q.begin_write(8) == 0); // only one batch in flight
  auto d = make_frame("dddd");
  CHECK(q.push(d) == outbound_queue::verdict::queued); // queues behind the batch
  q.written();
  CHECK(q.frames() == 2);
  CHECK(q.bytes() == 7);
  REQUIRE(q.begin_write(8) == 2);
  CHECK(q.in_flight_frame(0) == c);
  CHECK(q.in_flight_frame(1) == d);
  q.written();
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
  CHECK(q.begin_write(8) == 0);
  q.written(); // nothing in flight: harmless
  CHECK(q.empty());
}

TEST_CASE("the frame bound counts the frame in flight") {
  outbound_queue q{3, 1000};
  for (int i = 0; i < 3; ++i)
    REQUIRE(q.push(frame(1)) == outbound_queue::verdict::queued);
  REQUIRE(q.begin_write(1) == 1);
  CHECK(q.push(frame(1)) == outbound_queue::verdict::overflow);
  CHECK(q.frames() == 3); // nothing appended
  q.written();
  CHECK(q.push(frame(1)) == outbound_queue::verdict::queued);
}

TEST_CASE("the byte bound is exact") {
  outbound_queue q{100, 10};
  CHECK(q.push(frame(6)) == outbound_queue::verdict::queued);
  CHECK(q.push(frame(5)) == outbound_queue::verdict::overflow);
  CHECK(q.push(frame(4)) == outbound_queue::verdict::queued); // exactly 10
  CHECK(q.bytes() == 10);
  CHECK(q.push(frame(1)) == outbound_queue::verdict::overflow);
  CHECK(q.push(make_frame("")) == outbound_queue::verdict::queued); // 0 bytes fit
  outbound_queue small{100, 10};
  CHECK(small.push(frame(11)) == outbound_queue::verdict::overflow); // never fits
  CHECK(small.empty());
}

TEST_CASE("a null frame is ignored") {
  outbound_queue q{1, 10};
  CHECK(q.push(nullptr) == outbound_queue::verdict::queued);
  CHECK(q.empty());
}

TEST_CASE("clear keeps only the batch in flight") {
  outbound_queue q{10, 100};
  q.push(frame(3));
  q.push(frame(4));
  q.push(frame(5));
  SECTION("while writing") {
    REQUIRE(q.begin_write(2) == 2);
    q.clear();
    CHECK(q.frames() == 2);
    CHECK(q.bytes() == 7);
    CHECK(q.writing());
    q.written();
    CHECK(q.empty());
    CHECK(q.bytes() == 0);
  }
  SECTION("idle") {
    q.clear();
    CHECK(q.empty());
    CHECK(q.bytes() == 0);
    CHECK_FALSE(q.writing());
  }
}
