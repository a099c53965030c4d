// The session actor (one per WebSocket connection), driven with client text
// frames as the network layer delivers them, against a node's real actors
// (directory, relay, conversations, users, auth authority); the socket is
// a recording sink. Deterministic: see ../actor_fixture.hpp.
#include "actor_fixture.hpp"

#include <map>

using namespace chat;
using namespace chat::actors_test;
using namespace std::chrono_literals;

namespace {

struct chat_room : node_fixture {
  explicit chat_room(chat_settings settings = {}) : node_fixture(settings) {
    alice = register_user("alice");
    bob = register_user("bob");
    carol = register_user("carol");
    create_group(room, alice, {bob});
  }


  std::string send_frame(int id, const std::string& conv, const std::string& text) {
    boost::json::object o{{"type", "send"}, {"id", id}, {"conv", conv}, {"text", text}};
    return boost::json::serialize(o);
  }

  std::string alice, bob, carol;
  std::string room = conv_id(6);
};

struct idle_room : chat_room {
  idle_room() : chat_room(idle_settings()) {}
  static chat_settings idle_settings() {
    chat_settings s;
    s.conversation_idle = 0s; // passivate at the first tick
    return s;
  }
};

std::vector<std::uint64_t> seqs(const std::vector<boost::json::object>& frames) {
  std::vector<std::uint64_t> out;
  for (const auto& f : frames)
    out.push_back(seq_of(f));
  return out;
}

} // namespace

TEST_CASE_METHOD(chat_room, "hello names the user and each conversation's last seq",
                 "[session]") {
  auto quiet = conv_id(7);
  create_group(quiet, alice);
  auto conv = get<conversation_api>(directory, conv_atom::value, room);
  for (int i = 0; i < 2; ++i)
    REQUIRE(get<send_receipt>(conv, post_atom::value, bob, std::string{"hi"}, std::string{})
              .created);
  auto c = connect(alice, login(alice));
  REQUIRE_FALSE(c.sink->frames.empty());
  auto hello = c.sink->parsed().front();
  CHECK(str_of(hello, "type") == "hello");
  CHECK(hello.at("user").at("id").as_string() == alice);
  CHECK(hello.at("user").at("username").as_string() == "alice");
  std::map<std::string, std::uint64_t> last;
  for (const auto& entry : hello.at("conversations").as_array())
    last[std::string(entry.at("id").as_string())] = entry.at("last_seq").to_number<std::uint64_t>();
  CHECK(last == std::map<std::string, std::uint64_t>{{room, 2}, {quiet, 0}});
  CHECK_FALSE(c.sink->closed());
}

TEST_CASE_METHOD(chat_room, "sends are answered with gapless seqs and reach every member's "
                            "connections in order",
                 "[session]") {
  auto a = connect(alice, login(alice));
  auto b1 = connect(bob, login(bob));
  auto b2 = connect(bob, login(bob));
  auto c = connect(carol, login(carol));
  // Three frames in one burst: their answers and deliveries keep the order.
  for (int i = 1; i <= 3; ++i)
    tell(a.actor, inbound_atom::value, send_frame(i, room, "m" + std::to_string(i)));
  run();
  auto sent = a.sink->of_type("sent");
  REQUIRE(sent.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(sent[i].at("re").to_number<int>() == static_cast<int>(i + 1));
    CHECK(seq_of(sent[i]) == i + 1);
  }
  for (const auto* sink : {a.sink.get(), b1.sink.get(), b2.sink.get()}) {
    auto messages = sink->of_type("message");
    CHECK(seqs(messages) == std::vector<std::uint64_t>{1, 2, 3});
    REQUIRE(messages.size() == 3);
    CHECK(str_of(messages[2], "text") == "m3");
    CHECK(str_of(messages[2], "from") == alice);
  }
  CHECK(c.sink->of_type("message").empty());
}

