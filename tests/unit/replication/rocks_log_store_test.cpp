// rocks_log_store and rocks_state_machine on a real database (a scope of
// it), and batch_codec, the payload the state machine applies. Completions
// are posted to a queue that the test drains, standing in for the replica's
// thread.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>

#include <raft.h>

#include "../storage/temp_dir.hpp"
#include "replication/batch_codec.hpp"
#include "replication/rocks_log_store.hpp"
#include "storage/database.hpp"
#include "storage/keys.hpp"

using namespace chat;
using namespace chat::replication;
using chat::storage::column;
using chat::storage::test::temp_dir;

namespace {

// The replica's thread: completions queue up here until the test runs them.
class post_queue {
public:
  post_fn fn() {
    return [this](std::function<void()> f) {
      std::lock_guard lock(m_);
      q_.push_back(std::move(f));
      cv_.notify_all();
    };
  }

  // Runs completions until `done()` holds; false after 10 s without it.
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      std::function<void()> f;
      {
        std::unique_lock lock(m_);
        if (!cv_.wait_until(lock, deadline, [&] { return !q_.empty(); }))
          return false;
        f = std::move(q_.front());
        q_.pop_front();
      }
      f();
    }
    return true;
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
};

std::unique_ptr<storage::database> open_db(const std::string& path,
                                           std::vector<std::string> scopes = {"", "g1"}) {
  storage::options o;
  o.path = path;
  o.scopes = std::move(scopes);
  std::string error;
  auto db = storage::database::open(o, &error);
  INFO(error);
  REQUIRE(db);
  return db;
}

log_entry entry(std::uint64_t term, std::string data) {
  return log_entry{term, static_cast<std::uint8_t>(RAFT_COMMAND), std::move(data)};
}

std::vector<log_entry> entries(std::uint64_t term, std::uint64_t from, std::uint64_t to) {
  std::vector<log_entry> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(entry(term, "cmd-" + std::to_string(i)));
  return out;
}

persisted_state load(rocks_log_store& s) {
  persisted_state st;
  std::string error;
  const bool ok = s.load(&st, &error);
  INFO(error);
  REQUIRE(ok);
  return st;
}

// The data of each entry, by index.
std::map<std::uint64_t, std::string> by_index(const persisted_state& st) {
  std::map<std::uint64_t, std::string> out;
  for (std::size_t i = 0; i < st.entries.size(); ++i)
    out[st.start_index + i] = st.entries[i].data;
  return out;
}

bool append_wait(post_queue& q, rocks_log_store& s, std::uint64_t first, std::vector<log_entry> es) {
  std::optional<bool> result;
  s.append(first, std::move(es), [&](bool ok) { result = ok; });
  REQUIRE(q.run_until([&] { return result.has_value(); }));
  return *result;
}

bool snapshot_wait(post_queue& q, rocks_log_store& s, snapshot_meta meta, std::string data,
                   unsigned trailing) {
  std::optional<bool> result;
  s.put_snapshot(std::move(meta), std::move(data), trailing, [&](bool ok) { result = ok; });
  REQUIRE(q.run_until([&] { return result.has_value(); }));
  return *result;
}

struct got_snapshot {
  bool ok = false;
  snapshot_meta meta;
  std::string image;
};

got_snapshot get_wait(post_queue& q, rocks_log_store& s) {
  std::optional<got_snapshot> result;
  s.get_snapshot([&](bool ok, snapshot_meta m, std::string image) {
    result = got_snapshot{ok, std::move(m), std::move(image)};
  });
  REQUIRE(q.run_until([&] { return result.has_value(); }));
  return *result;
}

snapshot_meta meta_at(std::uint64_t index, std::uint64_t term) {
  return snapshot_meta{index, term, "conf@" + std::to_string(index), 1};
}

using rows = std::map<std::pair<column, std::string>, std::string>;

