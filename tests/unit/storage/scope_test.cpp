// Scopes (one set of column families per consensus group), commit routes,
// the synchronous writes of the replication layer, and the snapshot image.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "crash_fs.hpp"
#include "storage/bytes.hpp"
#include "storage/database.hpp"
#include "storage/keys.hpp"
#include "storage/scope_image.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace chat;
using namespace chat::storage;
using chat::storage::test::crash_fs;
using chat::storage::test::temp_dir;

namespace {

std::unique_ptr<database> open_scoped(const std::string& path, std::vector<std::string> scopes,
                                      bool group = true,
                                      durability mode = durability::sync,
                                      std::shared_ptr<rocksdb::FileSystem> fs = nullptr) {
  options o;
  o.path = path;
  o.scopes = std::move(scopes);
  o.group_commit = group;
  o.mode = mode;
  o.file_system = std::move(fs);
  std::string error;
  auto db = database::open(o, &error);
  INFO(error);
  REQUIRE(db);
  return db;
}

// Waits for the answer of an asynchronous write.
template <class Result, class Submit>
Result wait_for(Submit submit) {
  std::mutex m;
  std::condition_variable cv;
  std::optional<Result> result;
  submit([&](Result r) {
    std::lock_guard lock(m);
    result = r;
    cv.notify_one();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return result.has_value(); });
  return *result;
}

errc commit_wait(database& db, std::size_t scope, write_batch b) {
  return wait_for<errc>([&](auto done) { db.commit(scope, std::move(b), done); });
}

bool write_wait(database& db, std::size_t scope, write_batch b) {
  return wait_for<bool>(
      [&](auto done) { db.write(scope, std::move(b), [done](const status& s) { done(s.ok()); }); });
}

using rows = std::map<std::pair<column, std::string>, std::string>;

// Every key/value of a scope's columns (data columns, or raft only).
rows dump(database& db, std::size_t scope, bool raft) {
  rows out;
  for (std::size_t i = 0; i < column_count; ++i) {
    const auto c = static_cast<column>(i);
    if (is_data_column(c) == raft)
      continue;
    REQUIRE(db.visit_prefix(scope, c, "", [&](std::string_view k, std::string_view v) {
      out[{c, std::string(k)}] = std::string(v);
      return true;
    }).ok());
  }
  return out;
}

std::string get_or(database& db, std::size_t scope, column c, std::string_view key) {
  std::string v;
  const errc e = db.get(scope, c, key, &v);
  return e == errc::ok ? v : "<" + std::string(e == errc::not_found ? "absent" : "error") + ">";
}

// Records the batches a scope's commits were routed to.
struct recording_route final : commit_route {
  std::mutex m;
  std::vector<write_batch> batches;
  void commit(write_batch batch, std::function<void(errc)> done) override {
    {
      std::lock_guard lock(m);
      batches.push_back(std::move(batch));
    }
    done(errc::ok);
  }
};

} // namespace

TEST_CASE("scopes hold separate data", "[storage][scope]") {
  temp_dir dir;
  auto db = open_scoped(dir.path(), {"", "g1", "g2"});
  REQUIRE(db->scope_count() == 3);
  CHECK(db->find_scope("g2") == 2);
  CHECK(db->find_scope("nope") == 3);

  for (std::size_t s = 0; s < 3; ++s) {
    write_batch b;
    b.put(column::messages, key_with_u64("c", 1), "m" + std::to_string(s));
    b.put(column::raft, "t", "r" + std::to_string(s));
    REQUIRE(commit_wait(*db, s, std::move(b)) == errc::ok);
  }
  write_batch only_g2;
  only_g2.put(column::users, "u", "x");
  REQUIRE(db->write_now(2, only_g2, false).ok());

  for (std::size_t s = 0; s < 3; ++s) {
    CHECK(get_or(*db, s, column::messages, key_with_u64("c", 1)) == "m" + std::to_string(s));
    CHECK(get_or(*db, s, column::raft, "t") == "r" + std::to_string(s));
    std::size_t seen = 0;
    CHECK(db->scan_prefix(s, column::messages, "c", [&](auto, auto) { return ++seen, true; }) ==
          errc::ok);
    CHECK(seen == 1);
  }
  CHECK(get_or(*db, 2, column::users, "u") == "x");
  CHECK(get_or(*db, 1, column::users, "u") == "<absent>");
  // The unscoped forms are scope 0.
  CHECK(get_or(*db, 0, column::raft, "t") == "r0");
  std::string v;
  REQUIRE(db->get(column::raft, "t", &v) == errc::ok);
  CHECK(v == "r0");

  // A store is a handle on one scope.
  store g1 = db->at(1);
  REQUIRE(g1.valid());
  CHECK(g1.scope() == 1);
  REQUIRE(g1.get(column::messages, key_with_u64("c", 1), &v) == errc::ok);
  CHECK(v == "m1");
  REQUIRE(g1.read(column::raft, "t", &v).ok());
  CHECK(v == "r1");
  std::vector<std::string> keys;
  CHECK(g1.visit_range(column::messages, "", "", false, 10, [&](std::string_view k, auto) {
    keys.emplace_back(k);
    return true;
  }).ok());
  CHECK(keys == std::vector<std::string>{key_with_u64("c", 1)});

  // Out of range scopes and invalid stores answer, they do not crash.
  CHECK(db->read(3, column::users, "u", &v).code() == status_code::invalid_argument);
  CHECK(db->get(3, column::users, "u", &v) == errc::internal);
  CHECK(db->write_now(3, only_g2, false).code() == status_code::invalid_argument);
  CHECK(commit_wait(*db, 3, only_g2) == errc::internal);
  CHECK_FALSE(db->at(3).valid());
  store none;
  CHECK(none.get(column::users, "u", &v) == errc::unavailable);
  CHECK(none.read(column::users, "u", &v).code() == status_code::closed);
  CHECK(wait_for<errc>([&](auto done) { none.commit(only_g2, done); }) == errc::unavailable);
}

