// Durability across crashes, two kinds:
//
// - Process crash (SIGKILL): a child process commits, reports every
//   acknowledged index through a pipe, and is killed mid-stream. The child
//   re-executes this test binary (fork + exec) so that it starts with no
//   RocksDB state inherited from earlier tests in the parent. SIGKILL keeps
//   the kernel's page cache, so this checks what both modes promise (kill -9)
//   but cannot tell an fsynced write from an unsynced one.
//
// - Power loss: RocksDB runs on crash_fs (crash_fs.hpp), which remembers what
//   was written but not fsynced. The test commits, "crashes" (every later
//   write and sync fails), closes, drops everything unsynced from the files,
//   reopens and checks that every acknowledged commit is there. The control
//   runs async durability (no fsync) through the same crash and shows that
//   acknowledged commits ARE lost there, so the sync test can fail: it does
//   if group_writer or the inline commit stops asking for the fsync.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "storage/database.hpp"
#include "storage/keys.hpp"
#include "crash_fs.hpp"
#include "temp_dir.hpp"

extern char** environ;

using namespace chat;
using namespace chat::storage;
using chat::storage::test::crash_fs;
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
  if (!dir && !fd_text && !mode)
    return; // selected by a tag filter, not started by the parent: nothing to do
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

// ---------------------------------------------------------------------------
// Power loss, simulated by crash_fs.

