#include "actors/auth/auth_authority.hpp"

#include <boost/json/serialize.hpp>
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/auth/auth_client.hpp"
#include "actors/auth/auth_store.hpp"
#include "actors/auth/refresh_token.hpp"
#include "actors/continuations.hpp"
#include "actors/errors.hpp"
#include "log/log.hpp"
#include "schema/clock.hpp"
#include "schema/ids.hpp"
#include "schema/validation.hpp"
#include "security/crypto.hpp"
#include "security/jwt.hpp"
#include "security/password_hasher.hpp"

namespace chat {
namespace {

constexpr std::int64_t last_seen_write_interval_ms = 60'000;
const std::string bad_credentials = "invalid username or password";
const std::string session_gone = "the session has ended; log in again";

struct ticket_entry {
  principal who;
  std::int64_t expires_at = 0; // ms
};

user_view view_of(const user_record& u) {
  return {u.id, u.username, u.display_name, u.created_at};
}

struct auth_state {
  static inline const char* name = "auth";

  auth_settings cfg;
  std::unique_ptr<auth_store> store;
  continuations pending;
  std::size_t commits_in_flight = 0;
  std::unordered_map<std::string, ticket_entry> tickets;
  std::unordered_map<std::string, std::int64_t> seen; // session id → last use (ms)
  caf::stateful_actor<auth_state>* self = nullptr;

  caf::actor me() const { return caf::actor_cast<caf::actor>(self); }

  /// Queues a batch for group commit; `then` runs in the actor once durable.
  void commit(storage::write_batch batch, std::function<void(errc)> then) {
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
    cfg.db->commit(std::move(batch), std::move(complete));
  }

  /// Commits, then answers `value`, or a storage error if the write failed.
  template <class T>
  void commit_and_answer(storage::write_batch batch, caf::typed_response_promise<T> rp, T value) {
    commit(std::move(batch), [rp, value = std::move(value)](errc rc) mutable {
      if (rc != errc::ok)
        rp.deliver(storage_failed());
      else
        rp.deliver(std::move(value));
    });
  }

  /// Hashes on the password pool; false when its queue is full. `then` gets
  /// an empty string when hashing failed (out of memory).
  bool hash(std::string password, std::function<void(std::string)> then) {
    auto [id, complete] = pending.add<std::string>(me(), std::move(then));
    if (cfg.hasher->submit_hash(std::move(password), std::move(complete)))
      return true;
    pending.cancel(id);
    return false;
  }

  bool verify(std::string encoded, std::string password, std::function<void(bool)> then) {
    auto [id, complete] = pending.add<bool>(me(), std::move(then));
    if (cfg.hasher->submit_verify(std::move(encoded), std::move(password), std::move(complete)))
      return true;
    pending.cancel(id);
    return false;
  }

  static caf::error busy() {
    return make_chat_error(errc::unavailable, "too many password checks in progress; try again");
  }

  static caf::error hashing_failed() {
    return make_chat_error(errc::unavailable, "the password could not be processed; try again");
  }

  static caf::error storage_failed() {
    return make_chat_error(errc::internal, "the change could not be stored");
  }

  token_grant grant(const user_record& u, const session_record& s) const {
    auto now_s = now_ms() / 1000;
    security::jwt_claims claims{u.id, s.id, now_s, now_s + cfg.access_token_ttl};
    return {security::jwt_sign(claims, cfg.jwt_key), cfg.access_token_ttl,
            make_refresh_token(cfg.refresh_key, s), s.id, view_of(u)};
  }

  /// The live session `who` names, or an error for the caller.
  caf::error live_session(const principal& who, session_record* out) {
    auto rc = store->session(who.session_id, out);
    if (rc == errc::internal)
      return storage_failed();
    if (rc != errc::ok || out->user_id != who.user_id)
      return make_chat_error(errc::unauthorized, session_gone);
    return {};
  }

  /// Adds the end of a session to `batch`. Its connections are told to close
  /// (4001) at once: the session is dead for the authority from this moment.
  void end_session(storage::write_batch& batch, const session_record& s) {
    store->delete_session(batch, s);
    if (cfg.directory)
      self->send(cfg.directory, notify_atom::value, s.user_id,
                 caf::make_message(ended_atom::value, s.id));
    seen.erase(s.id);
    for (auto it = tickets.begin(); it != tickets.end();)
      it = it->second.who.session_id == s.id ? tickets.erase(it) : std::next(it);
  }