TEST_CASE("scope names must be unique and present", "[storage][scope]") {
  temp_dir dir;
  options o;
  o.path = dir.path();
  std::string error;
  o.scopes = {"g1", "g1"};
  CHECK_FALSE(database::open(o, &error));
  CHECK(error.find("unique") != std::string::npos);
  o.scopes = {};
  CHECK_FALSE(database::open(o, &error));
}

TEST_CASE("a data dir from before scopes opens as scope \"\" with its data", "[storage][scope]") {
  temp_dir dir;
  // The old layout, written by RocksDB directly: the bare column names,
  // without the raft column.
  {
    rocksdb::DBOptions dbo;
    dbo.create_if_missing = true;
    dbo.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs{{rocksdb::kDefaultColumnFamilyName, {}}};
    for (std::size_t i = 0; i < column_count; ++i)
      if (static_cast<column>(i) != column::raft)
        cfs.push_back({std::string(column_name(static_cast<column>(i))), {}});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(dbo, dir.path(), cfs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> old(raw);
    REQUIRE(old->Put({}, handles[1 + column_index(column::messages)], "k", "legacy").ok());
    REQUIRE(old->Put({}, handles[1 + column_index(column::users)], "u", "alice").ok());
    for (auto* h : handles)
      old->DestroyColumnFamilyHandle(h);
    REQUIRE(old->Close().ok());
  }
  {
    auto db = open_scoped(dir.path(), {"", "g1"});
    CHECK(get_or(*db, 0, column::messages, "k") == "legacy");
    std::string v;
    REQUIRE(db->get(column::users, "u", &v) == errc::ok); // unscoped: scope 0
    CHECK(v == "alice");
    CHECK(get_or(*db, 1, column::messages, "k") == "<absent>");
    write_batch b;
    b.put(column::messages, "k", "g1");
    REQUIRE(commit_wait(*db, 1, std::move(b)) == errc::ok);
  }
  std::vector<std::string> families;
  REQUIRE(rocksdb::DB::ListColumnFamilies({}, dir.path(), &families).ok());
  CHECK(std::count(families.begin(), families.end(), "messages") == 1);
  CHECK(std::count(families.begin(), families.end(), "raft") == 1);
  CHECK(std::count(families.begin(), families.end(), "g1/messages") == 1);
  CHECK(std::count(families.begin(), families.end(), "g1/raft") == 1);
  {
    // Scopes not listed are kept on disk, untouched: here scope "".
    auto db = open_scoped(dir.path(), {"g1"});
    CHECK(get_or(*db, 0, column::messages, "k") == "g1");
  }
  auto db = open_scoped(dir.path(), {"g1", ""});
  CHECK(get_or(*db, 0, column::messages, "k") == "g1");
  CHECK(get_or(*db, 1, column::messages, "k") == "legacy");
}

TEST_CASE("a routed scope hands its commits to the route", "[storage][scope][route]") {
  temp_dir dir;
  auto db = open_scoped(dir.path(), {"", "g1"});
  auto route = std::make_shared<recording_route>();
  db->route(1, route);

  write_batch b;
  b.put(column::messages, "k", "routed");
  CHECK(commit_wait(*db, 1, b) == errc::ok);
  CHECK(wait_for<errc>([&](auto done) { db->at(1).commit(b, done); }) == errc::ok);
  REQUIRE(route->batches.size() == 2);
  CHECK(route->batches[0].ops()[0].value == "routed");
  CHECK(get_or(*db, 1, column::messages, "k") == "<absent>"); // the route did not write it

  // Other scopes, write() and write_now() are never routed.
  CHECK(commit_wait(*db, 0, b) == errc::ok);
  CHECK(get_or(*db, 0, column::messages, "k") == "routed");
  write_batch w;
  w.put(column::messages, "w", "local");
  CHECK(write_wait(*db, 1, w));
  w.put(column::messages, "n", "now");
  CHECK(db->write_now(1, w, false).ok());
  CHECK(get_or(*db, 1, column::messages, "w") == "local");
  CHECK(get_or(*db, 1, column::messages, "n") == "now");
  CHECK(route->batches.size() == 2);

  // Unrouted again: the group writer writes it.
  db->route(1, nullptr);
  CHECK(commit_wait(*db, 1, b) == errc::ok);
  CHECK(get_or(*db, 1, column::messages, "k") == "routed");
  CHECK(route->batches.size() == 2);

  // close() drops the route; a routed commit after it answers unavailable.
  db->route(1, route);
  CHECK(route.use_count() == 2);
  db->close();
  CHECK(route.use_count() == 1);
  CHECK(commit_wait(*db, 1, b) == errc::unavailable);
}

TEST_CASE("routes can change while many threads commit", "[storage][scope][route]") {
  temp_dir dir;
  auto db = open_scoped(dir.path(), {"", "g1"});
  auto route = std::make_shared<recording_route>();
  constexpr int threads = 4, per_thread = 2000;
  std::atomic<int> answered{0}, failed{0};
  std::vector<std::thread> committers;
  for (int t = 0; t < threads; ++t)
    committers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        write_batch b;
        b.put(column::meta, std::to_string(t) + "-" + std::to_string(i), "v");
        db->commit(1, std::move(b), [&](errc e) {
          failed += e != errc::ok;
          ++answered;
        });
      }
    });
  for (int i = 0; i < 200; ++i)
    db->route(1, i % 2 ? nullptr : route);
  for (auto& t : committers)
    t.join();
  db->close(); // drains the writer: every commit is answered
  CHECK(answered.load() == threads * per_thread);
  CHECK(failed.load() == 0);
}

