// The auth authority driven deterministically: CAF's test_coordinator runs
// every actor on this thread, storage commits inline (no writer thread) and
// the password pool hashes inline, so `run()` processes each exchange to the
// end with no sleeps. Storage is a real RocksDB in a temporary directory.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/rpc/ask.hpp"
#include "actors/atoms.hpp"
#include "actors/auth/auth_authority.hpp"
#include "actors/auth/auth_client.hpp"
#include "actors/auth/auth_client_impl.hpp"
#include "authority_world.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/password_hasher.hpp"
#include "storage/database.hpp"

using namespace chat;

namespace {

struct fixture : testing::authority_world {
  std::optional<auth_client> auth;

  fixture() : authority_world("chat-auth") { start(); }
  ~fixture() { stop(); }

  /// Spawns the authority and a client seeing one node that owns every shard.
  void start() {
    authority_world::start();
    cluster::placement layout;
    layout.shards = shards;
    layout.nodes.push_back({"n1", "127.0.0.1", 0});
    auto peers = std::make_shared<cluster::peer_table>(layout);
    peers->mark_up(0, {{}, {}, authority, {}, {}});
    auth.emplace(std::make_shared<auth_client::impl>(sys, peers, jwt_key, shards));
  }

  /// Issues one call through the public client and runs the world until it answers.
  template <class T, class Call>
  outcome<T> call(Call&& issue) {
    std::optional<outcome<T>> result;
    issue([&](outcome<T> r) { result = std::move(r); });
    sched.run();
    REQUIRE(result);
    return *result;
  }

  user_view registered(const std::string& name, const std::string& pw = "correct horse") {
    auto r = call<user_view>([&](auto done) { auth->register_user(name, pw, "", done); });
    REQUIRE(r.ok());
    return r.value;
  }

  token_grant logged_in(const std::string& name, const std::string& pw = "correct horse") {
    auto r = call<token_grant>([&](auto done) { auth->login(name, pw, "test-agent", done); });
    REQUIRE(r.ok());
    return r.value;
  }

  errc authenticate(const std::string& access_token) {
    return call<principal>([&](auto done) { auth->authenticate(access_token, done); }).error.code;
  }

  outcome<token_grant> refresh(const std::string& token) {
    return call<token_grant>([&](auto done) { auth->refresh(token, done); });
  }
};

principal who(const token_grant& g) { return {g.user.id, g.session_id}; }

} // namespace

TEST_CASE_METHOD(fixture, "register stores a user once per username") {
  auto alice = registered("alice");
  CHECK(alice.id.rfind("u_", 0) == 0);
  CHECK(alice.display_name == "alice");
  auto again = call<user_view>([&](auto done) { auth->register_user("alice", "another pw", "", done); });
  CHECK(again.error.code == errc::conflict);
  auto bad = call<user_view>([&](auto done) { auth->register_user("Alice", "another pw", "", done); });
  CHECK(bad.error.code == errc::bad_request);
  auto found = call<user_view>([&](auto done) { auth->find_user("alice", done); });
  REQUIRE(found.ok());
  CHECK(found.value.id == alice.id);
}

TEST_CASE_METHOD(fixture, "two registrations of one name racing: exactly one wins") {
  std::optional<outcome<user_view>> a, b;
  auth->register_user("racer", "password1", "", [&](auto r) { a = r; });
  auth->register_user("racer", "password2", "", [&](auto r) { b = r; });
  sched.run();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->ok() != b->ok());
  CHECK((a->error.code == errc::conflict || b->error.code == errc::conflict));
}

TEST_CASE_METHOD(fixture, "login answers unknown user and wrong password alike") {
  registered("bob");
  auto wrong = call<token_grant>([&](auto done) { auth->login("bob", "wrong password", "", done); });
  auto unknown = call<token_grant>([&](auto done) { auth->login("nobody", "wrong password", "", done); });
  CHECK(wrong.error.code == errc::unauthorized);
  CHECK(unknown.error.code == errc::unauthorized);
  CHECK(wrong.error.message == unknown.error.message);
}

TEST_CASE_METHOD(fixture, "an access token authenticates while its session lives") {
  registered("carol");
  auto grant = logged_in("carol");
  CHECK(authenticate(grant.access_token) == errc::ok);
  CHECK(authenticate(grant.access_token + "x") == errc::unauthorized);
  auto out = call<none_t>([&](auto done) { auth->logout(who(grant), done); });
  REQUIRE(out.ok());
  CHECK(authenticate(grant.access_token) == errc::unauthorized);
  CHECK(refresh(grant.refresh_token).error.code == errc::unauthorized);
}

