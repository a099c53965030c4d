// The relay: a node's fan-out of conversation frames to the local
// connections subscribed to them, driven deterministically (see
// ../actor_fixture.hpp). Connections are recording sinks; the relay only
// uses the session handle as the connection's identity (and monitors it),
// so a stand-in actor serves as the session.
#include "actor_fixture.hpp"

using namespace chat;
using namespace chat::actors_test;

namespace {

struct relay_fixture : actor_test {
  relay_fixture() : relay(spawn_relay(sys)) {}
  ~relay_fixture() override {
    kill(relay);
    run();
  }

  /// One frame for `conv`'s subscribers, except `except_user`'s.
  void deliver(const std::string& conv, const std::string& text,
               const std::string& except_user = {}) {
    tell(relay, deliver_atom::value, conv, wire_frame{make_frame(text)}, except_user);
  }

  std::uint64_t subscribers(const std::string& conv) {
    return get<std::uint64_t>(relay, count_atom::value, conv);
  }

  relay_api relay;
};

using frames = std::vector<std::string>;

} // namespace

TEST_CASE_METHOD(relay_fixture, "frames reach the conversation's subscribers only, in order",
                 "[relay]") {
  auto a1 = watch(relay, "alice", {"conv-a"});
  auto b1 = watch(relay, "bob", {"conv-a", "conv-b"});
  auto c1 = watch(relay, "carol", {"conv-b"});
  deliver("conv-a", "a1");
  deliver("conv-b", "b1");
  deliver("conv-a", "a2");
  deliver("conv-c", "nobody listens");
  deliver("conv-b", "b2");
  run();
  CHECK(a1->frames == frames{"a1", "a2"});
  CHECK(b1->frames == frames{"a1", "b1", "a2", "b2"});
  CHECK(c1->frames == frames{"b1", "b2"});
  CHECK(subscribers("conv-a") == 2);
  CHECK(subscribers("conv-b") == 2);
  CHECK(subscribers("conv-c") == 0);
}

TEST_CASE_METHOD(relay_fixture, "except_user skips every connection of that user and no other",
                 "[relay]") {
  auto alice_phone = watch(relay, "alice", {"conv"});
  auto alice_laptop = watch(relay, "alice", {"conv"});
  auto bob = watch(relay, "bob", {"conv"});
  deliver("conv", "alice is typing", "alice");
  deliver("conv", "for everyone");
  run();
  CHECK(alice_phone->frames == frames{"for everyone"});
  CHECK(alice_laptop->frames == frames{"for everyone"});
  CHECK(bob->frames == frames{"alice is typing", "for everyone"});
}

TEST_CASE_METHOD(relay_fixture, "subscribing again adds conversations", "[relay]") {
  session_api session;
  auto sink = watch(relay, "alice", {"conv-a"}, &session);
  // The same session again (as after its second membership read), with sink
  // and the conversations joined meanwhile.
  tell(relay, subscribe_atom::value, std::string{"alice"}, session, sink_ptr{sink},
       std::vector<std::string>{"conv-b"});
  deliver("conv-a", "a");
  deliver("conv-b", "b");
  run();
  CHECK(sink->frames == frames{"a", "b"});
  CHECK(get<std::vector<session_api>>(relay, list_atom::value).size() == 1);
}

TEST_CASE_METHOD(relay_fixture, "add_user and drop_user move all of a user's connections, in "
                                "order with the deliveries",
                 "[relay]") {
  auto phone = watch(relay, "alice", {});
  auto laptop = watch(relay, "alice", {"other"});
  auto bob = watch(relay, "bob", {"conv"});
  // As a conversation sends them: before the join, the join, the
  // announcement, the leave, after the leave.
  deliver("conv", "before");
  tell(relay, add_user_atom::value, std::string{"conv"}, std::string{"alice"});
  deliver("conv", "alice joined");
  deliver("conv", "alice left");
  tell(relay, drop_user_atom::value, std::string{"conv"}, std::string{"alice"});
  deliver("conv", "after");
  deliver("other", "elsewhere");
  run();
  CHECK(phone->frames == frames{"alice joined", "alice left"});
  CHECK(laptop->frames == frames{"alice joined", "alice left", "elsewhere"});
  CHECK(bob->frames == frames{"before", "alice joined", "alice left", "after"});
  CHECK(subscribers("conv") == 1);
  // Adding a user with no connections here changes nothing.
  tell(relay, add_user_atom::value, std::string{"conv"}, std::string{"nobody"});
  run();
  CHECK(subscribers("conv") == 1);
}

TEST_CASE_METHOD(relay_fixture, "a connection whose session ends is forgotten", "[relay]") {
  session_api gone;
  auto closed = watch(relay, "alice", {"conv"}, &gone);
  auto open = watch(relay, "alice", {"conv"});
  CHECK(subscribers("conv") == 2);
  kill(gone);
  run(); // the relay receives the session's down message
  deliver("conv", "still here?");
  tell(relay, add_user_atom::value, std::string{"conv2"}, std::string{"alice"});
  deliver("conv2", "joined");
  run();
  CHECK(closed->frames.empty());
  CHECK(open->frames == frames{"still here?", "joined"});
  CHECK(subscribers("conv") == 1);
  CHECK(get<std::vector<session_api>>(relay, list_atom::value).size() == 1);
}

TEST_CASE_METHOD(relay_fixture, "a session's hidden users' typing and presence are not pushed to "
                                "it; other frames are",
                 "[relay][blocks]") {
  session_api alice_session;
  auto alice = watch(relay, "alice", {"conv"}, &alice_session);
  auto carol = watch(relay, "carol", {"conv"});
  // Alice blocks bob (or bob blocks alice): her connection hides him.
  tell(relay, blocks_atom::value, alice_session, std::vector<std::string>{"bob"});
  deliver("conv", "bob is typing", "bob");
  deliver("conv", "dave is typing", "dave");
  deliver("conv", "a message from bob");
  run();
  CHECK(alice->frames == frames{"dave is typing", "a message from bob"});
  CHECK(carol->frames == frames{"bob is typing", "dave is typing", "a message from bob"});
  // Unblocked: an empty list hides nobody.
  tell(relay, blocks_atom::value, alice_session, std::vector<std::string>{});
  deliver("conv", "bob is typing again", "bob");
  run();
  CHECK(alice->frames.back() == "bob is typing again");
}

TEST_CASE_METHOD(relay_fixture, "a hidden list that arrives before the subscription applies",
                 "[relay][blocks]") {
  auto sink = std::make_shared<recording_sink>();
  auto session = connection_stub();
  tell(relay, blocks_atom::value, session, std::vector<std::string>{"bob"});
  tell(relay, subscribe_atom::value, std::string{"alice"}, session, sink_ptr{sink},
       std::vector<std::string>{"conv"});
  deliver("conv", "bob is typing", "bob");
  deliver("conv", "hello");
  run();
  CHECK(sink->frames == frames{"hello"});
}