TEST_CASE("write_now, sync_wal and write(durability::sync) survive a power loss in async mode",
          "[storage][scope][crash]") {
  temp_dir dir;
  auto fs = std::make_shared<crash_fs>();
  {
    auto db = open_scoped(dir.path(), {"", "g1"}, true, durability::async, fs);
    write_batch b;
    b.put(column::raft, "w", "write-sync");
    REQUIRE(wait_for<bool>([&](auto done) {
      db->write(1, b, durability::sync, [done](const status& s) { done(s.ok()); });
    }));
    write_batch n;
    n.put(column::raft, "n", "write-now");
    REQUIRE(db->write_now(1, n, true).ok());
    write_batch a;
    a.put(column::users, "a", "applied");
    REQUIRE(db->write_now(1, a, false).ok());
    REQUIRE(db->sync_wal().ok());
    write_batch lost;
    lost.put(column::users, "lost", "x");
    REQUIRE(write_wait(*db, 1, lost)); // async mode: not synced
    fs->crash();
    db->close();
    CHECK(db->sync_wal().code() == status_code::closed);
    CHECK(db->write_now(1, a, true).code() == status_code::closed);
  }
  CHECK(fs->drop_unsynced() > 0);
  auto db = open_scoped(dir.path(), {"", "g1"});
  CHECK(get_or(*db, 1, column::raft, "w") == "write-sync");
  CHECK(get_or(*db, 1, column::raft, "n") == "write-now");
  CHECK(get_or(*db, 1, column::users, "a") == "applied");
  CHECK(get_or(*db, 1, column::users, "lost") == "<absent>"); // the control
}