TEST_CASE_METHOD(fixture, "refresh rotates; replaying an old token ends the session") {
  registered("dave");
  auto first = logged_in("dave");
  auto other = logged_in("dave");
  auto second = refresh(first.refresh_token);
  REQUIRE(second.ok());
  CHECK(second.value.session_id == first.session_id);
  CHECK(second.value.refresh_token != first.refresh_token);
  CHECK(authenticate(second.value.access_token) == errc::ok);

  CHECK(refresh(first.refresh_token).error.code == errc::unauthorized);
  CHECK(authenticate(second.value.access_token) == errc::unauthorized);
  CHECK(refresh(second.value.refresh_token).error.code == errc::unauthorized);
  // The user's other session is untouched.
  CHECK(authenticate(other.access_token) == errc::ok);
}

TEST_CASE_METHOD(fixture, "two refreshes racing with one token: one wins, the session ends") {
  registered("erin");
  auto grant = logged_in("erin");
  std::optional<outcome<token_grant>> a, b;
  auth->refresh(grant.refresh_token, [&](auto r) { a = r; });
  auth->refresh(grant.refresh_token, [&](auto r) { b = r; });
  sched.run();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->ok() != b->ok());
  const auto& winner = a->ok() ? *a : *b;
  // The replay was detected, so even the winner's new tokens are dead.
  CHECK(authenticate(winner.value.access_token) == errc::unauthorized);
}

TEST_CASE_METHOD(fixture, "a password change ends the user's other sessions only") {
  registered("frank", "old password");
  auto mine = logged_in("frank", "old password");
  auto other = logged_in("frank", "old password");
  profile_update change;
  change.set_password = true;
  change.old_password = "wrong one";
  change.new_password = "new password";
  auto refused = call<user_view>([&](auto done) { auth->update_me(who(mine), change, done); });
  CHECK(refused.error.code == errc::forbidden);
  change.old_password = "old password";
  auto changed = call<user_view>([&](auto done) { auth->update_me(who(mine), change, done); });
  REQUIRE(changed.ok());
  CHECK(authenticate(mine.access_token) == errc::ok);
  CHECK(authenticate(other.access_token) == errc::unauthorized);
  auto relog = call<token_grant>([&](auto done) { auth->login("frank", "new password", "", done); });
  CHECK(relog.ok());
}

TEST_CASE_METHOD(fixture, "sessions are listed and ended by their owner only") {
  registered("gina");
  registered("hank");
  auto g1 = logged_in("gina");
  auto g2 = logged_in("gina");
  auto h1 = logged_in("hank");
  auto list = call<session_list>([&](auto done) { auth->list_sessions(who(g1), done); });
  REQUIRE(list.ok());
  REQUIRE(list.value.size() == 2);
  int current = 0;
  for (const auto& s : list.value) {
    CHECK(s.user_agent == "test-agent");
    current += s.current ? 1 : 0;
  }
  CHECK(current == 1);
  auto foreign = call<none_t>([&](auto done) { auth->delete_session(who(g1), h1.session_id, done); });
  CHECK(foreign.error.code == errc::not_found);
  auto ended = call<none_t>([&](auto done) { auth->delete_session(who(g1), g2.session_id, done); });
  CHECK(ended.ok());
  CHECK(authenticate(g2.access_token) == errc::unauthorized);
  CHECK(authenticate(h1.access_token) == errc::ok);
}

TEST_CASE_METHOD(fixture, "deleting the account ends its sessions and frees the name") {
  auto ivan = registered("ivan");
  auto grant = logged_in("ivan");
  auto wrong = call<none_t>([&](auto done) { auth->delete_me(who(grant), "not it at all", done); });
  CHECK(wrong.error.code == errc::forbidden);
  auto gone = call<none_t>([&](auto done) { auth->delete_me(who(grant), "correct horse", done); });
  REQUIRE(gone.ok());
  CHECK(authenticate(grant.access_token) == errc::unauthorized);
  CHECK(call<user_view>([&](auto done) { auth->get_user(ivan.id, done); }).error.code
        == errc::not_found);
  auto again = registered("ivan");
  CHECK(again.id != ivan.id);
}

