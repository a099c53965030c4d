#include <catch2/catch.hpp>

#include "frames.hpp"
#include "openloop.hpp"

#include <boost/json/value.hpp>

using namespace chatbench;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST_CASE("openloop: a stamp survives the client_msg_id round trip") {
  const stamp s{3, 17, 123456, 987654321012345ull};
  const auto text = format_stamp(s);
  CHECK(text == "s3.17.123456.987654321012345");
  CHECK(parse_stamp(text) == s);
  // the largest values still fit the protocol's 64 bytes
  const stamp big{UINT32_MAX, UINT32_MAX, UINT64_MAX, UINT64_MAX};
  const auto t = format_stamp(big);
  CHECK(t.size() <= 64);
  CHECK(parse_stamp(t) == big);
  std::string out = "x";
  append_stamp(out, s);
  CHECK(out == "x" + text);
}

TEST_CASE("openloop: anything else is not a stamp") {
  for (std::string_view bad : {"", "s", "s1.2.3", "s1.2.3.", "d3-4", "s1.2.3.4x", "s1.2.3.4.5", "S1.2.3.4",
                               "s1..3.4", "s-1.2.3.4", "s1.2.3.99999999999999999999999", "s4294967296.1.1.1",
                               "s1.2.3. 4", "s+1.2.3.4"})
    CHECK_FALSE(parse_stamp(bad));
}

TEST_CASE("openloop: the stamp is read from a delivered message frame") {
  const auto id = format_stamp({1, 2, 3, 4000000000});
  const std::string text = R"({"type":"message","conv":"c_1","seq":9,"msg_id":"m_1","from":"u_1","text":"hi","ts":5,"client_msg_id":")" +
                           id + R"("})";
  boost::json::value scratch;
  auto f = parse_frame(text, scratch);
  CHECK(f.fast);
  auto s = parse_stamp(f.client_msg_id);
  REQUIRE(s);
  CHECK(s->step == 1);
  CHECK(s->sender == 2);
  CHECK(s->n == 3);
  CHECK(s->t_ns == 4000000000u);
}

TEST_CASE("openloop: steady_ns is the clock's count in nanoseconds") {
  const auto t = clock_type::time_point(std::chrono::microseconds(1500));
  CHECK(steady_ns(t) == 1'500'000u);
}

TEST_CASE("openloop: a schedule's sends are due at start + (offset + k) / rate, before the end") {
  const auto start = clock_type::time_point(10s);
  send_schedule s(start, start + 1s, 10.0, 0.5);  // 50 ms, 150 ms, … 950 ms
  REQUIRE_FALSE(s.done());
  CHECK(s.index() == 0);
  CHECK(s.due() == start + 50ms);
  std::vector<clock_type::duration> dues;
  while (!s.done()) {
    dues.push_back(s.due() - start);
    s.advance();
  }
  REQUIRE(dues.size() == 10);
  CHECK(dues.front() == 50ms);
  CHECK(dues.back() == 950ms);
  CHECK(s.index() == 10);
}

TEST_CASE("openloop: due_by counts the sends owed (the client is behind)") {
  const auto start = clock_type::time_point(0s);
  send_schedule s(start, start + 1s, 100.0, 0.0);  // every 10 ms from 0
  CHECK(s.due_by(start - 1ms) == 0);
  CHECK(s.due_by(start) == 1);
  CHECK(s.due_by(start + 9ms) == 1);
  CHECK(s.due_by(start + 10ms) == 2);
  CHECK(s.due_by(start + 55ms) == 6);
  s.advance();
  s.advance();
  CHECK(s.due_by(start + 55ms) == 4);
  // never past the end of the window
  CHECK(s.due_by(start + 5s) == 98);
  while (!s.done())
    s.advance();
  CHECK(s.index() == 100);
  CHECK(s.due_by(start + 5s) == 0);
}

TEST_CASE("openloop: a schedule with no room or no rate is done at once") {
  const auto start = clock_type::time_point(0s);
  CHECK(send_schedule(start, start, 10.0, 0.0).done());
  CHECK(send_schedule(start, start + 1s, 0.0, 0.0).done());
  CHECK(send_schedule().done());
  // a rate too low for one send in the window
  CHECK(send_schedule(start, start + 100ms, 1.0, 0.5).done());
}

TEST_CASE("openloop: staggered senders spread evenly over one interval") {
  const auto start = clock_type::time_point(0s);
  std::vector<clock_type::duration> first;
  for (int g = 0; g < 4; ++g)
    first.push_back(send_schedule(start, start + 1s, 10.0, g / 4.0).due() - start);
  CHECK(first == std::vector<clock_type::duration>{0ms, 25ms, 50ms, 75ms});
}

