#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "storage/database.hpp"
#include "storage/keys.hpp"
#include "temp_dir.hpp"

using namespace chat;
using namespace chat::storage;
using chat::storage::test::temp_dir;

namespace {

std::unique_ptr<database> open_db(const std::string& path, bool group = false) {
  options o;
  o.path = path;
  o.group_commit = group;
  std::string error;
  auto db = database::open(o, &error);
  INFO(error);
  REQUIRE(db);
  return db;
}

errc commit_inline(database& db, write_batch b) {
  errc result = errc::bad_request;
  db.commit(std::move(b), [&](errc e) { result = e; });
  return result;
}

using kv = std::pair<std::string, std::string>;

std::vector<kv> range(database& db, column c, std::string_view from, std::string_view to, bool reverse,
                      std::size_t limit) {
  std::vector<kv> out;
  REQUIRE(db.scan_range(c, from, to, reverse, limit, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  }) == errc::ok);
  return out;
}

std::vector<std::string> keys_of(const std::vector<kv>& rows) {
  std::vector<std::string> out;
  for (auto& r : rows)
    out.push_back(r.first);
  return out;
}

} // namespace

TEST_CASE("put, get and delete round-trip in every column", "[storage][db]") {
  temp_dir dir;
  auto db = open_db(dir.path());
  for (std::size_t i = 0; i < column_count; ++i) {
    const auto c = static_cast<column>(i);
    INFO(column_name(c));
    write_batch b;
    b.put(c, "key", "value-" + std::string(column_name(c)));
    b.put(c, std::string("bin\0ary", 7), std::string("\0\xff", 2));
    CHECK(b.size() == 2);
    REQUIRE(commit_inline(*db, std::move(b)) == errc::ok);
  }
  for (std::size_t i = 0; i < column_count; ++i) {
    const auto c = static_cast<column>(i);
    std::string v;
    REQUIRE(db->get(c, "key", &v) == errc::ok);
    CHECK(v == "value-" + std::string(column_name(c))); // columns do not share keys
    REQUIRE(db->get(c, std::string("bin\0ary", 7), &v) == errc::ok);
    CHECK(v == std::string("\0\xff", 2));
    CHECK(db->get(c, "absent", &v) == errc::not_found);
  }
  write_batch del;
  del.del(column::users, "key");
  del.del(column::users, "never-existed");
  REQUIRE(commit_inline(*db, std::move(del)) == errc::ok);
  std::string v;
  CHECK(db->get(column::users, "key", &v) == errc::not_found);
  CHECK(db->get(column::usernames, "key", &v) == errc::ok);
}

TEST_CASE("a batch applies its ops in order, atomically", "[storage][db]") {
  temp_dir dir;
  auto db = open_db(dir.path());
  write_batch b;
  CHECK(b.empty());
  b.put(column::meta, "k", "first");
  b.del(column::meta, "k");
  b.put(column::meta, "k", "last");
  REQUIRE(commit_inline(*db, std::move(b)) == errc::ok);
  std::string v;
  REQUIRE(db->get(column::meta, "k", &v) == errc::ok);
  CHECK(v == "last");
  CHECK(commit_inline(*db, write_batch{}) == errc::ok); // empty batch is harmless
}

TEST_CASE("scan_prefix visits exactly the prefixed keys in order", "[storage][db]") {
  temp_dir dir;
  auto db = open_db(dir.path());
  write_batch b;
  for (const char* k : {"a", "ab", "ab\xff", "ab\xff\xff", "abc", "abd", "ac", "b"})
    b.put(column::members, k, std::string("v:") + k);
  REQUIRE(commit_inline(*db, std::move(b)) == errc::ok);

  auto scan = [&](std::string_view prefix, std::size_t stop_after = 100) {
    std::vector<std::string> seen;
    REQUIRE(db->scan_prefix(column::members, prefix, [&](std::string_view k, std::string_view v) {
      CHECK(v == "v:" + std::string(k));
      seen.emplace_back(k);
      return seen.size() < stop_after;
    }) == errc::ok);
    return seen;
  };
  // Bytewise order: 0xff sorts after every other byte.
  CHECK(scan("ab") == std::vector<std::string>{"ab", "abc", "abd", "ab\xff", "ab\xff\xff"});
  CHECK(scan("ab\xff") == std::vector<std::string>{"ab\xff", "ab\xff\xff"});
  CHECK(scan("a", 2) == std::vector<std::string>{"a", "ab"});
  CHECK(scan("") .size() == 8);
  CHECK(scan("zz").empty());
  CHECK(scan("ab", 1) == std::vector<std::string>{"ab"});
}

