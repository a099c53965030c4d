// Changing messages (docs/protocol.md "Changing messages"): the stored
// record's versioning, and the rules of edit, delete, replies and reactions.
#include <catch2/catch.hpp>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>

#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/message_changes.hpp"
#include "storage/codec.hpp"

using namespace chat;

namespace {

/// message_record as version 1 wrote it (before kinds, replies, reactions).
struct message_record_v1 {
  std::uint64_t seq = 0;
  std::string msg_id, from, text;
  std::int64_t ts = 0;
  std::string client_msg_id;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    ar(seq, msg_id, from, text, ts, client_msg_id);
  }
};

message_record message(std::uint64_t seq, std::string from, std::string text) {
  message_record m;
  m.seq = seq;
  m.msg_id = "m_" + std::to_string(seq);
  m.from = std::move(from);
  m.text = std::move(text);
  m.ts = 1000;
  return m;
}

message_change change(change_kind k, std::uint64_t target, std::string text = {}) {
  return {k, target, std::move(text)};
}

} // namespace

CEREAL_CLASS_VERSION(message_record_v1, 1)

TEST_CASE("a message stored by version 1 still loads, as an unchanged message",
          "[conversation][changes]") {
  auto bytes = storage::encode(message_record_v1{7, "m_7", "u_a", "hello", 42, "c1"});
  message_record m;
  REQUIRE(storage::decode(bytes, m));
  CHECK(m.seq == 7);
  CHECK(m.text == "hello");
  CHECK(m.client_msg_id == "c1");
  CHECK(m.kind.empty());
  CHECK_FALSE(m.is_event());
  CHECK(m.reply_to == 0);
  CHECK(m.edited_at == 0);
  CHECK_FALSE(m.deleted);
  CHECK(m.reactions.empty());
}

TEST_CASE("version 2 fields round-trip", "[conversation][changes]") {
  auto m = message(3, "u_a", "hi");
  m.reply_to = 1;
  m.edited_at = 99;
  m.reactions = {{"👍", {"u_b", "u_c"}}};
  message_record back;
  REQUIRE(storage::decode(storage::encode(m), back));
  CHECK(back.reply_to == 1);
  CHECK(back.edited_at == 99);
  REQUIRE(back.reactions.size() == 1);
  CHECK(back.reactions[0].emoji == "👍");
  CHECK(back.reactions[0].users == std::vector<std::string>{"u_b", "u_c"});
  auto ev = changes::event(4, "m_4", change(change_kind::remove, 3), "u_a", 5);
  REQUIRE(storage::decode(storage::encode(ev), back));
  CHECK(back.kind == "delete");
  CHECK(back.target == 3);
  CHECK(back.is_event());
}

TEST_CASE("only the author edits; the author or the owner deletes", "[conversation][changes]") {
  auto m = message(1, "u_a", "hi");
  CHECK(changes::check(m, change(change_kind::edit, 1, "x"), "u_a", "u_o").code == errc::ok);
  CHECK(changes::check(m, change(change_kind::edit, 1, "x"), "u_o", "u_o").code
        == errc::forbidden);
  CHECK(changes::check(m, change(change_kind::edit, 1, "x"), "u_b", "u_o").code
        == errc::forbidden);
  CHECK(changes::check(m, change(change_kind::remove, 1), "u_a", "").code == errc::ok);
  CHECK(changes::check(m, change(change_kind::remove, 1), "u_o", "u_o").code == errc::ok);
  CHECK(changes::check(m, change(change_kind::remove, 1), "u_b", "u_o").code == errc::forbidden);
  // a direct conversation has no owner: "" never matches
  CHECK(changes::check(m, change(change_kind::remove, 1), "", "").code == errc::forbidden);
}

TEST_CASE("an edit changes text and edited_at; a delete empties the message",
          "[conversation][changes]") {
  auto m = message(1, "u_a", "helo");
  changes::apply(m, change(change_kind::edit, 1, "hello"), "u_a", 2000);
  CHECK(m.text == "hello");
  CHECK(m.edited_at == 2000);
  changes::apply(m, change(change_kind::react, 1, "👍"), "u_b", 2001);
  changes::apply(m, change(change_kind::remove, 1), "u_a", 2002);
  CHECK(m.deleted);
  CHECK(m.text.empty());
  CHECK(m.reactions.empty());
  CHECK(m.from == "u_a");
  CHECK(m.seq == 1);
  // nothing more can be done to it
  for (auto k : {change_kind::edit, change_kind::remove, change_kind::react})
    CHECK(changes::check(m, change(k, 1, "x"), "u_a", "u_a").code == errc::conflict);
}

