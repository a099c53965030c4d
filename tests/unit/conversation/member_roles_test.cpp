// Moderation (docs/protocol.md "Roles"): who may name admins and remove
// whom, who takes a group over, and that records stored before roles,
// account blocks and direct-conversation blocks existed still load.
#include <catch2/catch.hpp>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>

#include "test_store.hpp"
#include "actors/conversation/member_roles.hpp"
#include "actors/conversation/message_changes.hpp"
#include "storage/codec.hpp"

using namespace chat;
using chat::test::conversation_record_v1;

namespace {

/// The three records as version 1 wrote them.
struct member_record_v1 {
  std::string user_id;
  bool owner = false;
  std::int64_t joined_at = 0;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    ar(user_id, owner, joined_at);
  }
};

struct user_record_v1 {
  std::string id, username, display_name, password_hash;
  std::int64_t created_at = 0;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    ar(id, username, display_name, password_hash, created_at);
  }
};

member_record member(std::string id, std::int64_t joined, bool admin = false, bool owner = false) {
  member_record m{std::move(id), owner, joined};
  m.admin = admin;
  return m;
}

} // namespace

CEREAL_CLASS_VERSION(member_record_v1, 1)
CEREAL_CLASS_VERSION(user_record_v1, 1)

TEST_CASE("records stored before moderation load with its fields unset", "[conversation][roles]") {
  member_record m;
  REQUIRE(storage::decode(storage::encode(member_record_v1{"u_a", true, 5}), m));
  CHECK(m.user_id == "u_a");
  CHECK(m.owner);
  CHECK(m.joined_at == 5);
  CHECK_FALSE(m.admin);

  user_record u;
  REQUIRE(storage::decode(storage::encode(user_record_v1{"u_a", "alice", "A", "h", 9}), u));
  CHECK(u.username == "alice");
  CHECK(u.created_at == 9);
  CHECK_FALSE(u.blocked);

  conversation_record c;
  REQUIRE(storage::decode(storage::encode(conversation_record_v1{"c_x", true, "", "", 3}), c));
  CHECK(c.direct);
  CHECK(c.created_at == 3);
  CHECK(c.blocked_by.empty());
}

TEST_CASE("the new fields round-trip", "[conversation][roles]") {
  member_record m;
  REQUIRE(storage::decode(storage::encode(member("u_b", 7, true)), m));
  CHECK(m.admin);
  user_record u{"u_a", "alice", "A", "h", 9};
  u.blocked = true;
  user_record u2;
  REQUIRE(storage::decode(storage::encode(u), u2));
  CHECK(u2.blocked);
  conversation_record c{"c_x", true, "", "", 3};
  c.blocked_by = {"u_a", "u_b"};
  conversation_record c2;
  REQUIRE(storage::decode(storage::encode(c), c2));
  CHECK(c2.blocked_by == c.blocked_by);
}

TEST_CASE("role names", "[conversation][roles]") {
  CHECK(roles::name(member("u", 1, false, true)) == "owner");
  CHECK(roles::name(member("u", 1, true)) == "admin");
  CHECK(roles::name(member("u", 1)) == "member");
}

TEST_CASE("only a group's owner names admins, among its other members", "[conversation][roles]") {
  auto plain = member("u_m", 2);
  auto owner = member("u_o", 1, false, true);
  CHECK(roles::check_set_admin(false, "u_o", "u_o", &plain).code == errc::ok);
  CHECK(roles::check_set_admin(false, "u_o", "u_a", &plain).code == errc::forbidden);
  CHECK(roles::check_set_admin(false, "u_o", "u_o", nullptr).code == errc::not_found);
  CHECK(roles::check_set_admin(false, "u_o", "u_o", &owner).code == errc::bad_request);
  CHECK(roles::check_set_admin(true, "", "u_o", &plain).code == errc::forbidden);
  // A non-owner learns nothing about who is a member.
  CHECK(roles::check_set_admin(false, "u_o", "u_x", nullptr).code == errc::forbidden);
}

TEST_CASE("who may remove whom", "[conversation][roles]") {
  auto owner = member("u_o", 1, false, true);
  auto admin = member("u_a", 2, true);
  auto admin2 = member("u_b", 3, true);
  auto plain = member("u_m", 4);
  auto plain2 = member("u_n", 5);
  CHECK(roles::check_removal(plain, plain).code == errc::ok);     // leaving
  CHECK(roles::check_removal(admin, admin).code == errc::ok);
  CHECK(roles::check_removal(owner, admin).code == errc::ok);
  CHECK(roles::check_removal(owner, plain).code == errc::ok);
  CHECK(roles::check_removal(admin, plain).code == errc::ok);
  CHECK(roles::check_removal(admin, admin2).code == errc::forbidden);
  CHECK(roles::check_removal(admin, owner).code == errc::forbidden);
  CHECK(roles::check_removal(plain, plain2).code == errc::forbidden);
  CHECK(roles::check_removal(plain, owner).code == errc::forbidden);
}

TEST_CASE("a group passes to its longest-standing admin, else member", "[conversation][roles]") {
  std::map<std::string, member_record> members{
    {"u_o", member("u_o", 1, false, true)}, {"u_m", member("u_m", 2)}, {"u_a", member("u_a", 5, true)},
    {"u_b", member("u_b", 4, true)}};
  CHECK(roles::successor(members, "u_o")->user_id == "u_b");
  members.at("u_b").admin = false;
  CHECK(roles::successor(members, "u_o")->user_id == "u_a");
  members.at("u_a").admin = false;
  CHECK(roles::successor(members, "u_o")->user_id == "u_m");
  CHECK_FALSE(roles::successor({{"u_o", member("u_o", 1, false, true)}}, "u_o"));
}

TEST_CASE("an admin may delete others' messages, not edit them", "[conversation][roles]") {
  message_record target;
  target.seq = 1;
  target.from = "u_m";
  target.text = "hi";
  message_change del{change_kind::remove, 1, {}};
  message_change edit{change_kind::edit, 1, "x"};
  CHECK(changes::check(target, del, "u_a", "u_o").code == errc::forbidden);
  CHECK(changes::check(target, del, "u_a", "u_o", true).code == errc::ok);
  CHECK(changes::check(target, edit, "u_a", "u_o", true).code == errc::forbidden);
}
