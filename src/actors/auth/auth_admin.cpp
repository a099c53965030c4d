// The admin shell (chatctl, already authenticated by the cluster port): a
// user's sessions, one session, and revoking one, as plain structs.
#include <caf/all.hpp>

#include "actors/auth/auth_handlers.hpp"
#include "actors/rpc/errors.hpp"
#include "log/log.hpp"

namespace chat::auth_handlers {
namespace {

auth_session_info describe(const auth_state& st, const session_record& s) {
  return {s.id, s.user_id, s.created_at, st.last_seen(s), s.user_agent};
}

caf::error no_such_session() {
  return make_chat_error(errc::not_found, "no such session");
}

} // namespace

caf::result<std::vector<auth_session_info>> admin_sessions(auth_actor self,
                                                           const std::string& user_id) {
  auto& st = self->state;
  std::vector<std::string> ids;
  if (st.store->session_ids_of(user_id, &ids) != errc::ok)
    return auth_errors::storage_failed();
  std::vector<auth_session_info> out;
  for (const auto& sid : ids) {
    session_record s;
    if (st.store->session(sid, &s) == errc::ok)
      out.push_back(describe(st, s));
  }
  return out;
}

caf::result<auth_session_info> admin_inspect(auth_actor self, const std::string& session_id) {
  auto& st = self->state;
  session_record s;
  if (st.store->session(session_id, &s) != errc::ok)
    return no_such_session();
  return describe(st, s);
}

caf::result<auth_session_info> admin_revoke(auth_actor self, const std::string& session_id) {
  auto& st = self->state;
  session_record s;
  if (st.store->session(session_id, &s) != errc::ok)
    return no_such_session();
  log::info("auth", "session revoked by an admin", {{"session", s.id}});
  auto info = describe(st, s);
  storage::write_batch batch;
  st.end_session(batch, s);
  auto rp = self->make_response_promise<auth_session_info>();
  st.commit_and_answer(std::move(batch), rp, std::move(info));
  return rp;
}

caf::result<std::uint64_t> admin_block_user(auth_actor self, const std::string& user_id,
                                            bool on) {
  auto& st = self->state;
  user_record u;
  if (auto rc = st.store->user(user_id, &u); rc != errc::ok)
    return rc == errc::not_found ? make_chat_error(errc::not_found, "no such user")
                                 : auth_errors::storage_failed();
  std::vector<std::string> sessions;
  if (on && st.store->session_ids_of(user_id, &sessions) != errc::ok)
    return auth_errors::storage_failed();
  log::info("auth", on ? "user blocked by an admin" : "user unblocked by an admin",
            {{"user", user_id}});
  u.blocked = on;
  storage::write_batch batch;
  st.store->put_user(batch, u, u.username);
  // Ending the sessions closes their sockets on every node at once, and
  // their tokens stop working (authn finds no live session).
  if (on && st.end_sessions_of(batch, user_id, {}) != errc::ok)
    return auth_errors::storage_failed();
  auto rp = self->make_response_promise<std::uint64_t>();
  st.commit_and_answer(std::move(batch), rp, static_cast<std::uint64_t>(sessions.size()));
  return rp;
}

} // namespace chat::auth_handlers