TEST_CASE_METHOD(chat_room, "a non-member is answered forbidden and an unknown conversation "
                            "not_found",
                 "[session]") {
  auto b = connect(bob, login(bob));
  auto c = connect(carol, login(carol));
  client_says(c, send_frame(1, room, "let me in"));
  client_says(c, send_frame(2, conv_id(9), "anyone?"));
  client_says(c, R"({"type":"sync","id":3,"conv":")" + room + R"(","after":0})");
  auto errors = c.sink->of_type("error");
  REQUIRE(errors.size() == 3);
  CHECK(str_of(errors[0], "code") == "forbidden");
  CHECK(str_of(errors[1], "code") == "not_found");
  CHECK(str_of(errors[2], "code") == "forbidden");
  CHECK(errors[0].at("re").to_number<int>() == 1);
  CHECK(b.sink->of_type("message").empty());
  CHECK(get<std::uint64_t>(get<conversation_api>(directory, conv_atom::value, room),
                           last_seq_atom::value, bob)
        == 0);
}

TEST_CASE_METHOD(chat_room, "bad frames are answered bad_request and the connection stays usable",
                 "[session]") {
  auto a = connect(alice, login(alice));
  client_says(a, "not json");
  client_says(a, R"({"type":"shout","id":1})");
  client_says(a, R"({"type":"send","id":2,"conv":")" + room + R"(","text":""})");
  client_says(a, send_frame(3, room, std::string(5000, 'x')));
  tell(a.actor, binary_atom::value);
  run();
  auto errors = a.sink->of_type("error");
  REQUIRE(errors.size() == 5);
  for (const auto& e : errors)
    CHECK(str_of(e, "code") == "bad_request");
  CHECK(a.sink->of_type("message").empty());
  client_says(a, R"({"type":"ping","id":"p"})");
  client_says(a, send_frame(4, room, "fine"));
  CHECK(a.sink->of_type("pong").size() == 1);
  auto sent = a.sink->of_type("sent");
  REQUIRE(sent.size() == 1);
  CHECK(seq_of(sent[0]) == 1); // the refused frames used no seq
  CHECK_FALSE(a.sink->closed());
}

TEST_CASE_METHOD(chat_room, "sync returns the history after a seq", "[session]") {
  auto a = connect(alice, login(alice));
  for (int i = 1; i <= 4; ++i)
    tell(a.actor, inbound_atom::value, send_frame(i, room, "m" + std::to_string(i)));
  run();
  client_says(a, R"({"type":"sync","id":9,"conv":")" + room + R"(","after":2})");
  auto history = a.sink->of_type("history");
  REQUIRE(history.size() == 1);
  std::vector<std::uint64_t> got;
  for (const auto& m : history[0].at("messages").as_array())
    got.push_back(seq_of(m.as_object()));
  CHECK(got == std::vector<std::uint64_t>{3, 4});
}

TEST_CASE_METHOD(chat_room, "a connection of an unknown user is closed with 4001", "[session]") {
  auto ghost = connect(user_id(9), make_id(id_kind::session, 0));
  CHECK(ghost.sink->frames.empty());
  CHECK(ghost.sink->close_codes == std::vector<std::uint16_t>{close_code::session_ended});
}

TEST_CASE_METHOD(idle_room, "sends continue across passivation with the next seq",
                 "[session][passivation]") {
  auto a = connect(alice, login(alice));
  auto b = connect(bob, login(bob));
  client_says(a, send_frame(1, room, "before"));
  auto conv = get<conversation_api>(directory, conv_atom::value, room);
  // The idle conversation passivates; the session still holds its handle.
  advance(1s);
  run();
  CHECK(get<std::vector<conversation_api>>(directory, list_atom::value).empty());
  // The next send finds it gone, resolves it again (activated from storage)
  // and continues the sequence.
  client_says(a, send_frame(2, room, "after"));
  auto sent = a.sink->of_type("sent");
  REQUIRE(sent.size() == 2);
  CHECK(seq_of(sent[1]) == 2);
  CHECK(seqs(b.sink->of_type("message")) == std::vector<std::uint64_t>{1, 2});
  CHECK(get<conversation_api>(directory, conv_atom::value, room) != conv);
}
