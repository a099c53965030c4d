// Durability across a real crash: a child process commits, reports every
// acknowledged index through a pipe, and is killed with SIGKILL mid-stream.
// The child re-executes this test binary (fork + exec) so that it starts
// with no RocksDB state inherited from earlier tests in the parent.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "storage/database.hpp"
#include "storage/keys.hpp"
#include "temp_dir.hpp"

extern char** environ;

using namespace chat;
using namespace chat::storage;
using chat::storage::test::temp_dir;

namespace {

constexpr std::uint64_t total_commits = 200'000;
constexpr const char* child_test = "storage crash child";

std::string payload(std::uint64_t i) { return "record-" + std::to_string(i) + std::string(180, 'p'); }

durability mode_from(const char* s) { return std::string(s) == "async" ? durability::async : durability::sync; }

// Starts the child; returns its pid. `fd` is the pipe's write end.
pid_t spawn_child(const std::string& dir, int fd, const char* mode) {
  // Everything the child needs is prepared before fork(): between fork and
  // exec only async-signal-safe calls are allowed.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    env_strings.emplace_back(*e);
  env_strings.push_back("CHAT_CRASH_DIR=" + dir);
  env_strings.push_back("CHAT_CRASH_FD=" + std::to_string(fd));
  env_strings.push_back(std::string("CHAT_CRASH_MODE=") + mode);
  std::vector<char*> envp;
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe", name = child_test, quiet = "--out=/dev/null";
  char* argv[] = {exe.data(), name.data(), quiet.data(), nullptr};

  const pid_t pid = fork();
  if (pid == 0) {
    execve("/proc/self/exe", argv, envp.data());
    _exit(127);
  }
  return pid;
}

} // namespace

// Runs only in the child (hidden tag): commits until killed.
TEST_CASE("storage crash child", "[.][storage][crash]") {
  const char* dir = std::getenv("CHAT_CRASH_DIR");
  const char* fd_text = std::getenv("CHAT_CRASH_FD");
  const char* mode = std::getenv("CHAT_CRASH_MODE");
  REQUIRE(dir);
  REQUIRE(fd_text);
  REQUIRE(mode);
  const int fd = std::atoi(fd_text);
  options o;
  o.path = dir;
  o.mode = mode_from(mode);
  std::string error;
  auto db = database::open(o, &error);
  if (!db)
    _exit(3);
  for (std::uint64_t i = 0; i < total_commits; ++i) {
    write_batch b;
    b.put(column::messages, key_with_u64("conv", i), payload(i));
    b.put(column::meta, "last", std::to_string(i));
    db->commit(std::move(b), [fd, i](errc e) {
      if (e != errc::ok)
        _exit(4);
      // Reported only after the commit is acknowledged, hence durable.
      if (write(fd, &i, sizeof i) != sizeof i)
        _exit(5);
    });
  }
  for (;;)
    pause(); // the parent kills us
}

TEST_CASE("every acknowledged commit survives SIGKILL", "[storage][crash]") {
  const char* mode = GENERATE("sync", "async");
  INFO("mode " << mode);
  temp_dir dir;
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = spawn_child(dir.path(), fds[1], mode);
  REQUIRE(child > 0);
  close(fds[1]); // EOF once the child is gone

  std::vector<std::uint64_t> acked;
  auto read_ack = [&] {
    std::uint64_t i;
    std::size_t got = 0;
    while (got < sizeof i) {
      const auto n = read(fds[0], reinterpret_cast<char*>(&i) + got, sizeof i - got);
      if (n <= 0)
        return false;
      got += static_cast<std::size_t>(n);
    }
    acked.push_back(i);
    return true;
  };
  // Kill once a good share is acknowledged but well before the end.
  while (acked.size() < 20'000 && read_ack()) {
  }
  REQUIRE(kill(child, SIGKILL) == 0);
  while (read_ack()) {
  } // acknowledgements written before the kill
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status)); // not an early exit (open or commit failure)
  CHECK(WTERMSIG(status) == SIGKILL);
  REQUIRE(acked.size() >= 20'000);
  INFO("acknowledged " << acked.size() << " of " << total_commits);
  CHECK(acked.size() < total_commits); // killed mid-stream

  options o;
  o.path = dir.path();
  std::string error;
  auto db = database::open(o, &error);
  INFO(error);
  REQUIRE(db);
  std::set<std::uint64_t> present;
  REQUIRE(db->scan_prefix(column::messages, "conv", [&](std::string_view k, std::string_view v) {
    const auto i = parse_key_u64_suffix(k);
    if (v != payload(i))
      FAIL("corrupt value at " << i);
    present.insert(i);
    return true;
  }) == errc::ok);
  std::size_t missing = 0;
  for (auto i : acked)
    missing += present.count(i) == 0;
  CHECK(missing == 0);
  // Recovery is point-in-time: what survives is a prefix of the commits,
  // and the second op of each batch is there exactly when the first is.
  REQUIRE_FALSE(present.empty());
  CHECK(*present.rbegin() + 1 == present.size());
  std::string last;
  REQUIRE(db->get(column::meta, "last", &last) == errc::ok);
  CHECK(std::stoull(last) == *present.rbegin());
}