rows data_of(storage::database& db, std::size_t scope) {
  rows out;
  for (std::size_t i = 0; i < storage::column_count; ++i) {
    const auto c = static_cast<column>(i);
    if (!storage::is_data_column(c))
      continue;
    REQUIRE(db.visit_prefix(scope, c, "", [&](std::string_view k, std::string_view v) {
      out[{c, std::string(k)}] = std::string(v);
      return true;
    }).ok());
  }
  return out;
}

std::string command(std::initializer_list<std::pair<std::string, std::string>> puts) {
  storage::write_batch b;
  for (auto& [k, v] : puts)
    b.put(column::messages, k, v);
  return encode_batch(b);
}

} // namespace

TEST_CASE("rocks_log_store: term, vote, bootstrap, append and truncate load back",
          "[replication][rocks_log_store]") {
  temp_dir dir;
  auto db = open_db(dir.path());
  post_queue q;
  rocks_log_store s(*db, 1, storage::durability::sync, q.fn());

  auto st = load(s);
  CHECK(st.term == 0);
  CHECK(st.vote == 0);
  CHECK_FALSE(st.snapshot);
  CHECK(st.start_index == 1);
  CHECK(st.entries.empty());

  REQUIRE(s.bootstrap("configuration"));
  CHECK_FALSE(s.bootstrap("again")); // no longer empty
  st = load(s);
  CHECK(st.term == 1);
  REQUIRE(st.entries.size() == 1);
  CHECK(st.entries[0].term == 1);
  CHECK(st.entries[0].type == RAFT_CHANGE);
  CHECK(st.entries[0].data == "configuration");

  REQUIRE(s.set_term(3));
  REQUIRE(s.set_vote(2));
  st = load(s);
  CHECK(st.term == 3);
  CHECK(st.vote == 2);
  REQUIRE(s.set_term(4)); // a new term has no vote yet
  CHECK(load(s).vote == 0);

  // Completions in submission order.
  std::vector<int> order;
  s.append(2, entries(4, 2, 4), [&](bool ok) { order.push_back(ok ? 1 : -1); });
  s.append(5, entries(4, 5, 6), [&](bool ok) { order.push_back(ok ? 2 : -2); });
  REQUIRE(q.run_until([&] { return order.size() == 2; }));
  CHECK(order == std::vector<int>{1, 2});

  // A truncation is ordered after the appends before it and before those after.
  s.truncate(4);
  REQUIRE(append_wait(q, s, 4, {entry(5, "new-4")}));
  st = load(s);
  CHECK(st.start_index == 1);
  CHECK(by_index(st) == std::map<std::uint64_t, std::string>{
                           {1, "configuration"}, {2, "cmd-2"}, {3, "cmd-3"}, {4, "new-4"}});
  CHECK(st.entries[3].term == 5);

  // A gap is refused (it would make the log unloadable).
  CHECK_FALSE(append_wait(q, s, 9, entries(5, 9, 9)));
  CHECK(load(s).entries.size() == 4);

  // Scopes are separate: scope 0 knows nothing of it.
  rocks_log_store other(*db, 0, storage::durability::sync, q.fn());
  CHECK(load(other).entries.empty());
}

TEST_CASE("rocks_log_store: everything survives a reopen", "[replication][rocks_log_store]") {
  temp_dir dir;
  post_queue q;
  {
    auto db = open_db(dir.path());
    rocks_log_store s(*db, 1, storage::durability::async, q.fn());
    REQUIRE(s.bootstrap("conf"));
    REQUIRE(s.set_term(7));
    REQUIRE(s.set_vote(3));
    REQUIRE(append_wait(q, s, 2, entries(7, 2, 20)));
    s.truncate(15);
    REQUIRE(snapshot_wait(q, s, meta_at(10, 7), {}, 2));
    db->close();
  }
  auto db = open_db(dir.path());
  rocks_log_store s(*db, 1, storage::durability::sync, q.fn());
  const auto st = load(s);
  CHECK(st.term == 7);
  CHECK(st.vote == 3);
  REQUIRE(st.snapshot);
  CHECK(st.snapshot->index == 10);
  CHECK(st.snapshot->term == 7);
  CHECK(st.snapshot->configuration == "conf@10");
  CHECK(st.snapshot->configuration_index == 1);
  CHECK(st.start_index == 9);
  REQUIRE(st.entries.size() == 6); // 9..14
  CHECK(st.entries.back().data == "cmd-14");
  REQUIRE(append_wait(q, s, 15, entries(8, 15, 15)));
  CHECK(load(s).entries.size() == 7);
}

