// The conversation actor: ordering, membership, idempotency, validation and
// passivation, driven deterministically (see ../actor_fixture.hpp).
#include "actor_fixture.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/search_blocks.hpp"
#include "actors/user/invitation_store.hpp"

using namespace chat;
using namespace chat::actors_test;
using namespace std::chrono_literals;

namespace {

using seqs = std::vector<std::uint64_t>;

seqs seqs_of(const std::vector<boost::json::object>& frames) {
  seqs out;
  for (const auto& f : frames)
    out.push_back(seq_of(f));
  return out;
}

seqs seqs_of(const search_page& page) {
  seqs out;
  for (const auto& m : page.messages)
    out.push_back(m.seq);
  return out;
}

seqs seqs_of(const message_page& page) {
  seqs out;
  for (const auto& m : page.messages)
    out.push_back(m.seq);
  return out;
}

/// A group of alice (owner) and bob, with a connection of each subscribed.
struct group : node_fixture {
  explicit group(chat_settings settings = {}) : node_fixture(settings) {
    conv = create_group(id, alice, {bob});
    alice_sees = watch(relay, alice, {id});
    bob_sees = watch(relay, bob, {id});
  }

  answer<send_receipt> post(const std::string& who, std::string text, std::string cmid = {}) {
    return ask<send_receipt>(conv, post_atom::value, who, std::move(text), std::move(cmid));
  }
  message_page history(const std::string& who = {}) {
    return get<message_page>(conv, history_atom::value, who.empty() ? alice : who,
                             page_request{std::nullopt, std::nullopt, 100});
  }

  std::string id = conv_id(3);
  std::string alice = user_id(1);
  std::string bob = user_id(2);
  std::string carol = user_id(5);
  conversation_api conv;
  std::shared_ptr<recording_sink> alice_sees, bob_sees;
};

chat_settings idle_at_once() {
  chat_settings s;
  s.conversation_idle = 0s; // the first tick (1 s) passivates an idle conversation
  return s;
}

struct idle_group : group {
  idle_group() : group(idle_at_once()) {}
};

} // namespace

TEST_CASE_METHOD(group, "posts get gapless increasing seqs and reach members in order",
                 "[conversation]") {
  // Five sends queued at once, from two members: the conversation takes
  // them in mailbox order and numbers them 1..5.
  std::vector<std::shared_ptr<answer<send_receipt>>> sent;
  for (int i = 1; i <= 5; ++i)
    sent.push_back(request<send_receipt>(conv, post_atom::value, i % 2 ? alice : bob,
                                         "message " + std::to_string(i), std::string{}));
  run();
  for (std::size_t i = 0; i < sent.size(); ++i) {
    REQUIRE(sent[i]->value);
    CHECK(sent[i]->value->seq == i + 1);
    CHECK(sent[i]->value->created);
    CHECK(sent[i]->value->conv == id);
  }
  // Every member's connection got every message, in seq order, the sender's too.
  for (const auto& sink : {alice_sees, bob_sees}) {
    auto messages = sink->of_type("message");
    CHECK(seqs_of(messages) == seqs{1, 2, 3, 4, 5});
    for (std::size_t i = 0; i < messages.size(); ++i)
      CHECK(str_of(messages[i], "text") == "message " + std::to_string(i + 1));
  }
  // What is stored is what was acknowledged.
  CHECK(seqs_of(history()) == seqs{1, 2, 3, 4, 5});
  CHECK(get<std::uint64_t>(conv, last_seq_atom::value, bob) == 5);
  // A later send continues the sequence.
  auto more = post(bob, "six");
  REQUIRE(more.value);
  CHECK(more.value->seq == 6);
}

