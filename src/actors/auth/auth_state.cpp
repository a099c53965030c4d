#include "actors/auth/auth_state.hpp"

#include <caf/all.hpp>

#include "actors/auth/refresh_token.hpp"
#include "actors/rpc/errors.hpp"
#include "log/log.hpp"
#include "schema/clock.hpp"
#include "security/jwt.hpp"
#include "security/password_hasher.hpp"
#include "storage/database.hpp"

namespace chat {

namespace {
constexpr std::int64_t last_seen_write_interval_ms = 60'000;
} // namespace

namespace auth_errors {

caf::error busy() {
  return make_chat_error(errc::unavailable, "too many password checks in progress; try again");
}

caf::error hashing_failed() {
  return make_chat_error(errc::unavailable, "the password could not be processed; try again");
}

caf::error storage_failed(errc rc) {
  return write_failed(rc);
}

caf::error session_gone() {
  return make_chat_error(errc::unauthorized, "the session has ended; log in again");
}

caf::error bad_credentials() {
  return make_chat_error(errc::unauthorized, "invalid username or password");
}

} // namespace auth_errors

user_view view_of(const user_record& u) {
  return {u.id, u.username, u.display_name, u.created_at};
}

void auth_state::init(auth_actor actor, auth_settings settings) {
  self = actor;
  cfg = std::move(settings);
  store = std::make_unique<auth_store>(cfg.db);
}

caf::actor auth_state::me() const {
  return caf::actor_cast<caf::actor>(self);
}

void auth_state::commit(storage::write_batch batch, std::function<void(errc)> then) {
  ++commits_in_flight;
  auto [id, complete] = pending.add<errc>(me(), [this, then = std::move(then)](errc rc) {
    --commits_in_flight;
    if (rc != errc::ok) {
      log::error("auth", "commit failed", {{"code", code_name(rc)}});
      store->forget_cache();
    }
    then(rc);
    store->trim_cache(commits_in_flight);
  });
  cfg.db.commit(std::move(batch), std::move(complete));
}

bool auth_state::hash(std::string password, std::function<void(std::string)> then) {
  auto [id, complete] = pending.add<std::string>(me(), std::move(then));
  if (cfg.hasher->submit_hash(std::move(password), std::move(complete)))
    return true;
  pending.cancel(id);
  return false;
}

bool auth_state::verify(std::string encoded, std::string password,
                        std::function<void(bool)> then) {
  auto [id, complete] = pending.add<bool>(me(), std::move(then));
  if (cfg.hasher->submit_verify(std::move(encoded), std::move(password), std::move(complete)))
    return true;
  pending.cancel(id);
  return false;
}

token_grant auth_state::grant(const user_record& u, const session_record& s) const {
  auto now_s = now_ms() / 1000;
  security::jwt_claims claims{u.id, s.id, now_s, now_s + cfg.access_token_ttl};
  return {security::jwt_sign(claims, cfg.jwt_key), cfg.access_token_ttl,
          make_refresh_token(cfg.refresh_key, s), s.id, view_of(u)};
}

caf::error auth_state::live_session(const principal& who, session_record* out) {
  auto rc = store->session(who.session_id, out);
  if (rc == errc::internal)
    return auth_errors::storage_failed();
  if (rc != errc::ok || out->user_id != who.user_id)
    return auth_errors::session_gone();
  return {};
}

caf::error auth_state::live_user(const principal& who, user_record* out) {
  session_record mine;
  if (auto err = live_session(who, &mine))
    return err;
  if (store->user(who.user_id, out) != errc::ok)
    return auth_errors::session_gone();
  return {};
}

void auth_state::end_session(storage::write_batch& batch, const session_record& s) {
  store->delete_session(batch, s);
  if (cfg.directory)
    self->send(cfg.directory, ended_atom::value, s.user_id, s.id);
  seen.erase(s.id);
  if (tickets_per_session_.count(s.id))
    for (auto it = tickets.begin(); it != tickets.end();)
      it = it->second.who.session_id == s.id ? drop_ticket(it) : std::next(it);
}

errc auth_state::end_sessions_of(storage::write_batch& batch, const std::string& user_id,
                                 const std::string& keep) {
  std::vector<std::string> ids;
  if (auto rc = store->session_ids_of(user_id, &ids); rc != errc::ok)
    return rc;
  for (const auto& sid : ids) {
    session_record s;
    if (sid != keep && store->session(sid, &s) == errc::ok)
      end_session(batch, s);
  }
  return errc::ok;
}

std::int64_t auth_state::last_seen(const session_record& s) const {
  auto last = s.last_seen;
  if (auto it = seen.find(s.id); it != seen.end())
    last = std::max(last, it->second);
  return last;
}

void auth_state::touch(session_record s) {
  auto now = now_ms();
  seen[s.id] = now;
  if (now - s.last_seen < last_seen_write_interval_ms)
    return;
  s.last_seen = now;
  storage::write_batch batch;
  store->put_session(batch, s);
  commit(std::move(batch), [](errc) {});
}

} // namespace chat

namespace chat {

std::size_t auth_state::tickets_of(const std::string& session_id) const {
  auto it = tickets_per_session_.find(session_id);
  return it == tickets_per_session_.end() ? 0 : it->second;
}

void auth_state::add_ticket(const std::string& ticket, ticket_entry entry) {
  auto sid = entry.who.session_id;
  if (tickets.emplace(ticket, std::move(entry)).second)
    ++tickets_per_session_[sid];
}

auth_state::ticket_map::iterator auth_state::drop_ticket(ticket_map::iterator it) {
  auto count = tickets_per_session_.find(it->second.who.session_id);
  if (count != tickets_per_session_.end() && --count->second == 0)
    tickets_per_session_.erase(count);
  return tickets.erase(it);
}

} // namespace chat
