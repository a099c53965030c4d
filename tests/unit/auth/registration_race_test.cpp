// A username stays reserved while its password hash is in flight, whatever
// the authority's cache does meanwhile.
//
// The authority used to keep the reservation only as an entry of auth_store's
// cache, which trim_cache() (another request's commit finishing while the
// cache is large) or forget_cache() (a failed commit) may clear at any time,
// so a second registration of the name arriving in that window found it
// free and both registrations succeeded.
//
// The interleaving is forced with CAF's test_coordinator, stepping the
// authority one message at a time. Requests come from a scoped_actor, so
// each one lands in the authority's mailbox the moment it is made. The
// hasher and storage work inline: a hash or a commit completes at once and
// the authority sees its completion as a `resume` message queued behind
// whatever already waits in its mailbox. With [M2 logout, M1 register bob]
// queued, stepping M2 queues R2 (its commit done) behind M1; the second
// registration M3 is sent now, so M1's hash completion R1 lands behind it:
//   M1 (reserve bob, hash) → R2 (commit done: the large cache is trimmed)
//   → M3 (register bob again) → R1 (bob's first registration is written).
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/atoms.hpp"
#include "actors/auth/auth_authority.hpp"
#include "actors/rpc/errors.hpp"
#include "schema/records.hpp"
#include "schema/wire.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/password_hasher.hpp"
#include "storage/codec.hpp"
#include "storage/database.hpp"
#include "authority_world.hpp"

using namespace chat;

namespace {

struct race_fixture : testing::authority_world {
  race_fixture() : authority_world("chat-auth-race") { start(); }
  ~race_fixture() { stop(); }

  /// Stores `n` users directly and has the authority read each of them by
  /// name, so its cache holds two entries per user.
  void fill_cache(int n) {
    storage::write_batch batch;
    for (int i = 0; i < n; ++i) {
      user_record u{"u_filler" + std::to_string(i), "filler" + std::to_string(i), "f", "x", 1};
      batch.put(storage::column::users, u.id, storage::encode(u));
      batch.put(storage::column::usernames, u.username, u.id);
    }
    db->commit(std::move(batch), [](errc rc) { REQUIRE(rc == errc::ok); });
    for (int i = 0; i < n; ++i)
      caf::anon_send(authority, find_user_atom::value, "filler" + std::to_string(i));
    sched.run();
  }
};

} // namespace

/// The answer to a request made with `self->request`: the value, or the
/// error code (errc::ok when a value came). Only call once the world ran.
template <class T, class Handle>
errc answer_of(Handle& handle, T* out = nullptr) {
  std::optional<errc> code;
  handle.receive(
    [&](T& value) {
      code = errc::ok;
      if (out)
        *out = std::move(value);
    },
    [&](caf::error& err) { code = to_api_error(err).code; });
  REQUIRE(code);
  return *code;
}

TEST_CASE_METHOD(race_fixture,
                 "a name being registered stays taken while the cache is trimmed") {
  caf::scoped_actor self{sys};
  const std::string none;

  // A session whose logout will be the commit that trims the cache.
  auto carol = self->request(authority, caf::infinite, register_atom::value,
                             std::string{"carol"}, std::string{"carol's password"}, none);
  sched.run();
  REQUIRE(answer_of<user_view>(carol) == errc::ok);
  auto login = self->request(authority, caf::infinite, login_atom::value, std::string{"carol"},
                             std::string{"carol's password"}, none);
  sched.run();
  token_grant grant;
  REQUIRE(answer_of<token_grant>(login, &grant) == errc::ok);

  // Over trim_cache's bound (200'000 entries), with no commit in flight.
  fill_cache(100'050);

  auto logout = self->request(authority, caf::infinite, logout_atom::value,
                              principal{grant.user.id, grant.session_id});
  auto first = self->request(authority, caf::infinite, register_atom::value,
                             std::string{"bob"}, std::string{"first password"}, none);
  sched.run_once(); // the logout: its commit completes, its resume queues behind `first`
  auto second = self->request(authority, caf::infinite, register_atom::value,
                              std::string{"bob"}, std::string{"second password"}, none);
  sched.run();

  CHECK(answer_of<done_atom>(logout) == errc::ok);
  user_view winner;
  auto a = answer_of<user_view>(first, &winner);
  auto b = answer_of<user_view>(second);
  CHECK(a == errc::ok);
  CHECK(b == errc::conflict);

  // Exactly one bob was stored, and it is the first one.
  auto found = self->request(authority, caf::infinite, find_user_atom::value, std::string{"bob"});
  sched.run();
  user_view bob;
  REQUIRE(answer_of<user_view>(found, &bob) == errc::ok);
  CHECK(bob.id == winner.id);
  auto relogin = self->request(authority, caf::infinite, login_atom::value, std::string{"bob"},
                               std::string{"first password"}, none);
  sched.run();
  CHECK(answer_of<token_grant>(relogin) == errc::ok);
}
