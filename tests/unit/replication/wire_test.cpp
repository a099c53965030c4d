#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "replication/wire.hpp"

using namespace chat::replication;

namespace {

raft_message round_trip(const raft_message& in, std::string* bytes_out = nullptr) {
  const std::string bytes = wire::encode(7, 2, in);
  if (bytes_out) *bytes_out = bytes;
  wire::header h;
  raft_message out;
  REQUIRE(wire::decode(bytes, h, out));
  CHECK(h.group == 7);
  CHECK(h.from == 2);
  CHECK(h.to == in.server_id);
  CHECK(out.type == in.type);
  CHECK(out.server_id == 2);
  return out;
}

raft_message make(unsigned short type) {
  raft_message m;
  std::memset(&m, 0, sizeof m);
  m.type = type;
  m.server_id = 3;
  return m;
}

// Every strict prefix of a valid message is rejected, as is one byte more.
void check_truncations(const std::string& bytes) {
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    wire::header h;
    raft_message out;
    INFO("prefix " << n << " of " << bytes.size());
    CHECK_FALSE(wire::decode(std::string_view(bytes).substr(0, n), h, out));
  }
  wire::header h;
  raft_message out;
  CHECK_FALSE(wire::decode(bytes + '\0', h, out));
}

} // namespace

TEST_CASE("request_vote and its result round-trip", "[replication][wire]") {
  auto m = make(RAFT_IO_REQUEST_VOTE);
  m.request_vote = {9, 2, 100, 8, true, true};
  std::string bytes;
  auto out = round_trip(m, &bytes);
  CHECK(out.request_vote.term == 9);
  CHECK(out.request_vote.candidate_id == 2);
  CHECK(out.request_vote.last_log_index == 100);
  CHECK(out.request_vote.last_log_term == 8);
  CHECK(out.request_vote.disrupt_leader);
  CHECK(out.request_vote.pre_vote);
  check_truncations(bytes);

  auto r = make(RAFT_IO_REQUEST_VOTE_RESULT);
  r.request_vote_result = {11, true, raft_tribool_false};
  out = round_trip(r, &bytes);
  CHECK(out.request_vote_result.term == 11);
  CHECK(out.request_vote_result.vote_granted);
  CHECK(out.request_vote_result.pre_vote == raft_tribool_false);
  check_truncations(bytes);
}

TEST_CASE("append_entries with entries round-trips into one batch", "[replication][wire]") {
  std::string a = "hello", b, c(1000, 'x');
  raft_entry entries[3] = {{4, RAFT_COMMAND, {a.data(), a.size()}, nullptr},
                           {4, RAFT_BARRIER, {b.data(), 0}, nullptr},
                           {5, RAFT_CHANGE, {c.data(), c.size()}, nullptr}};
  auto m = make(RAFT_IO_APPEND_ENTRIES);
  m.append_entries = {5, 10, 4, 9, entries, 3};
  std::string bytes;
  auto out = round_trip(m, &bytes);
  const auto& ae = out.append_entries;
  CHECK(ae.term == 5);
  CHECK(ae.prev_log_index == 10);
  CHECK(ae.prev_log_term == 4);
  CHECK(ae.leader_commit == 9);
  REQUIRE(ae.n_entries == 3);
  for (unsigned i = 0; i < 3; ++i) {
    CHECK(ae.entries[i].term == entries[i].term);
    CHECK(ae.entries[i].type == entries[i].type);
    CHECK(std::string(static_cast<char*>(ae.entries[i].buf.base), ae.entries[i].buf.len) ==
          std::string(static_cast<char*>(entries[i].buf.base), entries[i].buf.len));
    CHECK(ae.entries[i].batch == ae.entries[0].batch); // libraft frees entries[0].batch only
  }
  wire::release(out);
  check_truncations(bytes);

  // A heartbeat: no entries, and a NULL array as libraft expects.
  m.append_entries = {5, 10, 4, 9, nullptr, 0};
  out = round_trip(m);
  CHECK(out.append_entries.n_entries == 0);
  CHECK(out.append_entries.entries == nullptr);
}

TEST_CASE("append_entries_result and timeout_now round-trip", "[replication][wire]") {
  auto m = make(RAFT_IO_APPEND_ENTRIES_RESULT);
  m.append_entries_result = {6, 12, 40};
  std::string bytes;
  auto out = round_trip(m, &bytes);
  CHECK(out.append_entries_result.term == 6);
  CHECK(out.append_entries_result.rejected == 12);
  CHECK(out.append_entries_result.last_log_index == 40);
  check_truncations(bytes);

  auto t = make(RAFT_IO_TIMEOUT_NOW);
  t.timeout_now = {7, 99, 6};
  out = round_trip(t, &bytes);
  CHECK(out.timeout_now.term == 7);
  CHECK(out.timeout_now.last_log_index == 99);
  CHECK(out.timeout_now.last_log_term == 6);
  check_truncations(bytes);
}

