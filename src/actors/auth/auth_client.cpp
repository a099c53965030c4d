#include "actors/auth/auth_client.hpp"

#include <caf/all.hpp>

#include "actors/rpc/ask.hpp"
#include "actors/auth/auth_client_impl.hpp"
#include "actors/auth/refresh_token.hpp"
#include "schema/clock.hpp"
#include "schema/ids.hpp"
#include "schema/validation.hpp"
#include "security/jwt.hpp"

namespace chat {
namespace {

/// How long a session check may take (see authenticate()).
constexpr auto check_timeout = std::chrono::milliseconds(1500);

template <class T>
void fail(const reply<T>& done, errc code, std::string message) {
  done(outcome<T>::failure(code, std::move(message)));
}

} // namespace

auth_client::auth_client(std::shared_ptr<impl> pimpl) : pimpl_(std::move(pimpl)) {}

auth_client::~auth_client() = default;

void auth_client::register_user(std::string username, std::string password,
                                std::string display_name, reply<user_view> done) const {
  auto shard = shard_of_key(username, pimpl_->shards);
  pimpl_->ask_owner<user_view>(shard, std::move(done), register_atom::value,
                 std::move(username), std::move(password), std::move(display_name));
}

void auth_client::login(std::string username, std::string password, std::string user_agent,
                        reply<token_grant> done) const {
  auto shard = shard_of_key(username, pimpl_->shards);
  pimpl_->ask_owner<token_grant>(shard, std::move(done), login_atom::value,
                   std::move(username), std::move(password), std::move(user_agent));
}

void auth_client::refresh(std::string refresh_token, reply<token_grant> done) const {
  auto parts = parse_refresh_token(refresh_token);
  auto shard = parts ? shard_of_id(parts->session_id, id_kind::session, pimpl_->shards)
                     : std::nullopt;
  if (!shard)
    return fail(done, errc::unauthorized, "invalid refresh token");
  pimpl_->ask_owner<token_grant>(*shard, std::move(done), refresh_atom::value,
                   std::move(refresh_token));
}

void auth_client::authenticate(std::string access_token, reply<principal> done) const {
  // Signature and expiry are checked here, so forged tokens never reach an
  // actor; the owner then confirms the session is still live.
  security::jwt_error why{};
  auto claims = security::jwt_verify(access_token, pimpl_->jwt_key, now_ms() / 1000, &why);
  std::optional<std::uint32_t> shard;
  if (claims)
    shard = shard_of_id(claims->sid, id_kind::session, pimpl_->shards);
  if (!claims || !shard || !shard_of_id(claims->sub, id_kind::user, pimpl_->shards))
    return fail(done, errc::unauthorized,
                why == security::jwt_error::expired ? "the access token has expired"
                                                    : "invalid access token");
  // A live authority answers this from memory at once; a silent one gets a
  // short timeout, leaving the rest of the caller's budget for the request.
  // It only reads, so an authority that went silent (its node was stopping
  // while its group moved) or was lost with the question in flight is asked
  // once more, wherever the group is now. The retry waits for a new leader
  // only for what is left of leader_wait, so the check ends within
  // leader_wait + check_timeout.
  auto who = principal{claims->sub, claims->sid};
  auto asked_at = std::chrono::steady_clock::now();
  std::function<void(outcome<principal>)> again
    = [pimpl = pimpl_, s = *shard, who, done, asked_at](outcome<principal> r) {
        if (r.ok() || r.error.code != errc::unavailable)
          return done(std::move(r));
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - asked_at);
        auto wait = std::max(std::chrono::milliseconds(leader_wait) - spent,
                             std::chrono::milliseconds(0));
        pimpl->ask_owner_waiting<principal>(check_timeout, wait, s, done, authn_atom::value, who);
      };
  pimpl_->ask_owner_within<principal>(check_timeout, *shard, std::move(again), authn_atom::value,
                                      who);
}

namespace {

// Requests about the caller go to the owner of the caller's session shard.
std::uint32_t shard_of_principal(const principal& who, std::uint32_t shards) {
  return shard_of_id(who.session_id, id_kind::session, shards).value_or(0);
}

} // namespace

void auth_client::logout(principal who, reply<none_t> done) const {
  auto shard = shard_of_principal(who, pimpl_->shards);
  pimpl_->ask_owner<none_t>(shard, std::move(done), logout_atom::value,
              std::move(who));
}

void auth_client::list_sessions(principal who, reply<session_list> done) const {
  auto shard = shard_of_principal(who, pimpl_->shards);
  pimpl_->ask_owner<session_list>(shard, std::move(done),
                    sessions_atom::value, std::move(who));
}