TEST_CASE("crash_fs keeps synced bytes and drops the rest", "[storage][crash]") {
  temp_dir dir;
  auto fs = std::make_shared<crash_fs>();
  const rocksdb::IOOptions io;
  auto write_file = [&](const std::string& name, bool sync_file,
                        bool sync_dir) -> std::unique_ptr<rocksdb::FSWritableFile> {
    std::unique_ptr<rocksdb::FSWritableFile> f;
    REQUIRE(fs->NewWritableFile(dir.sub(name), rocksdb::FileOptions{}, &f, nullptr).ok());
    REQUIRE(f->Append("synced|", io, nullptr).ok());
    if (sync_file)
      REQUIRE(f->Sync(io, nullptr).ok());
    if (sync_dir) {
      std::unique_ptr<rocksdb::FSDirectory> d;
      REQUIRE(fs->NewDirectory(dir.path() + "/", io, &d, nullptr).ok());
      REQUIRE(d->Fsync(io, nullptr).ok());
    }
    REQUIRE(f->Append("not synced", io, nullptr).ok());
    REQUIRE(f->Flush(io, nullptr).ok());
    return f;
  };
  // In this order: a directory fsync covers every entry created before it.
  auto durable = write_file("durable", true, true);
  auto no_sync = write_file("no-sync", false, true);
  auto no_dir_sync = write_file("no-dir-sync", true, false);
  // Before the crash the page cache holds everything.
  CHECK(std::filesystem::file_size(dir.sub("durable")) == 17);
  CHECK(fs->unsynced_bytes() == 10 + 17 + 17);

  fs->crash();
  // After the crash every call succeeds but nothing becomes durable.
  CHECK(durable->Append("lost", io, nullptr).ok());
  CHECK(durable->Sync(io, nullptr).ok());
  std::unique_ptr<rocksdb::FSWritableFile> late;
  REQUIRE(fs->NewWritableFile(dir.sub("late"), rocksdb::FileOptions{}, &late, nullptr).ok());
  CHECK(late->Append("late", io, nullptr).ok());
  CHECK(late->Sync(io, nullptr).ok());
  CHECK(fs->DeleteFile(dir.sub("no-sync"), io, nullptr).ok());
  CHECK(fs->RenameFile(dir.sub("durable"), dir.sub("renamed"), io, nullptr).ok());
  CHECK(std::filesystem::exists(dir.sub("no-sync")));
  CHECK(std::filesystem::exists(dir.sub("durable")));
  CHECK_FALSE(std::filesystem::exists(dir.sub("renamed")));
  for (auto* f : {&durable, &no_dir_sync, &no_sync, &late}) {
    CHECK((*f)->Close(io, nullptr).ok());
    f->reset();
  }

  CHECK(fs->drop_unsynced() == 10 + 4 + 17 + 17 + 4);
  std::ifstream in(dir.sub("durable"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "synced|");
  CHECK_FALSE(std::filesystem::exists(dir.sub("no-dir-sync"))); // entry never made durable
  CHECK(std::filesystem::file_size(dir.sub("no-sync")) == 0);    // entry durable, data not
  CHECK_FALSE(std::filesystem::exists(dir.sub("late")));          // created after the crash
}

namespace {

constexpr std::uint64_t power_total = 50'000;
constexpr std::size_t power_crash_after = 800; // acknowledged commits before the crash

struct power_loss_result {
  std::vector<std::uint64_t> acked; ///< acknowledged before the crash
  std::set<std::uint64_t> present;  ///< message keys found after recovery
  std::string last;                 ///< meta "last" after recovery ("" if absent)
  std::uint64_t dropped = 0;        ///< bytes crash_fs threw away (incl. after the crash)
  std::size_t missing = 0;          ///< acknowledged but not present
};

// Commits from a producer thread, crashes the file system once enough
// commits are acknowledged (more are in flight), closes without any chance to
// sync, drops the unsynced data, reopens on the plain file system.
power_loss_result power_loss(durability mode, bool group_commit) {
  power_loss_result r;
  temp_dir dir;
  auto fs = std::make_shared<crash_fs>();
  {
    options o;
    o.path = dir.path();
    o.mode = mode;
    o.group_commit = group_commit;
    o.file_system = fs;
    std::string error;
    auto db = database::open(o, &error);
    INFO(error);
    REQUIRE(db);

    std::mutex m;
    std::vector<std::uint64_t> acked;
    std::atomic<std::size_t> n_acked{0};
    std::atomic<bool> stop{false};
    std::thread producer([&] {
      for (std::uint64_t i = 0; i < power_total && !stop.load(); ++i) {
        write_batch b;
        b.put(column::messages, key_with_u64("conv", i), payload(i));
        b.put(column::meta, "last", std::to_string(i));
        db->commit(std::move(b), [&, i](errc e) {
          if (e != errc::ok)
            return;
          std::lock_guard lock(m);
          acked.push_back(i);
          n_acked.fetch_add(1);
        });
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (n_acked.load() < power_crash_after && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    {
      // What was acknowledged before the power goes must survive it. Taken
      // first: an acknowledgement comes after its fsync, so each of these
      // fsyncs happened before crash() below.
      std::lock_guard lock(m);
      r.acked = acked;
    }
    fs->crash(); // the power goes: nothing becomes durable from now on
    stop.store(true);
    producer.join();
    db->close(); // its WAL sync and memtable flush reach no disk
    db.reset();
  }
  REQUIRE(r.acked.size() >= power_crash_after);
  r.dropped = fs->drop_unsynced();

  options o;
  o.path = dir.path();
  std::string error;
  auto db = database::open(o, &error);
  INFO(error);
  REQUIRE(db);
  REQUIRE(db->scan_prefix(column::messages, "conv", [&](std::string_view k, std::string_view v) {
    const auto i = parse_key_u64_suffix(k);
    if (v != payload(i))
      FAIL("corrupt value at " << i);
    r.present.insert(i);
    return true;
  }) == errc::ok);
  const errc e = db->get(column::meta, "last", &r.last);
  REQUIRE((e == errc::ok || e == errc::not_found));
  for (auto i : r.acked)
    r.missing += r.present.count(i) == 0;
  return r;
}

} // namespace

TEST_CASE("with durability sync every acknowledged commit survives a power loss",
          "[storage][crash]") {
  const bool group_commit = GENERATE(true, false);
  INFO("group_commit " << group_commit);
  const auto r = power_loss(durability::sync, group_commit);
  INFO("acknowledged " << r.acked.size() << ", recovered " << r.present.size()
                       << ", unsynced bytes dropped " << r.dropped);
  CHECK(r.missing == 0);
  // Point-in-time recovery: a prefix of the commits, each batch whole.
  REQUIRE_FALSE(r.present.empty());
  CHECK(*r.present.rbegin() + 1 == r.present.size());
  REQUIRE_FALSE(r.last.empty());
  CHECK(std::stoull(r.last) == *r.present.rbegin());
}

// The control: the same crash with no fsync loses acknowledged commits. If it
// did not, the sync test above could not fail for a missing fsync either.
TEST_CASE("with durability async acknowledged commits are lost in a power loss",
          "[storage][crash]") {
  const bool group_commit = GENERATE(true, false);
  INFO("group_commit " << group_commit);
  const auto r = power_loss(durability::async, group_commit);
  INFO("acknowledged " << r.acked.size() << ", recovered " << r.present.size()
                       << ", unsynced bytes dropped " << r.dropped);
  CHECK(r.dropped > 0);
  CHECK(r.missing > 0);
  // Whatever survives is still a consistent prefix.
  if (!r.present.empty()) {
    CHECK(*r.present.rbegin() + 1 == r.present.size());
    CHECK(std::stoull(r.last) == *r.present.rbegin());
  }
}