TEST_CASE("rocks_log_store: the resyncing marker is durable and outlives log changes",
          "[replication][rocks_log_store]") {
  temp_dir dir;
  post_queue q;
  {
    auto db = open_db(dir.path());
    rocks_log_store s(*db, 1, storage::durability::async, q.fn());
    CHECK_FALSE(load(s).resyncing);
    // Set before bootstrap (as the replica does): the store is still empty.
    REQUIRE(s.set_resyncing(true));
    auto st = load(s);
    CHECK(st.resyncing);
    CHECK(st.term == 0);
    CHECK(st.entries.empty());
    REQUIRE(s.bootstrap("conf"));
    REQUIRE(s.set_term(3));
    REQUIRE(append_wait(q, s, 2, entries(3, 2, 8)));
    s.truncate(6);
    REQUIRE(snapshot_wait(q, s, meta_at(5, 3), {}, 1));
    CHECK(load(s).resyncing);
    db->close();
  }
  {
    auto db = open_db(dir.path());
    rocks_log_store s(*db, 1, storage::durability::sync, q.fn());
    auto st = load(s);
    CHECK(st.resyncing);
    CHECK(st.term == 3);
    CHECK(st.entries.size() == 1); // 5, the trailing entry
    // An installed snapshot replaces data and log, not the marker.
    rocks_log_store leader(*db, 0, storage::durability::sync, q.fn());
    REQUIRE(leader.bootstrap("conf"));
    REQUIRE(snapshot_wait(q, leader, meta_at(1, 1), {}, 1));
    const got_snapshot snap = get_wait(q, leader);
    REQUIRE(snap.ok);
    REQUIRE(snapshot_wait(q, s, meta_at(20, 3), snap.image, 0));
    CHECK(load(s).resyncing);
    CHECK_FALSE(load(leader).resyncing); // per scope
    REQUIRE(s.set_resyncing(false));
    CHECK_FALSE(load(s).resyncing);
    REQUIRE(s.set_resyncing(true));
    REQUIRE(s.set_resyncing(false)); // cleared twice: still fine
    REQUIRE(s.set_resyncing(false));
    db->close();
  }
  auto db = open_db(dir.path());
  rocks_log_store s(*db, 1, storage::durability::sync, q.fn());
  const auto st = load(s);
  CHECK_FALSE(st.resyncing);
  REQUIRE(st.snapshot);
  CHECK(st.snapshot->index == 20);
}

TEST_CASE("rocks_log_store: a compaction snapshot keeps the trailing entries",
          "[replication][rocks_log_store]") {
  temp_dir dir;
  auto db = open_db(dir.path());
  post_queue q;
  rocks_log_store s(*db, 1, storage::durability::sync, q.fn());
  REQUIRE(s.bootstrap("conf"));
  REQUIRE(append_wait(q, s, 2, entries(1, 2, 10)));

  REQUIRE(snapshot_wait(q, s, meta_at(8, 1), {}, 3));
  auto st = load(s);
  REQUIRE(st.snapshot);
  CHECK(st.snapshot->index == 8);
  CHECK(st.start_index == 6); // 1..5 dropped: 6, 7, 8 trail the snapshot
  CHECK(st.entries.size() == 5);

  // Compacting further, and a trailing count larger than the log.
  REQUIRE(append_wait(q, s, 11, entries(2, 11, 14)));
  REQUIRE(snapshot_wait(q, s, meta_at(13, 2), {}, 1));
  st = load(s);
  CHECK(st.start_index == 13);
  CHECK(by_index(st) == std::map<std::uint64_t, std::string>{{13, "cmd-13"}, {14, "cmd-14"}});
  REQUIRE(snapshot_wait(q, s, meta_at(14, 2), {}, 100));
  CHECK(load(s).start_index == 13);
  // The data is not touched by a compaction.
  std::string v;
  CHECK(db->get(1, column::messages, "x", &v) == chat::errc::not_found);
}