TEST_CASE("install_snapshot carries configuration and data", "[replication][wire]") {
  std::string data(5000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  auto m = make(RAFT_IO_INSTALL_SNAPSHOT);
  m.install_snapshot.term = 3;
  m.install_snapshot.last_index = 500;
  m.install_snapshot.last_term = 2;
  m.install_snapshot.conf_index = 1;
  raft_configuration_init(&m.install_snapshot.conf);
  raft_configuration_add(&m.install_snapshot.conf, 1, "1", RAFT_VOTER);
  raft_configuration_add(&m.install_snapshot.conf, 2, "node-2:7000", RAFT_STANDBY);
  m.install_snapshot.data = {data.data(), data.size()};
  std::string bytes;
  auto out = round_trip(m, &bytes);
  const auto& is = out.install_snapshot;
  CHECK(is.term == 3);
  CHECK(is.last_index == 500);
  CHECK(is.last_term == 2);
  CHECK(is.conf_index == 1);
  REQUIRE(is.conf.n == 2);
  CHECK(is.conf.servers[1].id == 2);
  CHECK(std::string(is.conf.servers[1].address) == "node-2:7000");
  CHECK(is.conf.servers[1].role == RAFT_STANDBY);
  CHECK(std::string(static_cast<char*>(is.data.base), is.data.len) == data);
  wire::release(out);
  raft_configuration_close(&m.install_snapshot.conf);
  check_truncations(bytes);
}

TEST_CASE("configuration encoding matches libraft's", "[replication][wire]") {
  raft_configuration c;
  raft_configuration_init(&c);
  raft_configuration_add(&c, 1, "1", RAFT_VOTER);
  raft_configuration_add(&c, 22, "twenty-two", RAFT_SPARE);
  raft_buffer theirs;
  REQUIRE(raft_configuration_encode(&c, &theirs) == 0);
  const std::string ours = wire::encode_configuration(c);
  REQUIRE(ours.size() == theirs.len);
  // libraft leaves its padding uninitialised: compare up to the last byte written.
  const std::size_t used = 1 + 8 + (8 + 2 + 1) + (8 + 11 + 1);
  CHECK(std::memcmp(ours.data(), theirs.base, used) == 0);
  raft_free(theirs.base);

  raft_configuration back;
  raft_configuration_init(&back);
  REQUIRE(wire::decode_configuration(ours, back));
  REQUIRE(back.n == 2);
  CHECK(back.servers[1].id == 22);
  CHECK(std::string(back.servers[1].address) == "twenty-two");
  CHECK(back.servers[1].role == RAFT_SPARE);
  raft_configuration_close(&back);
  for (std::size_t n = 0; n < used; ++n) {
    raft_configuration cut;
    raft_configuration_init(&cut);
    CHECK_FALSE(wire::decode_configuration(std::string_view(ours).substr(0, n), cut));
    CHECK(cut.n == 0);
  }
  raft_configuration_close(&c);
}

TEST_CASE("garbage and foreign headers are rejected", "[replication][wire]") {
  wire::header h;
  raft_message out;
  CHECK_FALSE(wire::decode("", h, out));
  auto m = make(RAFT_IO_APPEND_ENTRIES_RESULT);
  std::string bytes = wire::encode(1, 2, m);
  std::string bad = bytes;
  bad[0] = 2; // unknown version
  CHECK_FALSE(wire::decode(bad, h, out));
  bad = bytes;
  bad[21] = 42; // unknown type
  CHECK_FALSE(wire::decode(bad, h, out));

  // An append_entries claiming a huge count must not allocate or read past.
  std::string ae = wire::encode(1, 2, make(RAFT_IO_APPEND_ENTRIES));
  ae[ae.size() - 4] = '\xff', ae[ae.size() - 3] = '\xff', ae[ae.size() - 2] = '\xff', ae[ae.size() - 1] = '\x7f';
  CHECK_FALSE(wire::decode(ae, h, out));

  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 80, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng());
    if (!junk.empty()) junk[0] = 1; // get past the version byte
    if (wire::decode(junk, h, out)) wire::release(out);
  }
  // Random bit flips of a valid install_snapshot: decode or reject, never crash.
  auto s = make(RAFT_IO_INSTALL_SNAPSHOT);
  raft_configuration_init(&s.install_snapshot.conf);
  raft_configuration_add(&s.install_snapshot.conf, 1, "1", RAFT_VOTER);
  std::string d = "data";
  s.install_snapshot.data = {d.data(), d.size()};
  const std::string good = wire::encode(1, 2, s);
  raft_configuration_close(&s.install_snapshot.conf);
  for (int i = 0; i < 20000; ++i) {
    std::string flipped = good;
    flipped[rng() % flipped.size()] ^= static_cast<char>(1u << (rng() % 8));
    if (wire::decode(flipped, h, out)) wire::release(out);
  }
}
