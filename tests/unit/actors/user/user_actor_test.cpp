// A user's actor: the user's live connections (real session actors, which
// attach themselves after hello), pushes to all of them, closing those of
// an ended auth session, presence, and retiring with the last connection.
// Deterministic: see ../actor_fixture.hpp.
#include "actor_fixture.hpp"

#include <algorithm>

using namespace chat;
using namespace chat::actors_test;

namespace {

struct users : node_fixture {
  users() {
    alice = register_user("alice");
    bob = register_user("bob");
    s1 = login(alice);
    s2 = login(alice);
    b1 = login(bob);
  }

  user_api user_actor(const std::string& id) { return get<user_api>(directory, user_atom::value, id); }

  std::vector<std::string> connected_sessions(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& c : get<std::vector<connection_info>>(directory, conns_atom::value, id))
      out.push_back(c.session);
    std::sort(out.begin(), out.end());
    return out;
  }

  /// A frame pushed to a user (as a conversation announces an invitation).
  void push_to(const std::string& id, const std::string& text) {
    tell(directory, push_atom::value, id, wire_frame{make_frame(text)});
    run();
  }

  std::string alice, bob;
  std::string s1, s2; ///< alice's sessions
  std::string b1;     ///< bob's
};

const std::string invitation = R"({"type":"invitation","invitation":{"id":"i_test"}})";

bool got(const recording_sink& sink, const std::string& frame) {
  return std::count(sink.frames.begin(), sink.frames.end(), frame) == 1;
}

} // namespace

TEST_CASE_METHOD(users, "every connection of a user attaches to the user's one actor",
                 "[user]") {
  auto phone = connect(alice, s1);
  auto laptop = connect(alice, s2);
  auto other = connect(bob, b1);
  CHECK(get<std::vector<user_api>>(directory, list_atom::value, user_atom::value).size() == 2);
  auto expected = std::vector<std::string>{s1, s2};
  std::sort(expected.begin(), expected.end());
  CHECK(connected_sessions(alice) == expected);
  CHECK(connected_sessions(bob) == std::vector<std::string>{b1});
}

TEST_CASE_METHOD(users, "a push reaches every connection of the user and nobody else's",
                 "[user]") {
  auto phone = connect(alice, s1);
  auto laptop = connect(alice, s2);
  auto other = connect(bob, b1);
  push_to(alice, invitation);
  CHECK(got(*phone.sink, invitation));
  CHECK(got(*laptop.sink, invitation));
  CHECK_FALSE(got(*other.sink, invitation));
  // Straight to the user's actor too.
  tell(user_actor(bob), push_atom::value, wire_frame{make_frame(invitation)});
  run();
  CHECK(got(*other.sink, invitation));
  CHECK(got(*phone.sink, invitation)); // still once
}

TEST_CASE_METHOD(users, "an ended auth session closes only its own connections, with 4001",
                 "[user]") {
  auto phone = connect(alice, s1);
  auto tablet = connect(alice, s1);
  auto laptop = connect(alice, s2);
  auto other = connect(bob, b1); // another user's session: not affected
  tell(directory, ended_atom::value, alice, s1);
  run();
  const auto ended = std::vector<std::uint16_t>{close_code::session_ended};
  CHECK(phone.sink->close_codes == ended);
  CHECK(tablet.sink->close_codes == ended);
  CHECK_FALSE(laptop.sink->closed());
  CHECK_FALSE(other.sink->closed());
  // The closed connections are gone from the user's actor.
  CHECK(connected_sessions(alice) == std::vector<std::string>{s2});
  push_to(alice, invitation);
  CHECK(got(*laptop.sink, invitation));
  CHECK_FALSE(got(*phone.sink, invitation));
  CHECK_FALSE(got(*tablet.sink, invitation));
}

TEST_CASE_METHOD(users, "presence: the first connection announces online, the last close offline",
                 "[user]") {
  auto room = conv_id(4);
  create_group(room, bob, {alice});
  auto watcher = connect(bob, b1);
  auto phone = connect(alice, s1);
  auto laptop = connect(alice, s2);
  auto online = [&] {
    std::vector<bool> out;
    for (const auto& f : watcher.sink->of_type("presence")) {
      CHECK(str_of(f, "user") == alice);
      out.push_back(f.at("online").as_bool());
    }
    return out;
  };
  CHECK(online() == std::vector<bool>{true}); // once, for the first connection
  CHECK(phone.sink->of_type("presence").empty()); // not told about herself
  tell(phone.actor, closed_atom::value);
  run();
  CHECK(online() == std::vector<bool>{true});
  tell(laptop.actor, closed_atom::value);
  run();
  CHECK(online() == std::vector<bool>{true, false});
}

TEST_CASE_METHOD(users, "the last connection closing retires the user's actor, and attach meanwhile "
                        "answers retry",
                 "[user]") {
  auto phone = connect(alice, s1);
  auto actor = user_actor(alice);
  // The connection goes; the user's actor learns it (its down message) and
  // starts retiring, but the directory has not been asked yet.
  tell(phone.actor, closed_atom::value);
  step(phone.actor);
  step(actor);
  auto attach = request<done_atom>(actor, attach_atom::value, connection_stub(), s2);
  step(last_helper); // sends the attach
  step(actor);       // answers it
  step(last_helper); // reads the answer
  REQUIRE(attach->arrived());
  CHECK(attach->code() == errc::retry);
  run(); // presence offline, then the directory lets it go
  CHECK(get<std::vector<user_api>>(directory, list_atom::value, user_atom::value).empty());
  // The next connection gets a fresh actor.
  auto laptop = connect(alice, s2);
  auto again = user_actor(alice);
  CHECK(again != actor);
  CHECK(connected_sessions(alice) == std::vector<std::string>{s2});
  push_to(alice, invitation);
  CHECK(got(*laptop.sink, invitation));
}