  /// Ends every session of a user except `keep`.
  errc end_sessions_of(storage::write_batch& batch, const std::string& user_id,
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

  void sweep_tickets() {
    auto now = now_ms();
    for (auto it = tickets.begin(); it != tickets.end();)
      it = it->second.expires_at <= now ? tickets.erase(it) : std::next(it);
  }

  void touch(session_record s) {
    auto now = now_ms();
    seen[s.id] = now;
    if (now - s.last_seen < last_seen_write_interval_ms)
      return;
    s.last_seen = now;
    storage::write_batch batch;
    store->put_session(batch, s);
    commit(std::move(batch), [](errc) {});
  }
};

using auth_actor = caf::stateful_actor<auth_state>;

template <class T>
using promise = caf::typed_response_promise<T>;

caf::behavior auth_authority(auth_actor* self, auth_settings cfg) {
  auto& st = self->state;
  st.self = self;
  st.cfg = std::move(cfg);
  st.store = std::make_unique<auth_store>(*st.cfg.db);
  self->delayed_send(self, std::chrono::seconds(st.cfg.ticket_ttl), sweep_atom::value);
  return {
    [self](resume_atom, std::uint64_t id) { self->state.pending.resume(id); },
    [self](sweep_atom) {
      self->state.sweep_tickets();
      self->delayed_send(self, std::chrono::seconds(self->state.cfg.ticket_ttl),
                         sweep_atom::value);
    },

    [self](register_atom, std::string username, std::string password,
           std::string display_name) -> promise<user_view> {
      auto& st = self->state;
      auto rp = self->make_response_promise<user_view>();
      if (!validate::username(username)) {
        rp.deliver(make_chat_error(errc::bad_request,
                                   "username must be 3-32 characters of a-z, 0-9, '_', '.', '-'"));
        return rp;
      }
      if (!validate::password(password)) {
        rp.deliver(make_chat_error(errc::bad_request, "password must be 8-256 bytes"));
        return rp;
      }
      if (display_name.empty())
        display_name = username;
      if (!validate::display_name(display_name)) {
        rp.deliver(make_chat_error(errc::bad_request,
                                   "display_name must be 1-64 bytes of UTF-8 text"));
        return rp;
      }
      std::string existing;
      auto rc = st.store->user_id_by_name(username, &existing);
      if (rc == errc::ok) {
        rp.deliver(make_chat_error(errc::conflict, "that username is taken"));
        return rp;
      }
      if (rc != errc::not_found) {
        rp.deliver(auth_state::storage_failed());
        return rp;
      }
      user_record user{make_id(id_kind::user, shard_of_key(username, st.cfg.shards)), username,
                       display_name, {}, now_ms()};
      // Reserve the name now: the hash takes a while and a second request for
      // the same name must see it taken.
      storage::write_batch none;
      st.store->put_user(none, user);
      bool queued = st.hash(std::move(password), [self, rp, user](std::string hash) mutable {
        auto& st = self->state;
        if (hash.empty()) {
          storage::write_batch none;
          st.store->delete_user(none, user); // release the reserved name
          rp.deliver(auth_state::hashing_failed());
          return;
        }
        user.password_hash = std::move(hash);
        storage::write_batch batch;
        st.store->put_user(batch, user);
        st.commit(std::move(batch), [rp, user](errc rc) mutable {
          if (rc != errc::ok)
            rp.deliver(auth_state::storage_failed());
          else
            rp.deliver(view_of(user));
        });
      });
      if (!queued) {
        st.store->delete_user(none, user);
        rp.deliver(auth_state::busy());
      }
      return rp;
    },

    [self](login_atom, std::string username, std::string password,
           std::string user_agent) -> promise<token_grant> {
      auto& st = self->state;
      auto rp = self->make_response_promise<token_grant>();
      std::string user_id;
      user_record user;
      bool known = validate::username(username)
                   && st.store->user_id_by_name(username, &user_id) == errc::ok
                   && st.store->user(user_id, &user) == errc::ok && !user.password_hash.empty();
      // Unknown users are checked against a dummy hash so the answer takes as
      // long as for a wrong password.
      auto hash = known ? user.password_hash : st.cfg.dummy_hash;
      bool queued = st.verify(hash, std::move(password), [self, rp, known, user_id,
                                                          user_agent](bool match) mutable {
        auto& st = self->state;
        user_record current;
        if (!known || !match || st.store->user(user_id, &current) != errc::ok) {
          rp.deliver(make_chat_error(errc::unauthorized, bad_credentials));
          return;
        }
        auto now = now_ms();
        session_record s{make_id(id_kind::session, *shard_of_id(user_id, id_kind::user,
                                                                st.cfg.shards)),
                         user_id, now, now, std::move(user_agent), security::random_bytes(16), 0};
        storage::write_batch batch;
        st.store->put_session(batch, s);
        st.commit(std::move(batch), [self, rp, current, s](errc rc) mutable {
          if (rc != errc::ok)
            rp.deliver(auth_state::storage_failed());
          else
            rp.deliver(self->state.grant(current, s));
        });
      });
      if (!queued)
        rp.deliver(auth_state::busy());
      return rp;
    },

    [self](refresh_atom, const std::string& token) -> promise<token_grant> {
      auto& st = self->state;
      auto rp = self->make_response_promise<token_grant>();
      auto invalid = make_chat_error(errc::unauthorized, "invalid refresh token");
      auto parts = parse_refresh_token(token);
      session_record s;
      user_record u;
      if (!parts || st.store->session(parts->session_id, &s) != errc::ok
          || !refresh_token_authentic(st.cfg.refresh_key, s, *parts)
          || parts->generation > s.refresh_generation) {
        rp.deliver(invalid);
        return rp;
      }
      storage::write_batch batch;
      if (parts->generation < s.refresh_generation) {
        // A genuine token that was already rotated away: someone replayed it.
        // End the session before answering, so neither holder keeps it.
        log::warn("auth", "refresh token reuse; session terminated", {{"session", s.id}});
        st.end_session(batch, s);
        st.commit(std::move(batch), [rp](errc) mutable {
          rp.deliver(make_chat_error(errc::unauthorized,
                                     "refresh token already used; the session was terminated"));
        });
        return rp;
      }
      if (st.store->user(s.user_id, &u) != errc::ok) {
        rp.deliver(invalid);
        return rp;
      }
      s.refresh_generation += 1;
      s.last_seen = now_ms();
      st.store->put_session(batch, s);
      st.commit(std::move(batch), [self, rp, u, s](errc rc) mutable {
        if (rc != errc::ok)
          rp.deliver(auth_state::storage_failed());
        else
          rp.deliver(self->state.grant(u, s));
      });
      return rp;
    },

    [self](authn_atom, const principal& who) -> promise<principal> {
      auto& st = self->state;
      auto rp = self->make_response_promise<principal>();
      session_record s;
      if (auto err = st.live_session(who, &s)) {
        rp.deliver(err);
        return rp;
      }
      st.touch(s);
      rp.deliver(who);
      return rp;
    },

    [self](logout_atom, const principal& who) -> promise<done_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<done_atom>();
      session_record s;
      if (auto err = st.live_session(who, &s)) {
        rp.deliver(err);
        return rp;
      }
      storage::write_batch batch;
      st.end_session(batch, s);
      st.commit_and_answer(std::move(batch), rp, done_atom::value);
      return rp;
    },

    [self](sessions_atom, const principal& who) -> promise<session_list> {
      auto& st = self->state;
      auto rp = self->make_response_promise<session_list>();
      session_record mine;
      if (auto err = st.live_session(who, &mine)) {
        rp.deliver(err);
        return rp;
      }
      std::vector<std::string> ids;
      if (st.store->session_ids_of(who.user_id, &ids) != errc::ok) {
        rp.deliver(auth_state::storage_failed());
        return rp;
      }
      session_list out;
      for (const auto& sid : ids) {
        session_record s;
        if (st.store->session(sid, &s) != errc::ok)
          continue;
        auto last = s.last_seen;
        if (auto it = st.seen.find(sid); it != st.seen.end())
          last = std::max(last, it->second);
        out.push_back({s.id, s.created_at, last, s.user_agent, s.id == who.session_id});
      }
      std::sort(out.begin(), out.end(),
                [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
      rp.deliver(std::move(out));
      return rp;
    },

    [self](end_sess_atom, const principal& who, const std::string& session_id)
      -> promise<done_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<done_atom>();
      session_record mine;
      if (auto err = st.live_session(who, &mine)) {
        rp.deliver(err);
        return rp;
      }
      session_record target;
      if (st.store->session(session_id, &target) != errc::ok || target.user_id != who.user_id) {
        rp.deliver(make_chat_error(errc::not_found, "no such session"));
        return rp;
      }
      storage::write_batch batch;
      st.end_session(batch, target);
      st.commit_and_answer(std::move(batch), rp, done_atom::value);
      return rp;
    },

    // The admin shell (chatctl, already authenticated by the cluster port):
    // "session" SID and "sessions" USER_ID describe, "revoke" SID ends one.
    [self](admin_atom, const std::string& what, const std::string& arg) -> promise<std::string> {
      auto& st = self->state;
      auto rp = self->make_response_promise<std::string>();
      auto describe = [&st](const session_record& s) {
        auto last = s.last_seen;
        if (auto it = st.seen.find(s.id); it != st.seen.end())
          last = std::max(last, it->second);
        return boost::json::object{{"id", s.id},
                                   {"user", s.user_id},
                                   {"created_at", s.created_at},
                                   {"last_seen", last},
                                   {"user_agent", s.user_agent.empty()
                                                    ? boost::json::value(nullptr)
                                                    : boost::json::value(s.user_agent)}};
      };
      if (what == "sessions") {
        std::vector<std::string> ids;
        if (st.store->session_ids_of(arg, &ids) != errc::ok) {
          rp.deliver(auth_state::storage_failed());
          return rp;
        }
        boost::json::array out;
        for (const auto& sid : ids) {
          session_record s;
          if (st.store->session(sid, &s) == errc::ok)
            out.push_back(describe(s));
        }
        rp.deliver(boost::json::serialize(out));
        return rp;
      }
      session_record s;
      if (st.store->session(arg, &s) != errc::ok) {
        rp.deliver(make_chat_error(errc::not_found, "no such session"));
        return rp;
      }
      if (what == "session") {
        rp.deliver(boost::json::serialize(describe(s)));
      } else if (what == "revoke") {
        log::info("auth", "session revoked by an admin", {{"session", s.id}});
        storage::write_batch batch;
        st.end_session(batch, s);
        st.commit_and_answer(std::move(batch), rp, boost::json::serialize(describe(s)));
      } else {
        rp.deliver(make_chat_error(errc::bad_request, "unknown admin request"));
      }
      return rp;
    },

    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },

    [self](get_me_atom, const principal& who) -> promise<user_view> {
      auto& st = self->state;
      auto rp = self->make_response_promise<user_view>();
      user_record u;
      if (st.store->user(who.user_id, &u) != errc::ok)
        rp.deliver(make_chat_error(errc::unauthorized, session_gone));
      else
        rp.deliver(view_of(u));
      return rp;
    },

    [self](update_me_atom, const principal& who, profile_update change) -> promise<user_view> {
      auto& st = self->state;
      auto rp = self->make_response_promise<user_view>();
      user_record u;
      session_record mine;
      if (auto err = st.live_session(who, &mine)) {
        rp.deliver(err);
        return rp;
      }
      if (st.store->user(who.user_id, &u) != errc::ok) {
        rp.deliver(make_chat_error(errc::unauthorized, session_gone));
        return rp;
      }
      if (change.set_display_name && !validate::display_name(change.display_name)) {
        rp.deliver(make_chat_error(errc::bad_request,
                                   "display_name must be 1-64 bytes of UTF-8 text"));
        return rp;
      }
      if (change.set_password && !validate::password(change.new_password)) {
        rp.deliver(make_chat_error(errc::bad_request, "the new password must be 8-256 bytes"));
        return rp;
      }
      if (change.set_display_name)
        u.display_name = change.display_name;
      if (!change.set_password) {
        storage::write_batch batch;
        st.store->put_user(batch, u);
        st.commit_and_answer(std::move(batch), rp, view_of(u));
        return rp;
      }
      auto on_verified = [self, rp, who, u, change](bool match) mutable {
        auto& st = self->state;
        if (!match) {
          rp.deliver(make_chat_error(errc::forbidden, "the current password is wrong"));
          return;
        }
        bool queued = st.hash(change.new_password, [self, rp, who, u](std::string hash) mutable {
          auto& st = self->state;
          if (hash.empty()) {
            rp.deliver(auth_state::hashing_failed());
            return;
          }
          u.password_hash = std::move(hash);
          storage::write_batch batch;
          st.store->put_user(batch, u);
          // A new password ends every other session of the user.
          if (st.end_sessions_of(batch, u.id, who.session_id) != errc::ok) {
            rp.deliver(auth_state::storage_failed());
            return;
          }
          st.commit_and_answer(std::move(batch), rp, view_of(u));
        });
        if (!queued)
          rp.deliver(auth_state::busy());
      };
      if (!st.verify(u.password_hash, change.old_password, std::move(on_verified)))
        rp.deliver(auth_state::busy());
      return rp;
    },

    [self](delete_me_atom, const principal& who, std::string password) -> promise<done_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<done_atom>();
      session_record mine;
      user_record u;
      if (auto err = st.live_session(who, &mine)) {
        rp.deliver(err);
        return rp;
      }
      if (st.store->user(who.user_id, &u) != errc::ok) {
        rp.deliver(make_chat_error(errc::unauthorized, session_gone));
        return rp;
      }
      bool queued = st.verify(u.password_hash, std::move(password), [self, rp, u](bool match) mutable {
        auto& st = self->state;
        user_record current;
        if (!match || st.store->user(u.id, &current) != errc::ok) {
          rp.deliver(make_chat_error(errc::forbidden, "the password is wrong"));
          return;
        }
        storage::write_batch batch;
        if (st.end_sessions_of(batch, u.id, {}) != errc::ok) {
          rp.deliver(auth_state::storage_failed());
          return;
        }
        st.store->delete_user(batch, current);
        st.commit_and_answer(std::move(batch), rp, done_atom::value);
      });
      if (!queued)
        rp.deliver(auth_state::busy());
      return rp;
    },

