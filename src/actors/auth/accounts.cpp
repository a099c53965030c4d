// Users: registering, reading, changing and deleting an account.
#include <caf/all.hpp>

#include "actors/auth/auth_handlers.hpp"
#include "actors/rpc/errors.hpp"
#include "schema/clock.hpp"
#include "schema/ids.hpp"
#include "schema/validation.hpp"

namespace chat::auth_handlers {
namespace {

caf::error bad_request(std::string why) {
  return make_chat_error(errc::bad_request, std::move(why));
}

caf::error no_such_user() {
  return make_chat_error(errc::not_found, "no such user");
}

/// Why `username` cannot be registered now, if it cannot: it is stored, or
/// another registration of it is under way.
caf::error name_unavailable(auth_state& st, const std::string& username) {
  if (st.registering.count(username) > 0)
    return make_chat_error(errc::conflict, "that username is taken");
  std::string existing;
  auto rc = st.store->user_id_by_name(username, &existing);
  if (rc == errc::ok)
    return make_chat_error(errc::conflict, "that username is taken");
  if (rc != errc::not_found)
    return auth_errors::storage_failed();
  return {};
}

/// Registration, once the password is hashed: writes the user. The name is
/// released when the write is decided (stored names are found in storage).
void store_new_user(auth_actor self, promise<user_view> rp, user_record user, std::string hash) {
  auto& st = self->state;
  if (hash.empty()) {
    st.registering.erase(user.username);
    rp.deliver(auth_errors::hashing_failed());
    return;
  }
  user.password_hash = std::move(hash);
  storage::write_batch batch;
  st.store->put_user(batch, user);
  st.commit(std::move(batch), [self, rp, user](errc rc) mutable {
    self->state.registering.erase(user.username);
    if (rc != errc::ok)
      rp.deliver(auth_errors::storage_failed(rc));
    else
      rp.deliver(view_of(user));
  });
}

/// A password change, once the new password is hashed: stores it and ends
/// every other session of the user.
void store_new_password(auth_actor self, promise<user_view> rp, const principal& who,
                        user_record u, std::string hash) {
  auto& st = self->state;
  if (hash.empty()) {
    rp.deliver(auth_errors::hashing_failed());
    return;
  }
  u.password_hash = std::move(hash);
  storage::write_batch batch;
  st.store->put_user(batch, u);
  if (st.end_sessions_of(batch, u.id, who.session_id) != errc::ok) {
    rp.deliver(auth_errors::storage_failed());
    return;
  }
  st.commit_and_answer(std::move(batch), rp, view_of(u));
}

/// A password change, once the current password is checked: hashes the new one.
void change_password(auth_actor self, promise<user_view> rp, principal who, user_record u,
                     std::string new_password, bool match) {
  if (!match) {
    rp.deliver(make_chat_error(errc::forbidden, "the current password is wrong"));
    return;
  }
  bool queued = self->state.hash(std::move(new_password),
                                 [self, rp, who, u](std::string hash) mutable {
                                   store_new_password(self, rp, who, std::move(u),
                                                      std::move(hash));
                                 });
  if (!queued)
    rp.deliver(auth_errors::busy());
}

/// Account deletion, once the password is checked: ends every session and
/// deletes the user, which frees the name.
void delete_account(auth_actor self, promise<done_atom> rp, const user_record& u, bool match) {
  auto& st = self->state;
  user_record current;
  if (!match || st.store->user(u.id, &current) != errc::ok) {
    rp.deliver(make_chat_error(errc::forbidden, "the password is wrong"));
    return;
  }
  storage::write_batch batch;
  if (st.end_sessions_of(batch, u.id, {}) != errc::ok) {
    rp.deliver(auth_errors::storage_failed());
    return;
  }
  st.store->delete_user(batch, current);
  st.commit_and_answer(std::move(batch), rp, done_atom::value);
}

} // namespace

caf::result<user_view> register_user(auth_actor self, std::string username, std::string password,
                                     std::string display_name) {
  auto& st = self->state;
  if (!validate::username(username))
    return bad_request("username must be 3-32 characters of a-z, 0-9, '_', '.', '-'");
  if (!validate::password(password))
    return bad_request("password must be 8-256 bytes");
  if (display_name.empty())
    display_name = username;
  if (!validate::display_name(display_name))
    return bad_request("display_name must be 1-64 bytes of UTF-8 text");
  if (auto err = name_unavailable(st, username))
    return err;
  // Taken from now on: the hash takes a while, and a second request for the
  // same name must find it taken.
  st.registering.insert(username);
  user_record user{make_id(id_kind::user, shard_of_key(username, st.cfg.shards)), username,
                   display_name, {}, now_ms()};
  auto rp = self->make_response_promise<user_view>();
  bool queued = st.hash(std::move(password), [self, rp, user](std::string hash) mutable {
    store_new_user(self, rp, std::move(user), std::move(hash));
  });
  if (!queued) {
    st.registering.erase(username);
    rp.deliver(auth_errors::busy());
  }
  return rp;
}

caf::result<user_view> get_me(auth_actor self, const principal& who) {
  user_record u;
  if (self->state.store->user(who.user_id, &u) != errc::ok)
    return auth_errors::session_gone();
  return view_of(u);
}

caf::result<user_view> update_me(auth_actor self, const principal& who, profile_update change) {
  auto& st = self->state;
  user_record u;
  if (auto err = st.live_user(who, &u))
    return err;
  if (change.set_display_name && !validate::display_name(change.display_name))
    return bad_request("display_name must be 1-64 bytes of UTF-8 text");
  if (change.set_password && !validate::password(change.new_password))
    return bad_request("the new password must be 8-256 bytes");
  if (change.set_display_name)
    u.display_name = change.display_name;
  auto rp = self->make_response_promise<user_view>();
  if (!change.set_password) {
    storage::write_batch batch;
    st.store->put_user(batch, u);
    st.commit_and_answer(std::move(batch), rp, view_of(u));
    return rp;
  }
  auto encoded = u.password_hash;
  bool queued = st.verify(std::move(encoded), std::move(change.old_password),
                          [self, rp, who, u, pw = std::move(change.new_password)](bool match) {
                            change_password(self, rp, who, u, pw, match);
                          });
  if (!queued)
    rp.deliver(auth_errors::busy());
  return rp;
}

caf::result<done_atom> delete_me(auth_actor self, const principal& who, std::string password) {
  auto& st = self->state;
  user_record u;
  if (auto err = st.live_user(who, &u))
    return err;
  auto rp = self->make_response_promise<done_atom>();
  bool queued = st.verify(u.password_hash, std::move(password),
                          [self, rp, u](bool match) { delete_account(self, rp, u, match); });
  if (!queued)
    rp.deliver(auth_errors::busy());
  return rp;
}

caf::result<user_view> get_user(auth_actor self, const std::string& user_id) {
  user_record u;
  if (self->state.store->user(user_id, &u) != errc::ok || u.password_hash.empty())
    return no_such_user();
  return view_of(u);
}

caf::result<user_view> find_user(auth_actor self, const std::string& username) {
  auto& st = self->state;
  std::string id;
  user_record u;
  if (st.store->user_id_by_name(username, &id) != errc::ok || st.store->user(id, &u) != errc::ok
      || u.password_hash.empty())
    return no_such_user();
  return view_of(u);
}

} // namespace chat::auth_handlers