TEST_CASE("rocks_log_store: a snapshot sent to another member installs the same data",
          "[replication][rocks_log_store]") {
  temp_dir dir;
  post_queue q;
  auto leader_db = open_db(dir.sub("leader"), {"", "g1"});
  auto follower_db = open_db(dir.sub("follower"), {"g0", "g7"});

  // The leader: entries applied to its data, then a compaction snapshot.
  rocks_log_store leader(*leader_db, 1, storage::durability::sync, q.fn());
  rocks_state_machine leader_fsm(*leader_db, 1);
  REQUIRE(leader.bootstrap("conf"));
  std::vector<log_entry> es;
  for (std::uint64_t i = 2; i <= 30; ++i) {
    es.push_back(entry(2, command({{"k" + std::to_string(i), "v" + std::to_string(i)}})));
    REQUIRE(leader_fsm.apply(i, es.back().data));
  }
  REQUIRE(append_wait(q, leader, 2, es));
  {
    storage::write_batch b;
    b.put(column::users, "u", "alice");
    b.del(column::messages, "k3");
    REQUIRE(leader_fsm.apply(31, encode_batch(b)));
  }
  CHECK_FALSE(get_wait(q, leader).ok); // no snapshot yet
  REQUIRE(leader_fsm.make_durable());
  REQUIRE(snapshot_wait(q, leader, meta_at(31, 2), {}, 5));
  const got_snapshot snap = get_wait(q, leader);
  REQUIRE(snap.ok);
  CHECK(snap.meta.index == 31);
  CHECK(snap.meta.configuration == "conf@31");
  const rows leader_data = data_of(*leader_db, 1);
  CHECK(leader_data.size() == 29); // k2..k30 but k3, and u

  // The follower: stale data and log in scope g7, and scope g0 beside it.
  rocks_log_store follower(*follower_db, 1, storage::durability::sync, q.fn());
  rocks_state_machine follower_fsm(*follower_db, 1);
  REQUIRE(follower.bootstrap("conf"));
  REQUIRE(follower.set_term(2));
  REQUIRE(follower.set_vote(1));
  REQUIRE(append_wait(q, follower, 2, entries(1, 2, 6)));
  REQUIRE(follower_fsm.apply(2, command({{"stale", "x"}, {"k2", "old"}})));
  storage::write_batch beside;
  beside.put(column::messages, "k2", "scope g0");
  REQUIRE(follower_db->write_now(0, beside, false).ok());

  // A malformed image is refused and changes nothing.
  CHECK_FALSE(snapshot_wait(q, follower, snap.meta, "garbage", 0));
  auto st = load(follower);
  CHECK_FALSE(st.snapshot);
  CHECK(st.entries.size() == 6);

  REQUIRE(snapshot_wait(q, follower, snap.meta, snap.image, 0));
  CHECK(data_of(*follower_db, 1) == leader_data);
  std::string v;
  REQUIRE(follower_db->get(0, column::messages, "k2", &v) == chat::errc::ok);
  CHECK(v == "scope g0");
  st = load(follower);
  REQUIRE(st.snapshot);
  CHECK(st.snapshot->index == 31);
  CHECK(st.entries.empty());
  CHECK(st.start_index == 32);
  CHECK(st.term == 2); // term and vote are not part of a snapshot
  CHECK(st.vote == 1);

  // The follower goes on from there, and can send the snapshot on.
  REQUIRE(append_wait(q, follower, 32, entries(2, 32, 33)));
  CHECK(load(follower).start_index == 32);
  const got_snapshot again = get_wait(q, follower);
  REQUIRE(again.ok);
  CHECK(again.meta.index == 31);
  CHECK(again.image == snap.image);
}