TEST_CASE("export_scope and replace_scope move a scope's data", "[storage][scope][image]") {
  temp_dir dir;
  const bool group = GENERATE(true, false);
  auto db = open_scoped(dir.sub("a"), {"", "g1", "g2"}, group);
  write_batch src;
  for (std::size_t i = 0; i < column_count; ++i) {
    const auto c = static_cast<column>(i);
    for (int k = 0; k < 50; ++k)
      src.put(c, key_with_u64(column_name(c), static_cast<std::uint64_t>(k)),
              std::string(static_cast<std::size_t>(k), 'v'));
  }
  src.put(column::users, "", "empty key");
  src.put(column::users, std::string(3, '\xff'), std::string("\0bin", 4));
  REQUIRE(db->write_now(1, src, false).ok());
  // What g2 holds before: replaced, except its raft column.
  write_batch old;
  old.put(column::users, "old", "gone");
  old.put(column::messages, std::string(5, '\xff'), "gone too");
  old.put(column::raft, "keep", "kept");
  old.put(column::raft, "drop", "x");
  REQUIRE(db->write_now(2, old, false).ok());

  std::string image;
  REQUIRE(db->export_scope(1, &image).ok());
  const rows data = dump(*db, 1, false);
  CHECK(data.size() == (column_count - 1) * 50 + 2);

  write_batch extra;
  extra.put(column::raft, "meta", "m");
  extra.del(column::raft, "drop");
  const auto before = db->get_stats().batches;
  REQUIRE(db->replace_scope(2, image, extra, true).ok());
  CHECK(db->get_stats().batches == before + 1); // one atomic write
  CHECK(dump(*db, 2, false) == data);
  CHECK(dump(*db, 2, true) == rows{{{column::raft, "keep"}, "kept"}, {{column::raft, "meta"}, "m"}});
  CHECK(dump(*db, 1, false) == data); // the source is untouched

  // Onto another database, and across a reopen.
  {
    auto other = open_scoped(dir.sub("b"), {"x"}, group);
    REQUIRE(other->replace_scope(0, image, {}, true).ok());
  }
  auto other = open_scoped(dir.sub("b"), {"x"}, group);
  CHECK(dump(*other, 0, false) == data);

  // An empty scope exports an image that empties a scope.
  std::string empty;
  auto fresh = open_scoped(dir.sub("c"), {""}, group);
  REQUIRE(fresh->export_scope(0, &empty).ok());
  REQUIRE(other->replace_scope(0, empty, {}, false).ok());
  CHECK(dump(*other, 0, false).empty());
}

TEST_CASE("replace_scope rejects a malformed image and writes nothing", "[storage][scope][image]") {
  temp_dir dir;
  auto db = open_scoped(dir.path(), {"g1", "g2"});
  write_batch b;
  b.put(column::users, "u", "alice");
  b.put(column::messages, "m", "hello");
  REQUIRE(db->write_now(0, b, false).ok());
  REQUIRE(db->write_now(1, b, false).ok());
  std::string image;
  REQUIRE(db->export_scope(0, &image).ok());
  const rows before = dump(*db, 1, false);
  write_batch extra;
  extra.put(column::raft, "meta", "must not appear");

  std::vector<std::pair<std::string, std::string>> bad{
      {"empty", ""},
      {"garbage", "not an image at all, not at all"},
      {"truncated", image.substr(0, image.size() - 1)},
      {"trailing byte", image + "x"},
  };
  for (std::size_t i = 0; i < image.size(); i += 3) {
    std::string flipped = image;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
    bad.emplace_back("flipped byte " + std::to_string(i), flipped);
  }
  {
    image_writer w; // well formed and checksummed, but carries a raft record
    w.add(column::raft, "e", "x");
    bad.emplace_back("raft column", w.finish());
  }
  for (auto& [what, img] : bad) {
    INFO(what);
    const status st = db->replace_scope(1, img, extra, false);
    CHECK(st.code() == status_code::invalid_argument);
  }
  CHECK(dump(*db, 1, false) == before);
  CHECK(dump(*db, 1, true).empty());
}

TEST_CASE("parse_image checks bounds behind a valid checksum", "[storage][scope][image]") {
  image_writer w;
  w.add(column::users, "key", "value");
  const std::string good = w.finish();
  std::size_t records = 0;
  std::string error;
  REQUIRE(parse_image(good, [&](column, auto, auto) { ++records; }, &error));
  CHECK(records == 1);

  // Same header, a key length far beyond the input, re-checksummed.
  auto checksummed = [](std::string body) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (char c : body)
      h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    append_key_u64(body, h);
    return body;
  };
  std::string body = good.substr(0, 5); // magic + version
  body.push_back(static_cast<char>(column_index(column::users)));
  append_varint(body, 1u << 30);
  body += "short";
  body.push_back('\xff');
  append_key_u64(body, 1);
  CHECK_FALSE(parse_image(checksummed(body), [](column, auto, auto) {}, &error));
  CHECK(error.find("bounds") != std::string::npos);

  // A record count that does not match.
  std::string counted = good.substr(0, good.size() - 16);
  append_key_u64(counted, 2);
  CHECK_FALSE(parse_image(checksummed(counted), [](column, auto, auto) {}, &error));
  CHECK(error.find("count") != std::string::npos);
}
