// Mentions and unread counts (docs/protocol.md "Mentions", "Unread and
// mention counts"): the @name parser, resolution against members, the
// stored record's version 3, and the counts on a real RocksDB.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "test_store.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/mentions.hpp"
#include "actors/conversation/unread_counts.hpp"
#include "schema/ids.hpp"
#include "storage/codec.hpp"
#include "storage/database.hpp"

using namespace chat;
using names = std::vector<std::string>;



TEST_CASE("names: @name after a non-name character, 3-32 of a-z 0-9 _ . -", "[mentions]") {
  CHECK(mentions::names_in("hi @bob and @carol_1.") == names{"bob", "carol_1"});
  CHECK(mentions::names_in("@bob @bob @bob") == names{"bob"});
  CHECK(mentions::names_in("(@a.b-c) @x.y.") == names{"a.b-c", "x.y"});
  CHECK(mentions::names_in("mail me at bob@example.org").empty());
  CHECK(mentions::names_in("@ab @Bob @bobX @ @@ @").empty());
  CHECK(mentions::names_in("@" + std::string(33, 'a')).empty());
  CHECK(mentions::names_in("@" + std::string(32, 'a')) == names{std::string(32, 'a')});
  std::string many;
  for (int i = 0; i < 80; ++i)
    many += "@user" + std::to_string(i) + " ";
  CHECK(mentions::names_in(many).size() == mentions::max_per_message);
}

TEST_CASE("resolution: only known names, in order of first mention", "[mentions]") {
  mentions::member_names known;
  known.add("u_1", "alice");
  known.add("u_2", "bob");
  CHECK(known.resolve("@bob then @alice, @bob and @nobody") == names{"u_2", "u_1"});
  known.forget("u_2");
  CHECK(known.resolve("@bob @alice") == names{"u_1"});
  std::map<std::string, int> members{{"u_1", 0}, {"u_3", 0}};
  CHECK(known.unknown(members) == names{"u_3"});
}

TEST_CASE("a message stored by version 2 loads without mentions; version 3 round-trips",
          "[mentions]") {
  test::message_record_v2 old;
  old.seq = 4;
  old.text = "hi @bob";
  old.reply_to = 2;
  message_record m;
  REQUIRE(storage::decode(storage::encode(old), m));
  CHECK(m.text == "hi @bob");
  CHECK(m.reply_to == 2);
  CHECK(m.mentions.empty());
  m.mentions = {"u_b"};
  message_record back;
  REQUIRE(storage::decode(storage::encode(m), back));
  CHECK(back.mentions == names{"u_b"});
  CHECK(view_of("c", back).mentions == names{"u_b"});
}

TEST_CASE("counts: others' undeleted messages and mentions after the read marker",
          "[mentions]") {
  test::temp_db t;
  auto data = t.db->at(0);
  conversation_store store{data};
  std::string conv = make_id(id_kind::conversation, 3);
  auto commit = [&](storage::write_batch b) { t.commit(std::move(b)); };
  auto msg = [](std::uint64_t seq, std::string from, names mentioned = {}) {
    message_record m{seq, "m", std::move(from), "x", 1, {}};
    m.mentions = std::move(mentioned);
    return m;
  };
  storage::write_batch b;
  for (auto m : {msg(1, "u_a", {"u_b"}), msg(2, "u_b", {"u_b"}), msg(3, "u_a"),
                 msg(4, "u_a", {"u_b", "u_c"})}) {
    store.append(b, conv, m);
    unread::index(b, conv, m.seq, m.from, {}, m.mentions);
  }
  auto deleted = msg(3, "u_a");
  deleted.deleted = true;
  store.update(b, conv, deleted);
  message_record ev{5, "e", "u_a", "👍", 1, {}};
  ev.kind = "react";
  ev.target = 1;
  store.append(b, conv, ev);
  commit(std::move(b));

  unread_counts n;
  REQUIRE(unread::count(data, conv, "u_b", 5, &n) == errc::ok);
  CHECK(n.unread == 2);   // 1 and 4: not its own 2, not deleted 3, not the reaction 5
  CHECK(n.mentions == 2); // 1 and 4: mentioning yourself (2) is not indexed
  CHECK(n.known);
  CHECK_FALSE(n.unread_capped);
  REQUIRE(unread::count(data, conv, "u_a", 5, &n) == errc::ok);
  CHECK(n.unread == 1);
  CHECK(n.mentions == 0);
  REQUIRE(unread::count(data, conv, "u_b", 3, &n) == errc::ok); // only what is acknowledged
  CHECK(n.unread == 1);
  CHECK(n.mentions == 1);

  storage::write_batch r;
  store.put_read_marker(r, conv, "u_b", 1);
  unread::index(r, conv, 4, "u_a", {"u_b", "u_c"}, {"u_c"}); // an edit drops b
  commit(std::move(r));
  REQUIRE(unread::count(data, conv, "u_b", 5, &n) == errc::ok);
  CHECK(n.unread == 1);
  CHECK(n.mentions == 0);
  REQUIRE(unread::count(data, conv, "u_c", 5, &n) == errc::ok);
  CHECK(n.mentions == 1);

  // Far behind: the count stops after count_scan_limit items and says so.
  storage::write_batch many;
  for (std::uint64_t seq = 6; seq < 6 + unread::count_scan_limit + 10; ++seq)
    store.append(many, conv, msg(seq, "u_a"));
  commit(std::move(many));
  REQUIRE(unread::count(data, conv, "u_c", 6 + unread::count_scan_limit + 9, &n) == errc::ok);
  CHECK(n.unread_capped);
  CHECK(n.unread <= unread::count_scan_limit);
}