TEST_CASE("rocks_log_store: load refuses a log with a gap", "[replication][rocks_log_store]") {
  temp_dir dir;
  auto db = open_db(dir.path());
  post_queue q;
  {
    rocks_log_store s(*db, 1, storage::durability::sync, q.fn());
    REQUIRE(s.bootstrap("conf"));
    REQUIRE(append_wait(q, s, 2, entries(1, 2, 5)));
  }
  storage::write_batch hole;
  hole.del(column::raft, storage::key_with_u64("e", 3));
  REQUIRE(db->write_now(1, hole, true).ok());
  rocks_log_store s(*db, 1, storage::durability::sync, q.fn());
  persisted_state st;
  std::string error;
  CHECK_FALSE(s.load(&st, &error));
  CHECK(error.find("gap") != std::string::npos);
}

TEST_CASE("rocks_state_machine applies commands and refuses garbage",
          "[replication][rocks_log_store]") {
  temp_dir dir;
  auto db = open_db(dir.path());
  rocks_state_machine fsm(*db, 1);
  storage::write_batch b;
  b.put(column::messages, "m", "hello");
  b.put(column::users, "u", "bob");
  REQUIRE(fsm.apply(1, encode_batch(b)));
  std::string v;
  REQUIRE(db->get(1, column::messages, "m", &v) == chat::errc::ok); // visible at once
  CHECK(v == "hello");
  CHECK(db->get(0, column::messages, "m", &v) == chat::errc::not_found);
  REQUIRE(fsm.make_durable());

  CHECK_FALSE(fsm.apply(2, "garbage"));
  storage::write_batch raft;
  raft.put(column::raft, "t", "x");
  CHECK_FALSE(replicable(raft));
  CHECK(replicable(b));
  CHECK_FALSE(fsm.apply(3, encode_batch(raft)));
  CHECK(db->get(1, column::raft, "t", &v) == chat::errc::not_found);
  db->close();
  CHECK_FALSE(fsm.apply(4, encode_batch(b)));
  CHECK_FALSE(fsm.make_durable());
}

TEST_CASE("batch_codec round-trips and rejects garbage", "[replication][batch_codec]") {
  storage::write_batch b;
  b.put(column::messages, storage::key_with_u64("c", 7), std::string(300, 'x'));
  b.del(column::members, "gone");
  b.put(column::users, "", "");
  b.put(column::meta, std::string("\0\xff", 2), std::string("\0", 1));
  const std::string bytes = encode_batch(b);

  storage::write_batch out;
  REQUIRE(decode_batch(bytes, &out));
  REQUIRE(out.size() == b.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    CHECK(out.ops()[i].op == b.ops()[i].op);
    CHECK(out.ops()[i].col == b.ops()[i].col);
    CHECK(out.ops()[i].key == b.ops()[i].key);
    CHECK(out.ops()[i].value == b.ops()[i].value);
  }
  REQUIRE(decode_batch(encode_batch({}), &out));
  CHECK(out.empty());

  // Every strict prefix, and any trailing byte, is refused.
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_FALSE(decode_batch(bytes.substr(0, n), &out));
  CHECK_FALSE(decode_batch(bytes + '\0', &out));
  // Wrong version, unknown kind, unknown column, an absurd op count.
  auto with = [&](std::size_t at, char c) {
    std::string s = bytes;
    s[at] = c;
    return s;
  };
  CHECK_FALSE(decode_batch(with(0, 2), &out));
  CHECK_FALSE(decode_batch(with(2, 7), &out));
  CHECK_FALSE(decode_batch(with(3, static_cast<char>(storage::column_count)), &out));
  CHECK_FALSE(decode_batch(std::string("\x01\xff\xff\xff\xff\x0f", 6), &out));
  // Random bytes: refused or decoded, never a crash or an over-read.
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s)
      c = static_cast<char>(rng());
    if (!s.empty() && rng() % 2)
      s[0] = 1;
    (void)decode_batch(s, &out);
  }
}
