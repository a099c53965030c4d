// Sessions: logging in and out, refreshing tokens, confirming a caller's
// session, and a user's view of their own sessions.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/auth/auth_handlers.hpp"
#include "actors/auth/refresh_token.hpp"
#include "actors/rpc/errors.hpp"
#include "log/log.hpp"
#include "schema/clock.hpp"
#include "schema/ids.hpp"
#include "schema/validation.hpp"
#include "security/crypto.hpp"

namespace chat::auth_handlers {
namespace {

caf::error no_such_session() {
  return make_chat_error(errc::not_found, "no such session");
}

/// Login, once the password is checked: opens a session and answers its tokens.
void open_session(auth_actor self, promise<token_grant> rp, bool authentic,
                  const std::string& user_id, std::string user_agent) {
  auto& st = self->state;
  user_record current;
  if (!authentic || st.store->user(user_id, &current) != errc::ok) {
    rp.deliver(auth_errors::bad_credentials());
    return;
  }
  // Told only to whoever knows the password.
  if (current.blocked) {
    rp.deliver(make_chat_error(errc::forbidden, "this account is blocked"));
    return;
  }
  auto now = now_ms();
  auto shard = *shard_of_id(user_id, id_kind::user, st.cfg.shards);
  session_record s{make_id(id_kind::session, shard), user_id, now, now, std::move(user_agent),
                   security::random_bytes(16), 0};
  storage::write_batch batch;
  st.store->put_session(batch, s);
  st.commit(std::move(batch), [self, rp, current, s](errc rc) mutable {
    if (rc != errc::ok)
      rp.deliver(auth_errors::storage_failed(rc));
    else
      rp.deliver(self->state.grant(current, s));
  });
}

/// A genuine refresh token that was already rotated away: someone replayed
/// it. The session ends before the answer, so neither holder keeps it.
caf::result<token_grant> end_replayed(auth_actor self, const session_record& s) {
  auto& st = self->state;
  log::warn("auth", "refresh token reuse; session terminated", {{"session", s.id}});
  auto rp = self->make_response_promise<token_grant>();
  storage::write_batch batch;
  st.end_session(batch, s);
  st.commit(std::move(batch), [rp](errc) mutable {
    rp.deliver(make_chat_error(errc::unauthorized,
                               "refresh token already used; the session was terminated"));
  });
  return rp;
}

} // namespace

caf::result<token_grant> login(auth_actor self, std::string username, std::string password,
                               std::string user_agent) {
  auto& st = self->state;
  std::string user_id;
  user_record user;
  bool known = validate::username(username)
               && st.store->user_id_by_name(username, &user_id) == errc::ok
               && st.store->user(user_id, &user) == errc::ok && !user.password_hash.empty();
  // Unknown users are checked against a dummy hash so the answer takes as
  // long as for a wrong password.
  auto encoded = known ? user.password_hash : st.cfg.dummy_hash;
  auto rp = self->make_response_promise<token_grant>();
  bool queued = st.verify(std::move(encoded), std::move(password),
                          [self, rp, known, user_id, user_agent](bool match) {
                            open_session(self, rp, known && match, user_id, user_agent);
                          });
  if (!queued)
    rp.deliver(auth_errors::busy());
  return rp;
}

caf::result<token_grant> refresh(auth_actor self, const std::string& token) {
  auto& st = self->state;
  auto invalid = make_chat_error(errc::unauthorized, "invalid refresh token");
  auto parts = parse_refresh_token(token);
  session_record s;
  if (!parts || st.store->session(parts->session_id, &s) != errc::ok
      || !refresh_token_authentic(st.cfg.refresh_key, s, *parts)
      || parts->generation > s.refresh_generation)
    return invalid;
  if (parts->generation < s.refresh_generation)
    return end_replayed(self, s);
  user_record u;
  if (st.store->user(s.user_id, &u) != errc::ok || u.blocked)
    return invalid;
  s.refresh_generation += 1;
  s.last_seen = now_ms();
  storage::write_batch batch;
  st.store->put_session(batch, s);
  auto rp = self->make_response_promise<token_grant>();
  st.commit(std::move(batch), [self, rp, u, s](errc rc) mutable {
    if (rc != errc::ok)
      rp.deliver(auth_errors::storage_failed(rc));
    else
      rp.deliver(self->state.grant(u, s));
  });
  return rp;
}

caf::result<principal> authn(auth_actor self, const principal& who) {
  session_record s;
  if (auto err = self->state.live_session(who, &s))
    return err;
  self->state.touch(s);
  return who;
}

caf::result<done_atom> logout(auth_actor self, const principal& who) {
  auto& st = self->state;
  session_record s;
  if (auto err = st.live_session(who, &s))
    return err;
  storage::write_batch batch;
  st.end_session(batch, s);
  auto rp = self->make_response_promise<done_atom>();
  st.commit_and_answer(std::move(batch), rp, done_atom::value);
  return rp;
}

caf::result<session_list> list_sessions(auth_actor self, const principal& who) {
  auto& st = self->state;
  session_record mine;
  if (auto err = st.live_session(who, &mine))
    return err;
  std::vector<std::string> ids;
  if (st.store->session_ids_of(who.user_id, &ids) != errc::ok)
    return auth_errors::storage_failed();
  session_list out;
  for (const auto& sid : ids) {
    session_record s;
    if (st.store->session(sid, &s) == errc::ok)
      out.push_back({s.id, s.created_at, st.last_seen(s), s.user_agent, s.id == who.session_id});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
  return out;
}

caf::result<done_atom> end_session(auth_actor self, const principal& who,
                                   const std::string& session_id) {
  auto& st = self->state;
  session_record mine;
  if (auto err = st.live_session(who, &mine))
    return err;
  session_record target;
  if (st.store->session(session_id, &target) != errc::ok || target.user_id != who.user_id)
    return no_such_session();
  storage::write_batch batch;
  st.end_session(batch, target);
  auto rp = self->make_response_promise<done_atom>();
  st.commit_and_answer(std::move(batch), rp, done_atom::value);
  return rp;
}

} // namespace chat::auth_handlers