TEST_CASE_METHOD(group, "a non-member is refused with forbidden and learns nothing",
                 "[conversation]") {
  REQUIRE(post(alice, "for members only").value);
  CHECK(post(carol, "let me in").code() == errc::forbidden);
  auto page = ask<message_page>(conv, history_atom::value, carol,
                                page_request{std::nullopt, std::nullopt, 100});
  CHECK(page.code() == errc::forbidden);
  CHECK(ask<conversation_view>(conv, info_atom::value, carol, true).code() == errc::forbidden);
  CHECK(ask<std::uint64_t>(conv, last_seq_atom::value, carol).code() == errc::forbidden);
  CHECK(ask<invite_result>(conv, invite_atom::value, carol, user_id(6)).code()
        == errc::forbidden);
  // Carol's typing goes nowhere; nothing she tried was stored.
  tell(conv, typing_atom::value, carol);
  run();
  CHECK(bob_sees->of_type("typing").empty());
  CHECK(seqs_of(history()) == seqs{1});
  CHECK(bob_sees->of_type("message").size() == 1);
}

TEST_CASE_METHOD(node_fixture, "an unknown conversation is not_found", "[conversation]") {
  // Through the directory: nothing stored under a well-formed id, or a malformed id.
  CHECK(ask<conversation_api>(directory, conv_atom::value, conv_id(4)).code() == errc::not_found);
  CHECK(ask<conversation_api>(directory, conv_atom::value, std::string{"c_nope"}).code()
        == errc::not_found);
  // An actor resolved for creation that was never created answers not_found.
  auto fresh = get<conversation_api>(directory, create_atom::value, conv_id(4));
  auto who = user_id(1);
  CHECK(ask<send_receipt>(fresh, post_atom::value, who, std::string{"hello?"}, std::string{})
          .code()
        == errc::not_found);
  CHECK(ask<std::uint64_t>(fresh, last_seq_atom::value, who).code() == errc::not_found);
}

TEST_CASE_METHOD(group, "bad text and bad client_msg_id are bad_request and store nothing",
                 "[conversation]") {
  CHECK(post(alice, "").code() == errc::bad_request);
  CHECK(post(alice, std::string(4097, 'x')).code() == errc::bad_request);
  CHECK(post(alice, "\xff\xfe not utf-8").code() == errc::bad_request);
  CHECK(post(alice, "fine", std::string(65, 'k')).code() == errc::bad_request);
  CHECK(history().messages.empty());
  CHECK(bob_sees->of_type("message").empty());
  // The next good message is seq 1: refusals used no seq.
  auto ok = post(alice, std::string(4096, 'x'));
  REQUIRE(ok.value);
  CHECK(ok.value->seq == 1);
}

TEST_CASE_METHOD(group, "the same client_msg_id gives the same seq and is stored once",
                 "[conversation]") {
  SECTION("retried after the first was acknowledged") {
    auto first = post(alice, "hello", "cmid-1");
    auto again = post(alice, "hello", "cmid-1");
    REQUIRE(first.value);
    REQUIRE(again.value);
    CHECK(first.value->created);
    CHECK_FALSE(again.value->created);
    CHECK(again.value->seq == first.value->seq);
    CHECK(again.value->msg_id == first.value->msg_id);
  }
  SECTION("retried while the first write is still in flight") {
    // Both posts are in the mailbox before the first write's `resume`, so
    // the second finds the first in flight and waits for it.
    auto first = request<send_receipt>(conv, post_atom::value, alice, std::string{"hello"},
                                       std::string{"cmid-1"});
    auto again = request<send_receipt>(conv, post_atom::value, alice, std::string{"hello"},
                                       std::string{"cmid-1"});
    run();
    REQUIRE(first->value);
    REQUIRE(again->value);
    CHECK(first->value->created);
    CHECK_FALSE(again->value->created);
    CHECK(again->value->seq == first->value->seq);
  }
  CHECK(seqs_of(history()) == seqs{1});
  CHECK(bob_sees->of_type("message").size() == 1);
  // The key is per user: bob may use the same one for his own message.
  auto bobs = post(bob, "mine", "cmid-1");
  REQUIRE(bobs.value);
  CHECK(bobs.value->seq == 2);
  CHECK(bobs.value->created);
}

