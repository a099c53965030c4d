#include <catch2/catch.hpp>

#include "report.hpp"

using namespace chatbench;

TEST_CASE("report: latency in microseconds") {
  histogram h;
  for (int i = 1; i <= 100; ++i)
    h.record(static_cast<std::uint64_t>(i) * 1000);  // 1..100 µs in ns
  auto o = latency_json(h);
  CHECK(o.at("count").as_uint64() == 100);
  CHECK(o.at("p50").to_number<double>() == Approx(50.0).epsilon(1.0 / 64));
  CHECK(o.at("p99").to_number<double>() == Approx(99.0).epsilon(1.0 / 64));
  CHECK(o.at("max").to_number<double>() == Approx(100.0));
  CHECK(o.at("mean").to_number<double>() == Approx(51));  // 50.5 µs, rounded
}

TEST_CASE("report: numbers") {
  CHECK(format_number(52345) == "52345");
  CHECK(format_number(12345.6) == "12346");
  CHECK(format_number(3.14159) == "3.14");
  CHECK(format_number(0.01234) == "0.0123");
}

TEST_CASE("report: the table shows scalars, sections and arrays") {
  boost::json::object r{{"scenario", "durable"},
                        {"acked_per_s", 51234.6},
                        {"nodes", boost::json::array{"http://127.0.0.1:1", "http://127.0.0.1:2"}},
                        {"errors", boost::json::object{}},
                        {"sent_latency_us", boost::json::object{{"p50", 120.5}, {"p99", 900}}}};
  auto t = render_table(r);
  CHECK(t.find("scenario         durable\n") != std::string::npos);
  CHECK(t.find("acked_per_s      51235\n") != std::string::npos);
  CHECK(t.find("http://127.0.0.1:1, http://127.0.0.1:2") != std::string::npos);
  CHECK(t.find("errors  (none)\n") != std::string::npos);
  CHECK(t.find("sent_latency_us:\n  p50  120\n  p99  900\n") != std::string::npos);
}

TEST_CASE("report: server CPU per send and per delivery") {
  std::vector<proc_sample> before{{1, 10.0, 1000, 1000}, {2, 1.0, 500, 500}};
  std::vector<proc_sample> after{{1, 12.0, 3000, 3500}};
  auto o = server_json(before, after, 100000, 400000);
  CHECK(o.at("cpu_seconds").as_double() == Approx(2.0));
  CHECK(o.at("cpu_us_per_ack").as_double() == Approx(20.0));
  CHECK(o.at("cpu_us_per_delivery").as_double() == Approx(5.0));
  const auto& pids = o.at("pids").as_array();
  REQUIRE(pids.size() == 2);
  CHECK(pids[0].as_object().at("rss_kib_after").as_uint64() == 3000);
  CHECK(pids[1].as_object().at("gone").as_bool());
}
