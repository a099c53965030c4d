// The directory: finding and activating a node's conversations and users,
// retiring them, and routing requests about other nodes' shards, driven
// deterministically (see ../actor_fixture.hpp).
#include "actor_fixture.hpp"

using namespace chat;
using namespace chat::actors_test;
using namespace std::chrono_literals;

namespace {

using conversations = std::vector<conversation_api>;

struct directory_fixture : node_fixture {
  using node_fixture::node_fixture;

  conversations live_conversations(const directory_api& d) {
    return get<conversations>(d, list_atom::value);
  }
  std::vector<user_api> live_users(const directory_api& d) {
    return get<std::vector<user_api>>(d, list_atom::value, user_atom::value);
  }
  /// A stored conversation that is not live: created, then passivated.
  std::string stored_conversation(std::uint32_t shard = 2) {
    auto id = conv_id(shard);
    auto conv = create_group(id, owner);
    REQUIRE(get<send_receipt>(conv, post_atom::value, owner, std::string{"hi"},
                              std::string{})
              .seq
            == 1);
    kill(conv); // stops like a crash would: the directory forgets it on the down message
    run();
    REQUIRE(live_conversations(directory).empty());
    return id;
  }

  std::string owner = user_id(1);
};

chat_settings idle_at_once() {
  chat_settings s;
  s.conversation_idle = 0s;
  return s;
}

struct idle_directory : directory_fixture {
  idle_directory() : directory_fixture(idle_at_once()) {}
};

/// Node n1 of a two-node cluster (shards with odd numbers belong to n2,
/// which starts unreachable).
struct two_nodes : directory_fixture {
  two_nodes() : directory_fixture(chat_settings{}, 2, 0) {}
};

} // namespace

TEST_CASE_METHOD(directory_fixture, "conv activates a stored conversation once, from storage",
                 "[directory]") {
  auto id = stored_conversation();
  // Two requests at once share one activation.
  auto first = request<conversation_api>(directory, conv_atom::value, id);
  auto second = request<conversation_api>(directory, conv_atom::value, id);
  run();
  REQUIRE(first->value);
  REQUIRE(second->value);
  CHECK(*first->value == *second->value);
  CHECK(live_conversations(directory) == conversations{*first->value});
  // Activated with what was stored.
  CHECK(get<std::uint64_t>(*first->value, last_seq_atom::value, owner) == 1);
  // Later lookups find the live one.
  CHECK(get<conversation_api>(directory, conv_atom::value, id) == *first->value);
  CHECK(get<conversation_api>(directory, create_atom::value, id) == *first->value);
}

TEST_CASE_METHOD(directory_fixture, "conv of an unknown or malformed id is not_found, create "
                                    "gives one fresh actor",
                 "[directory]") {
  auto id = conv_id(7);
  CHECK(ask<conversation_api>(directory, conv_atom::value, id).code() == errc::not_found);
  CHECK(ask<conversation_api>(directory, conv_atom::value, std::string{"c_0007"}).code()
        == errc::not_found);
  CHECK(ask<conversation_api>(directory, conv_atom::value, user_id(7)).code()
        == errc::not_found);
  CHECK(live_conversations(directory).empty());
  auto a = request<conversation_api>(directory, create_atom::value, id);
  auto b = request<conversation_api>(directory, create_atom::value, id);
  run();
  REQUIRE(a->value);
  REQUIRE(b->value);
  CHECK(*a->value == *b->value);
  CHECK(live_conversations(directory).size() == 1);
}

TEST_CASE_METHOD(directory_fixture, "user gives one actor per user", "[directory]") {
  auto alice = user_id(3);
  auto bob = user_id(4);
  auto a1 = get<user_api>(directory, user_atom::value, alice);
  auto a2 = get<user_api>(directory, user_atom::value, alice);
  auto b = get<user_api>(directory, user_atom::value, bob);
  CHECK(a1 == a2);
  CHECK(a1 != b);
  CHECK(live_users(directory).size() == 2);
  // Nobody is connected: pushes to them are dropped, and they list no connections.
  CHECK(get<std::vector<connection_info>>(directory, conns_atom::value, alice).empty());
  CHECK(get<std::vector<connection_info>>(directory, conns_atom::value, user_id(5)).empty());
}

