#include <catch2/catch.hpp>

#include "proc_stats.hpp"

#include <unistd.h>

using namespace chatbench;

TEST_CASE("proc: utime + stime from a stat line whose comm has spaces and parentheses") {
  const std::string stat =
    "1234 (chat node (x)) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 5 0 100 1000000 500 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  CHECK(parse_stat_ticks(stat) == 325u);
  CHECK_FALSE(parse_stat_ticks("garbage"));
  CHECK_FALSE(parse_stat_ticks("1 (x) S 1 2"));
}

TEST_CASE("proc: kB lines of /proc/PID/status") {
  const std::string status = "Name:\tchatnode\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t4\n";
  CHECK(parse_status_kib(status, "VmRSS") == 10240u);
  CHECK(parse_status_kib(status, "VmHWM") == 20480u);
  CHECK_FALSE(parse_status_kib(status, "VmSwap"));
  CHECK_FALSE(parse_status_kib(status, "Vm"));
}

TEST_CASE("proc: this process can be sampled") {
  auto s = sample_process(static_cast<int>(::getpid()));
  REQUIRE(s);
  CHECK(s->rss_kib > 0);
  CHECK(s->cpu_seconds >= 0);
  CHECK_FALSE(sample_process(0x7ffffff0));
}

TEST_CASE("proc: pid lists") {
  CHECK(parse_pid_list("12,34").pids == std::vector<int>{12, 34});
  CHECK(parse_pid_list("").pids.empty());
  CHECK(parse_pid_list("").error.empty());
  CHECK_FALSE(parse_pid_list("12,x").error.empty());
  CHECK_FALSE(parse_pid_list("-3").error.empty());
}