void auth_client::delete_session(principal who, std::string session_id,
                                 reply<none_t> done) const {
  // The caller's own sessions share the caller's shard; anything else is
  // "not one of yours", answered without asking.
  auto shard = shard_of_principal(who, pimpl_->shards);
  if (shard_of_id(session_id, id_kind::session, pimpl_->shards) != shard)
    return fail(done, errc::not_found, "no such session");
  pimpl_->ask_owner<none_t>(shard, std::move(done), end_sess_atom::value,
              std::move(who), std::move(session_id));
}

void auth_client::get_me(principal who, reply<user_view> done) const {
  auto shard = shard_of_principal(who, pimpl_->shards);
  pimpl_->ask_owner<user_view>(shard, std::move(done), get_me_atom::value,
                 std::move(who));
}

void auth_client::update_me(principal who, profile_update change, reply<user_view> done) const {
  auto shard = shard_of_principal(who, pimpl_->shards);
  pimpl_->ask_owner<user_view>(shard, std::move(done), update_me_atom::value,
                 std::move(who), std::move(change));
}

void auth_client::delete_me(principal who, std::string password, reply<none_t> done) const {
  auto shard = shard_of_principal(who, pimpl_->shards);
  pimpl_->ask_owner<none_t>(shard, std::move(done), delete_me_atom::value,
              std::move(who), std::move(password));
}

void auth_client::get_user(std::string user_id, reply<user_view> done) const {
  auto shard = shard_of_id(user_id, id_kind::user, pimpl_->shards);
  if (!shard)
    return fail(done, errc::not_found, "no such user");
  pimpl_->ask_owner<user_view>(*shard, std::move(done), get_user_atom::value,
                 std::move(user_id));
}

void auth_client::find_user(std::string username, reply<user_view> done) const {
  if (!validate::username(username))
    return fail(done, errc::not_found, "no such user");
  auto shard = shard_of_key(username, pimpl_->shards);
  pimpl_->ask_owner<user_view>(shard, std::move(done), find_user_atom::value,
                 std::move(username));
}

void auth_client::issue_ticket(principal who, reply<ws_ticket> done) const {
  auto shard = shard_of_principal(who, pimpl_->shards);
  pimpl_->ask_owner<ws_ticket>(shard, std::move(done), ticket_atom::value,
                 std::move(who));
}

void auth_client::set_block(principal who, std::string user_id, bool on,
                            reply<none_t> done) const {
  auto target = shard_of_id(user_id, id_kind::user, pimpl_->shards);
  if (!target)
    return fail(done, errc::not_found, "no such user");
  if (user_id == who.user_id)
    return fail(done, errc::bad_request, "you cannot block yourself");
  auto own = shard_of_id(who.user_id, id_kind::user, pimpl_->shards).value_or(0);
  auto p = pimpl_;
  // The blocker's entry first (it is what GET lists and what the limit
  // counts), then the reverse entry on the other user's shard.
  std::function<void(outcome<none_t>)> reverse
    = [p, who, user_id, on, t = *target, done](outcome<none_t> r) {
        if (!r.ok())
          return done(std::move(r));
        p->ask_owner<none_t>(t, done, block_atom::value, user_id, who.user_id, false, on);
      };
  std::function<void()> forward = [p, own, who, user_id, on, reverse] {
    p->ask_owner<none_t>(own, reverse, block_atom::value, who.user_id, user_id, true, on);
  };
  if (!on)
    return forward(); // unblocking a user since deleted still works
  std::function<void(outcome<user_view>)> exists = [forward, done](outcome<user_view> r) {
    if (!r.ok())
      return done(outcome<none_t>::failure(r.error.code, r.error.message));
    forward();
  };
  pimpl_->ask_owner<user_view>(*target, exists, get_user_atom::value, std::move(user_id));
}

void auth_client::list_blocks(principal who, reply<std::vector<std::string>> done) const {
  auto own = shard_of_id(who.user_id, id_kind::user, pimpl_->shards).value_or(0);
  pimpl_->ask_owner<std::vector<std::string>>(own, std::move(done), blocks_atom::value,
                                              who.user_id, true);
}

void auth_client::blocked_among(std::string user, std::vector<std::string> others,
                                reply<std::string> done) const {
  auto own = shard_of_id(user, id_kind::user, pimpl_->shards);
  if (!own || others.empty())
    return done(outcome<std::string>::success(std::string{}));
  pimpl_->ask_owner<std::string>(*own, std::move(done), blocked_atom::value, std::move(user),
                                 std::move(others));
}

} // namespace chat