TEST_CASE("openloop: rate steps multiply up to the ceiling") {
  CHECK(rate_steps(10, 2, 4, 1000) == std::vector<double>{10, 20, 40, 80});
  CHECK(rate_steps(10, 2, 10, 50) == std::vector<double>{10, 20, 40, 50});
  CHECK(rate_steps(10, 2, 10, 40) == std::vector<double>{10, 20, 40});
  CHECK(rate_steps(100, 2, 3, 50) == std::vector<double>{50});
  CHECK(rate_steps(10, 1.0, 5, 100) == std::vector<double>{10});
  CHECK(rate_steps(0, 2, 5, 100).empty());
  CHECK(rate_steps(10, 2, 0, 100).empty());
}

TEST_CASE("openloop: loss in percent") {
  CHECK(loss_percent(0, 0) == 0);
  CHECK(loss_percent(100, 100) == 0);
  CHECK(loss_percent(100, 120) == 0);
  CHECK(loss_percent(200, 199) == Approx(0.5));
  CHECK(loss_percent(10, 0) == Approx(100));
}

TEST_CASE("openloop: a step's verdict") {
  const step_limits limits{100, 1};
  step_figures ok{.p99_us = 5000, .loss_percent = 0, .sends = 1000, .scheduled = 1000, .errors = 0, .disconnects = 0};
  CHECK(judge(ok, limits) == step_verdict::ok);

  auto f = ok;
  f.p99_us = 100'000;
  CHECK(judge(f, limits) == step_verdict::ok);  // at the limit is within it
  f.p99_us = 100'001;
  CHECK(judge(f, limits) == step_verdict::p99);

  f = ok;
  f.loss_percent = 1.5;
  CHECK(judge(f, limits) == step_verdict::loss);
  f.p99_us = 500'000;
  CHECK(judge(f, limits) == step_verdict::loss);  // loss is named before p99

  f = ok;
  f.errors = 20;
  CHECK(judge(f, limits) == step_verdict::errors);
  f.errors = 10;
  CHECK(judge(f, limits) == step_verdict::ok);

  f = ok;
  f.disconnects = 1;
  CHECK(judge(f, limits) == step_verdict::disconnects);

  f = ok;
  f.sends = 900;  // 10 % behind the schedule: the client was the limit
  f.disconnects = 3;
  CHECK(judge(f, limits) == step_verdict::client_behind);
  f.sends = 960;
  f.disconnects = 0;
  CHECK(judge(f, limits) == step_verdict::ok);

  CHECK(to_string(step_verdict::client_behind) == "client_behind");
  CHECK(to_string(step_verdict::p99) == "p99");
}

TEST_CASE("openloop: the ledger counts loss of acknowledged messages only, per message") {
  delivery_ledger a(2, 3), b(2, 3);  // 2 senders, n < 3
  // sender 0's messages 0 and 1 acknowledged (on thread a), sender 1's message 0 (on thread b)
  CHECK(a.acked(0, 0));
  CHECK(a.acked(0, 1));
  CHECK(b.acked(1, 0));
  // room of 3 for sender 0, 2 for sender 1; deliveries seen on two threads
  for (int i = 0; i < 2; ++i)
    CHECK(a.delivered(0, 0));
  CHECK(b.delivered(0, 0));  // message (0, 0): 3 of 3
  CHECK(b.delivered(0, 1));  // message (0, 1): 1 of 3
  CHECK(a.delivered(1, 0));
  CHECK(a.delivered(1, 0));
  CHECK(a.delivered(1, 0));  // message (1, 0): 3 of 2, one duplicate
  CHECK(b.delivered(1, 2));  // never acknowledged (its sender's connection closed)
  CHECK_FALSE(a.delivered(2, 0));
  CHECK_FALSE(a.delivered(0, 3));
  CHECK_FALSE(a.acked(0, 3));

  delivery_ledger all;
  CHECK(all.merge(a));
  CHECK(all.merge(b));
  CHECK_FALSE(all.merge(delivery_ledger(1, 1)));
  CHECK(all.merge(delivery_ledger()));
  const auto t = all.tally({3, 2});
  CHECK(t.acked_messages == 3);
  CHECK(t.expected == 3 + 3 + 2);
  CHECK(t.delivered == 3 + 1 + 2);
  CHECK(t.missing == 2);
  CHECK(t.messages_with_loss == 1);
  CHECK(t.duplicates == 1);
  CHECK(t.unacked_delivered == 1);
  CHECK(loss_percent(t.expected, t.delivered) == Approx(25));
}

TEST_CASE("openloop: an empty ledger tallies to nothing") {
  const auto t = delivery_ledger().tally({});
  CHECK(t.expected == 0);
  CHECK(t.missing == 0);
  const auto u = delivery_ledger(1, 4).tally({5});
  CHECK(u.acked_messages == 0);
  CHECK(u.expected == 0);
}