TEST_CASE("events are not messages", "[conversation][changes]") {
  auto ev = changes::event(2, "m_2", change(change_kind::edit, 1, "new"), "u_a", 5);
  CHECK(ev.kind == "edit");
  CHECK(ev.text == "new");
  CHECK(ev.target == 1);
  CHECK(changes::check(ev, change(change_kind::edit, 2, "x"), "u_a", "").code
        == errc::bad_request);
  CHECK(changes::check_reply_target(ev).code == errc::bad_request);
  CHECK(changes::check_reply_target(message(1, "u_a", "hi")).code == errc::ok);
}

TEST_CASE("reactions: one per user and emoji, bounded distinct emojis",
          "[conversation][changes]") {
  auto m = message(1, "u_a", "hi");
  auto up = change(change_kind::react, 1, "👍");
  REQUIRE(changes::check(m, up, "u_b", "").code == errc::ok);
  changes::apply(m, up, "u_b", 1);
  CHECK(changes::check(m, up, "u_b", "").code == errc::conflict);
  changes::apply(m, up, "u_c", 2);
  REQUIRE(m.reactions.size() == 1);
  CHECK(m.reactions[0].users == std::vector<std::string>{"u_b", "u_c"});

  auto down = change(change_kind::unreact, 1, "👍");
  CHECK(changes::check(m, change(change_kind::unreact, 1, "🍕"), "u_b", "").code
        == errc::not_found);
  changes::apply(m, down, "u_b", 3);
  CHECK(m.reactions[0].users == std::vector<std::string>{"u_c"});
  changes::apply(m, down, "u_c", 4);
  CHECK(m.reactions.empty()); // an emoji nobody uses any more is gone

  for (std::size_t i = 0; i < changes::max_emojis_per_message; ++i)
    changes::apply(m, change(change_kind::react, 1, "e" + std::to_string(i)), "u_a", 5);
  CHECK(changes::check(m, change(change_kind::react, 1, "new"), "u_b", "").code
        == errc::conflict);
  CHECK(changes::check(m, change(change_kind::react, 1, "e0"), "u_b", "").code == errc::ok);
}

TEST_CASE("a message carries a bounded number of reactions in all", "[conversation][changes]") {
  auto m = message(1, "u_a", "hi");
  for (std::size_t i = 0; i < changes::max_reactions_per_message; ++i)
    changes::apply(m, change(change_kind::react, 1, "e" + std::to_string(i % 5)),
                   "u_" + std::to_string(i), 1);
  CHECK(changes::check(m, change(change_kind::react, 1, "e0"), "u_new", "").code
        == errc::conflict);
  // removing one makes room again
  changes::apply(m, change(change_kind::unreact, 1, "e0"), "u_0", 2);
  CHECK(changes::check(m, change(change_kind::react, 1, "e0"), "u_new", "").code == errc::ok);
}

TEST_CASE("the view lists a bounded number of reacting users with the exact count",
          "[conversation][changes]") {
  auto m = message(1, "u_a", "hi");
  for (int i = 0; i < 30; ++i)
    changes::apply(m, change(change_kind::react, 1, "👍"), "u_" + std::to_string(i), 1);
  auto v = view_of("c_x", m);
  REQUIRE(v.reactions.size() == 1);
  CHECK(v.reactions[0].count == 30);
  CHECK(v.reactions[0].users.size() == changes::max_reaction_users_shown);
  CHECK(v.reactions[0].users.front() == "u_0");
}

TEST_CASE("change input: text limits as for send, emoji limits", "[conversation][changes]") {
  CHECK(changes::check_input(change(change_kind::edit, 1, "ok")).code == errc::ok);
  CHECK(changes::check_input(change(change_kind::edit, 1, "")).code == errc::bad_request);
  CHECK(changes::check_input(change(change_kind::edit, 1, std::string(4097, 'x'))).code
        == errc::bad_request);
  CHECK(changes::check_input(change(change_kind::edit, 0, "ok")).code == errc::bad_request);
  CHECK(changes::check_input(change(change_kind::remove, 1)).code == errc::ok);
  CHECK(changes::valid_emoji("👍"));
  CHECK(changes::valid_emoji("👨‍👩‍👧‍👦")); // a joined family: several code points, one symbol
  CHECK_FALSE(changes::valid_emoji(""));
  CHECK_FALSE(changes::valid_emoji("a b"));
  CHECK_FALSE(changes::valid_emoji(std::string(33, 'x')));
  CHECK_FALSE(changes::valid_emoji("\xff"));
  CHECK_FALSE(changes::valid_emoji("\n"));
}
