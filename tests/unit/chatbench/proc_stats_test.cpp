#include <catch2/catch.hpp>

#include <cstdint>

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
  // CPU time is read in clock ticks: burn until it moves (bounded), which
  // it must if the field is parsed at all.
  double later = s->cpu_seconds;
  volatile std::uint64_t spin = 0;
  for (int round = 0; round < 200 && later <= s->cpu_seconds; ++round) {
    for (int i = 0; i < 5'000'000; ++i)
      spin = spin + static_cast<std::uint64_t>(i);
    later = sample_process(static_cast<int>(::getpid()))->cpu_seconds;
  }
  CHECK(later > s->cpu_seconds);
  CHECK_FALSE(sample_process(0x7ffffff0));
}

TEST_CASE("proc: pid lists") {
  CHECK(parse_pid_list("12,34").pids == std::vector<int>{12, 34});
  CHECK(parse_pid_list("").pids.empty());
  CHECK(parse_pid_list("").error.empty());
  CHECK_FALSE(parse_pid_list("12,x").error.empty());
  CHECK_FALSE(parse_pid_list("-3").error.empty());
}

TEST_CASE("proc: the open-files line of /proc/PID/limits") {
  const std::string limits =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max processes             96365                96365                processes \n"
    "Max open files            1024                 20000                files     \n"
    "Max locked memory         8388608              8388608              bytes     \n";
  auto l = parse_limits_nofile(limits);
  REQUIRE(l);
  CHECK(l->soft == 1024u);
  CHECK(l->hard == 20000u);
  auto u = parse_limits_nofile("Max open files            unlimited            unlimited            files\n");
  REQUIRE(u);
  CHECK(u->soft == UINT64_MAX);
  CHECK(u->hard == UINT64_MAX);
  CHECK_FALSE(parse_limits_nofile("Max processes 1 1 processes\n"));
  CHECK_FALSE(parse_limits_nofile("Max open files            x                    1                    files\n"));
}

TEST_CASE("proc: this process's open-files limit, raised to the hard limit") {
  auto before = process_fd_limits(static_cast<int>(::getpid()));
  REQUIRE(before);
  const auto after = raise_fd_limit();
  CHECK(after.hard == before->hard);
  CHECK(after.soft == after.hard);
  auto read_back = process_fd_limits(static_cast<int>(::getpid()));
  REQUIRE(read_back);
  CHECK(read_back->soft == after.soft);
}