TEST_CASE_METHOD(group, "a conversation in use is not passivated", "[conversation][passivation]") {
  // Default idle time (300 s): the tick at 150 s finds it active (it was
  // used moments ago by the wall clock) and keeps it.
  REQUIRE(post(alice, "still here").value);
  CHECK(advance(150s) >= 1);
  run();
  auto live = get<std::vector<conversation_api>>(directory, list_atom::value);
  CHECK(live == std::vector<conversation_api>{conv});
  CHECK(ask<std::uint64_t>(conv, last_seq_atom::value, alice).value == 1u);
}

TEST_CASE_METHOD(idle_group, "an idle conversation retires through the directory and comes back "
                             "from storage with the same last seq",
                 "[conversation][passivation]") {
  for (int i = 0; i < 3; ++i)
    REQUIRE(post(alice, "m" + std::to_string(i), "k" + std::to_string(i)).value);
  // The passivation tick: the conversation asks the directory to forget it,
  // then stops.
  CHECK(advance(1s) >= 1);
  run();
  CHECK(get<std::vector<conversation_api>>(directory, list_atom::value).empty());
  CHECK(ask<std::uint64_t>(conv, last_seq_atom::value, alice).code() == errc::unavailable);
  // The next request activates it again from storage.
  auto again = get<conversation_api>(directory, conv_atom::value, id);
  CHECK(again != conv);
  CHECK(get<std::uint64_t>(again, last_seq_atom::value, alice) == 3);
  auto view = get<conversation_view>(again, info_atom::value, bob, true);
  CHECK(view.members.size() == 2);
  CHECK(ask<send_receipt>(again, post_atom::value, carol, std::string{"x"}, std::string{}).code()
        == errc::forbidden);
  auto next = ask<send_receipt>(again, post_atom::value, bob, std::string{"after"},
                                std::string{});
  REQUIRE(next.value);
  CHECK(next.value->seq == 4);
  CHECK(seqs_of(get<message_page>(again, history_atom::value, alice,
                                  page_request{std::nullopt, std::nullopt, 100}))
        == seqs{1, 2, 3, 4});
  // Idempotency keys survive passivation.
  auto replay = ask<send_receipt>(again, post_atom::value, alice, std::string{"m0"},
                                  std::string{"k0"});
  REQUIRE(replay.value);
  CHECK(replay.value->seq == 1);
  CHECK_FALSE(replay.value->created);
}

TEST_CASE_METHOD(idle_group, "requests during retirement answer retry and are not stored",
                 "[conversation][passivation]") {
  REQUIRE(post(alice, "before").value);
  CHECK(advance(1s) >= 1);
  // The conversation takes its tick and asks the directory to retire it;
  // the directory has not answered yet.
  step(conv);
  // A send arrives in between.
  auto during = request<send_receipt>(conv, post_atom::value, bob, std::string{"during"},
                                      std::string{});
  step(last_helper);
  step(conv);
  auto info = request<conversation_view>(conv, info_atom::value, alice, false);
  step(last_helper);
  step(conv);
  run(); // the directory agrees; the conversation stops
  CHECK(during->code() == errc::retry);
  CHECK(info->code() == errc::retry);
  // Resolved afresh, the conversation has only what was acknowledged.
  auto again = get<conversation_api>(directory, conv_atom::value, id);
  CHECK(again != conv);
  CHECK(get<std::uint64_t>(again, last_seq_atom::value, alice) == 1);
  CHECK(bob_sees->of_type("message").size() == 1);
}

namespace {

chat_settings strict_limits() {
  chat_settings s;
  s.invites_per_minute = 2;
  s.rate_burst = 2;
  s.rate_per_second = 0.01;
  return s;
}

struct strict_group : group {
  strict_group() : group(strict_limits()) {}
};

} // namespace

TEST_CASE_METHOD(strict_group, "a user has one pending invitation per conversation; new ones "
                               "are rate limited per inviter",
                 "[conversation][invitations]") {
  auto first = get<invite_result>(conv, invite_atom::value, alice, carol);
  CHECK(first.created);
  auto again = get<invite_result>(conv, invite_atom::value, bob, carol);
  CHECK_FALSE(again.created);
  CHECK(again.invitation.id == first.invitation.id);
  get<done_atom>(conv, decline_atom::value, carol, first.invitation.id);
  auto second = get<invite_result>(conv, invite_atom::value, alice, carol);
  CHECK(second.created);
  get<done_atom>(conv, decline_atom::value, carol, second.invitation.id);
  CHECK(ask<invite_result>(conv, invite_atom::value, alice, carol).code() == errc::rate_limited);
  // Another inviter has a budget of its own.
  CHECK(get<invite_result>(conv, invite_atom::value, bob, carol).created);
}