TEST_CASE("scan_range pages message keys both ways", "[storage][db]") {
  temp_dir dir;
  auto db = open_db(dir.path());
  write_batch b;
  for (std::uint64_t seq = 1; seq <= 300; ++seq) {
    b.put(column::messages, key_with_u64("c1", seq), "m" + std::to_string(seq));
    b.put(column::messages, key_with_u64("c2", seq), "other");
  }
  b.put(column::messages, "c0", "before");
  REQUIRE(commit_inline(*db, std::move(b)) == errc::ok);

  auto seqs = [](const std::vector<kv>& rows) {
    std::vector<std::uint64_t> out;
    for (auto& r : rows)
      out.push_back(parse_key_u64_suffix(r.first));
    return out;
  };
  const auto c1_from = key_with_u64("c1", 0);
  const auto c1_to = key_with_u64("c1", ~0ull);

  SECTION("forward from a seq with a limit") {
    auto rows = range(*db, column::messages, key_with_u64("c1", 255), c1_to, false, 3);
    CHECK(seqs(rows) == std::vector<std::uint64_t>{255, 256, 257});
    CHECK(rows[0].second == "m255");
  }
  SECTION("newest first: reverse below an exclusive upper bound") {
    auto rows = range(*db, column::messages, c1_from, key_with_u64("c1", 257), true, 4);
    CHECK(seqs(rows) == std::vector<std::uint64_t>{256, 255, 254, 253});
  }
  SECTION("reverse from the end of a conversation") {
    auto rows = range(*db, column::messages, c1_from, c1_to, true, 2);
    CHECK(seqs(rows) == std::vector<std::uint64_t>{300, 299});
  }
  SECTION("whole range both ways stays inside [from, to)") {
    auto fwd = range(*db, column::messages, key_with_u64("c1", 10), key_with_u64("c1", 20), false, 1000);
    auto rev = range(*db, column::messages, key_with_u64("c1", 10), key_with_u64("c1", 20), true, 1000);
    REQUIRE(fwd.size() == 10);
    CHECK(seqs(fwd).front() == 10);
    CHECK(seqs(fwd).back() == 19);
    std::reverse(rev.begin(), rev.end());
    CHECK(keys_of(rev) == keys_of(fwd));
  }
  SECTION("limit zero, empty and inverted ranges visit nothing") {
    CHECK(range(*db, column::messages, c1_from, c1_to, false, 0).empty());
    CHECK(range(*db, column::messages, key_with_u64("c1", 400), c1_to, false, 10).empty());
    CHECK(range(*db, column::messages, c1_to, c1_from, true, 10).empty());
  }
  SECTION("empty `to` means unbounded above") {
    auto rows = range(*db, column::messages, key_with_u64("c2", 299), "", false, 10);
    CHECK(seqs(rows) == std::vector<std::uint64_t>{299, 300});
    auto last = range(*db, column::messages, "", "", true, 1);
    CHECK(seqs(last) == std::vector<std::uint64_t>{300});
    CHECK(last[0].first.substr(0, 2) == "c2");
  }
  SECTION("visitor stops the scan") {
    int n = 0;
    REQUIRE(db->scan_range(column::messages, c1_from, c1_to, true, 100, [&](auto, auto) { return ++n < 5; }) ==
            errc::ok);
    CHECK(n == 5);
  }
}

TEST_CASE("data survives close and reopen", "[storage][db]") {
  temp_dir dir;
  for (auto mode : {durability::sync, durability::async}) {
    {
      options o;
      o.path = dir.path();
      o.mode = mode;
      std::string error;
      auto db = database::open(o, &error);
      REQUIRE(db);
      write_batch b;
      b.put(column::users, "u" + std::to_string(int(mode)), "alice");
      errc result = errc::bad_request;
      db->commit(std::move(b), [&](errc e) { result = e; });
      db->close(); // drains the queued commit
      CHECK(result == errc::ok);
      db->close(); // idempotent
      std::string v;
      CHECK(db->get(column::users, "u0", &v) == errc::unavailable);
      errc late = errc::ok;
      db->commit(write_batch{}, [&](errc e) { late = e; });
      CHECK(late == errc::unavailable);
    }
    auto db = open_db(dir.path());
    std::string v;
    REQUIRE(db->get(column::users, "u" + std::to_string(int(mode)), &v) == errc::ok);
    CHECK(v == "alice");
  }
}

TEST_CASE("open fails with a one-line reason", "[storage][db]") {
  temp_dir dir;
  std::string error;
  options o;

  SECTION("path is a file") {
    std::ofstream(dir.sub("file")) << "x";
    o.path = dir.sub("file");
  }
  SECTION("path is below a file") {
    std::ofstream(dir.sub("file")) << "x";
    o.path = dir.sub("file/db");
  }
  SECTION("directory cannot be created") { o.path = "/proc/chat-storage-test/db"; }
  SECTION("empty path") { o.path = ""; }
  SECTION("unwritable directory") {
    if (geteuid() == 0)
      return; // root writes anywhere: nothing to test
    std::filesystem::create_directory(dir.sub("ro"));
    std::filesystem::permissions(dir.sub("ro"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    o.path = dir.sub("ro");
  }
  SECTION("lock held by another open database") {
    auto first = open_db(dir.sub("db"));
    o.path = dir.sub("db");
    auto second = database::open(o, &error);
    CHECK_FALSE(second);
    CHECK(error.find("lock") != std::string::npos);
    return;
  }
  auto db = database::open(o, &error);
  CHECK_FALSE(db);
  CHECK_FALSE(error.empty());
  CHECK(error.find('\n') == std::string::npos);
  INFO(error);
  CHECK(error.find(o.path) != std::string::npos);
}