TEST_CASE_METHOD(directory_fixture, "retire is granted only to the registered actor",
                 "[directory]") {
  auto id = conv_id(2);
  auto conv = create_group(id, owner);
  auto alice = user_id(3);
  auto user = get<user_api>(directory, user_atom::value, alice);
  // Anyone else asking to retire them is refused, and nothing is forgotten.
  CHECK(get<bool>(directory, retire_atom::value, id) == false);
  CHECK(get<bool>(directory, retire_atom::value, alice) == false);
  CHECK(get<bool>(directory, retire_atom::value, conv_id(9)) == false);
  CHECK(live_conversations(directory) == conversations{conv});
  CHECK(live_users(directory) == std::vector<user_api>{user});
  CHECK(get<conversation_api>(directory, conv_atom::value, id) == conv);
}

TEST_CASE_METHOD(idle_directory, "the registered conversation retires and is activated "
                                 "again with its last seq",
                 "[directory][passivation]") {
  auto id = conv_id(2);
  auto conv = create_group(id, owner);
  REQUIRE(get<send_receipt>(conv, post_atom::value, owner, std::string{"hi"}, std::string{})
            .seq
          == 1);
  CHECK(live_conversations(directory) == conversations{conv});
  advance(1s); // its passivation tick: it asks the directory to retire it
  run();
  CHECK(live_conversations(directory).empty());
  auto again = get<conversation_api>(directory, conv_atom::value, id);
  CHECK(again != conv);
  CHECK(live_conversations(directory) == conversations{again});
  CHECK(get<std::uint64_t>(again, last_seq_atom::value, owner) == 1);
}

TEST_CASE_METHOD(two_nodes, "requests about an unreachable node's shards are unavailable",
                 "[directory][cluster]") {
  auto remote_conv = conv_id(3); // shard 3: node n2
  auto remote_user = user_id(5);
  CHECK(ask<conversation_api>(directory, conv_atom::value, remote_conv).code()
        == errc::unavailable);
  CHECK(ask<conversation_api>(directory, create_atom::value, remote_conv).code()
        == errc::unavailable);
  CHECK(ask<user_api>(directory, user_atom::value, remote_user).code() == errc::unavailable);
  CHECK(ask<std::vector<connection_info>>(directory, conns_atom::value, remote_user).code()
        == errc::unavailable);
  // Pushes and session ends for such users are dropped without harm.
  tell(directory, push_atom::value, remote_user, wire_frame{make_frame("{}")});
  tell(directory, ended_atom::value, remote_user, std::string{"s"});
  run();
  // This node's own shards are unaffected.
  auto local = get<conversation_api>(directory, create_atom::value, conv_id(4));
  CHECK(live_conversations(directory) == conversations{local});
  CHECK(live_users(directory).empty());
}

TEST_CASE_METHOD(two_nodes, "requests about a reachable node's shards are answered by its "
                            "directory",
                 "[directory][cluster]") {
  // Node n2 in the same actor system: its own storage and placement.
  storage::test::temp_dir n2_dir;
  auto n2_db = open_database(n2_dir.path());
  auto layout = peers->layout();
  layout.self = 1;
  auto n2_peers = std::make_shared<cluster::peer_table>(layout);
  auto n2_ctx = std::make_shared<node_context>(*ctx);
  n2_ctx->node_id = "n2";
  n2_ctx->db = n2_db.get();
  n2_ctx->peers = n2_peers;
  auto n2 = spawn_directory(sys, n2_ctx);
  n2_peers->mark_up(1, {n2, relay, authority, {}, {}});
  n2_peers->mark_up(0, {directory, relay, authority, {}, {}});
  peers->mark_up(1, {n2, relay, authority, {}, {}});

  auto remote_user = user_id(5);
  auto user = get<user_api>(directory, user_atom::value, remote_user);
  CHECK(live_users(n2) == std::vector<user_api>{user}); // spawned on its home node
  CHECK(live_users(directory).empty());
  auto created = get<conversation_api>(directory, create_atom::value, conv_id(3));
  CHECK(live_conversations(n2) == conversations{created});
  CHECK(live_conversations(directory).empty());
  // The other node goes away again.
  peers->mark_down(1);
  CHECK(ask<user_api>(directory, user_atom::value, remote_user).code() == errc::unavailable);
  kill(n2);
  run();
  n2_db->close();
}