TEST_CASE_METHOD(strict_group, "metered posts share one budget per user; socket sends do not "
                               "count against it",
                 "[conversation][rate]") {
  auto metered = [&](const std::string& who) {
    return ask<send_receipt>(conv, post_atom::value, metered_atom::value, who,
                             std::string{"hi"}, std::string{});
  };
  CHECK(metered(alice).value);
  CHECK(metered(alice).value);
  CHECK(metered(alice).code() == errc::rate_limited);
  CHECK(metered(bob).value);
  CHECK(post(alice, "over the socket").value);
  CHECK(seqs_of(history()) == seqs{1, 2, 3, 4});
}

TEST_CASE_METHOD(group, "a deleted account leaves; the group passes to the longest-standing "
                        "member and its invitations are void",
                 "[conversation][forget]") {
  get<invite_result>(conv, invite_atom::value, alice, carol);
  get<done_atom>(conv, forget_atom::value, alice);
  auto view = get<conversation_view>(conv, info_atom::value, bob, true);
  CHECK(view.owner == bob);
  REQUIRE(view.members.size() == 1);
  CHECK(view.members[0].role == "owner");
  CHECK(bob_sees->of_type("member_left").size() == 1);
  std::vector<invitation_record> pending;
  CHECK(invitation_store{db->at(0)}.pending_for(carol, &pending) == errc::ok);
  CHECK(pending.empty());
  // Nothing left to do: still done.
  get<done_atom>(conv, forget_atom::value, alice);
}

TEST_CASE_METHOD(idle_group, "search finds a message at once; the index is written in blocks, and "
                             "written again from the mark after a restart",
                 "[conversation][search]") {
  auto find = [&](const conversation_api& c, std::string word) {
    search_request r;
    r.words = {std::move(word)};
    r.limit = 100;
    return seqs_of(get<search_page>(c, search_atom::value, alice, r));
  };
  auto mark = [&] {
    std::uint64_t m = 999;
    REQUIRE(search::read_mark(db->at(0), id, &m) == errc::ok);
    return m;
  };
  for (int i = 0; i < 3; ++i)
    REQUIRE(post(alice, "apple " + std::to_string(i)).value);
  // Not in a block yet: checked one by one.
  CHECK(mark() == 0);
  CHECK(find(conv, "apple") == seqs{3, 2, 1});
  // The tick writes the blocks; then the idle conversation passivates.
  advance(1s);
  run();
  CHECK(mark() == 3);
  CHECK(get<std::vector<conversation_api>>(directory, list_atom::value).empty());
  // Messages stored without their index entries (a crash before the flush,
  // or data from a version without search).
  conversation_store store{db->at(0)};
  storage::write_batch b;
  for (std::uint64_t seq = 4; seq <= 700; ++seq)
    store.append(b, id, message_record{seq, "m" + std::to_string(seq), bob, "pear", 1000, {}});
  errc rc = errc::internal;
  db->at(0).commit(std::move(b), [&](errc r) { rc = r; });
  REQUIRE(rc == errc::ok);
  // Activation indexes them from the mark on, in pages, in the background.
  auto again = get<conversation_api>(directory, conv_atom::value, id);
  run();
  CHECK(mark() == 700);
  std::size_t blocks = 0;
  db->at(0).scan_prefix(storage::column::search_terms, search::block_prefix(id, "pear"),
                        [&](std::string_view, std::string_view) {
                          ++blocks;
                          return true;
                        });
  CHECK(blocks == 2); // 697 messages, pages of 500
  auto pears = find(again, "pear");
  REQUIRE(pears.size() == 100);
  CHECK(pears.front() == 700);
  CHECK(pears.back() == 601);
  CHECK(find(again, "apple") == seqs{3, 2, 1});
}