TEST_CASE_METHOD(fixture, "tickets are single-use and die with their session") {
  registered("judy");
  auto grant = logged_in("judy");
  auto t1 = call<ws_ticket>([&](auto done) { auth->issue_ticket(who(grant), done); });
  auto t2 = call<ws_ticket>([&](auto done) { auth->issue_ticket(who(grant), done); });
  REQUIRE(t1.ok());
  REQUIRE(t2.ok());
  CHECK(t1.value.ticket.size() >= 16);
  CHECK(t1.value.ticket != t2.value.ticket);
  auto redeem = [&](const std::string& t) {
    std::optional<outcome<principal>> r;
    ask<principal>(sys, authority, [&](auto x) { r = x; }, redeem_atom::value, t);
    sched.run();
    return *r;
  };
  auto first = redeem(t1.value.ticket);
  REQUIRE(first.ok());
  CHECK(first.value.session_id == grant.session_id);
  CHECK(redeem(t1.value.ticket).error.code == errc::unauthorized);
  REQUIRE(call<none_t>([&](auto done) { auth->logout(who(grant), done); }).ok());
  CHECK(redeem(t2.value.ticket).error.code == errc::unauthorized);
}

TEST_CASE_METHOD(fixture, "a session holds at most tickets_per_session unredeemed tickets") {
  registered("lena");
  auto grant = logged_in("lena");
  auto issue = [&](const token_grant& g) {
    return call<ws_ticket>([&](auto done) { auth->issue_ticket(who(g), done); });
  };
  std::vector<std::string> tickets;
  for (int i = 0; i < 16; ++i) {
    auto t = issue(grant);
    REQUIRE(t.ok());
    tickets.push_back(t.value.ticket);
  }
  CHECK(issue(grant).error.code == errc::rate_limited);
  CHECK(issue(logged_in("lena")).ok()); // another session has its own allowance
  // Redeeming one frees its place.
  std::optional<outcome<principal>> r;
  ask<principal>(sys, authority, [&](auto x) { r = x; }, redeem_atom::value, tickets[0]);
  sched.run();
  REQUIRE(r->ok());
  CHECK(issue(grant).ok());
}

TEST_CASE_METHOD(fixture, "users and sessions survive reopening the storage") {
  registered("kate");
  auto grant = logged_in("kate");
  stop();
  start();
  CHECK(authenticate(grant.access_token) == errc::ok);
  CHECK(refresh(grant.refresh_token).ok());
}

TEST_CASE_METHOD(fixture, "blocks: both directions are found on either user's shard; bounded",
                 "[blocks]") {
  auto alice = registered("alice");
  auto bob = registered("bob");
  auto carol = registered("carol");
  auto dave = registered("dave");
  auto grant = logged_in("alice");
  principal who{alice.id, grant.session_id};
  auto set = [&](const std::string& other, bool on) {
    return call<none_t>([&](auto done) { auth->set_block(who, other, on, done); }).error.code;
  };
  auto between = [&](const std::string& user, std::vector<std::string> others) {
    auto r = call<std::string>([&](auto done) { auth->blocked_among(user, others, done); });
    REQUIRE(r.ok());
    return r.value;
  };
  auto listed = [&] {
    auto r = call<std::vector<std::string>>([&](auto done) { auth->list_blocks(who, done); });
    REQUIRE(r.ok());
    return r.value;
  };

  CHECK(set(alice.id, true) == errc::bad_request);
  CHECK(set("u_nonsense", true) == errc::not_found);
  auto unknown = bob.id;
  unknown.back() = unknown.back() == 'a' ? 'b' : 'a';
  CHECK(set(unknown, true) == errc::not_found);
  CHECK(listed().empty());

  CHECK(set(bob.id, true) == errc::ok);
  CHECK(set(bob.id, true) == errc::ok); // idempotent
  CHECK(listed() == std::vector<std::string>{bob.id});
  CHECK(between(alice.id, {carol.id, bob.id}) == bob.id); // alice blocks bob
  CHECK(between(bob.id, {carol.id, alice.id}) == alice.id); // bob is blocked by alice
  CHECK(between(carol.id, {alice.id, bob.id}).empty());

  // Stored: a restarted authority still knows, and applies a smaller bound.
  stop();
  max_blocks = 2;
  start();
  CHECK(listed() == std::vector<std::string>{bob.id});
  CHECK(set(carol.id, true) == errc::ok);
  CHECK(set(dave.id, true) == errc::conflict);
  CHECK(set(bob.id, true) == errc::ok); // already blocked: not one more

  CHECK(set(bob.id, false) == errc::ok);
  CHECK(set(bob.id, false) == errc::ok); // idempotent
  CHECK(between(bob.id, {alice.id}).empty());
  CHECK(between(alice.id, {bob.id}).empty());
  CHECK(set(dave.id, true) == errc::ok);
}