    [self](get_user_atom, const std::string& user_id) -> promise<user_view> {
      auto rp = self->make_response_promise<user_view>();
      user_record u;
      if (self->state.store->user(user_id, &u) != errc::ok || u.password_hash.empty())
        rp.deliver(make_chat_error(errc::not_found, "no such user"));
      else
        rp.deliver(view_of(u));
      return rp;
    },

    [self](find_user_atom, const std::string& username) -> promise<user_view> {
      auto& st = self->state;
      auto rp = self->make_response_promise<user_view>();
      std::string id;
      user_record u;
      if (st.store->user_id_by_name(username, &id) != errc::ok
          || st.store->user(id, &u) != errc::ok || u.password_hash.empty())
        rp.deliver(make_chat_error(errc::not_found, "no such user"));
      else
        rp.deliver(view_of(u));
      return rp;
    },

    [self](ticket_atom, const principal& who) -> promise<ws_ticket> {
      auto& st = self->state;
      auto rp = self->make_response_promise<ws_ticket>();
      session_record s;
      if (auto err = st.live_session(who, &s)) {
        rp.deliver(err);
        return rp;
      }
      // The ticket names the session's shard (the id's 4 hex digits after the
      // prefix) so any node can route a redeem to this authority.
      auto ticket = "t" + who.session_id.substr(2, 4) + security::random_token(24);
      st.tickets[ticket] = {who, now_ms() + st.cfg.ticket_ttl * 1000};
      rp.deliver(ws_ticket{ticket, st.cfg.ticket_ttl});
      return rp;
    },

    [self](redeem_atom, const std::string& ticket) -> promise<principal> {
      auto& st = self->state;
      auto rp = self->make_response_promise<principal>();
      auto it = st.tickets.find(ticket);
      if (it == st.tickets.end() || it->second.expires_at <= now_ms()) {
        rp.deliver(make_chat_error(errc::unauthorized, "unknown, used or expired ticket"));
        return rp;
      }
      auto who = it->second.who;
      st.tickets.erase(it);
      rp.deliver(who);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_auth_authority(caf::actor_system& sys, auth_settings settings) {
  return sys.spawn(auth_authority, std::move(settings));
}

} // namespace chat
