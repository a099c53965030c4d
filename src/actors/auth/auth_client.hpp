#pragma once
// The auth authority's public interface for the network layer. It hides CAF
// entirely (no CAF header here), so HTTP/WebSocket code never compiles CAF.
//
// Every call returns at once; `done` runs later on an actor thread with the
// outcome. Callers must not block inside `done` (post to your own executor).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "schema/outcome.hpp"
#include "schema/wire.hpp"

namespace chat {

template <class T>
using reply = std::function<void(outcome<T>)>;

class auth_client {
public:
  class impl;
  explicit auth_client(std::shared_ptr<impl> pimpl);
  ~auth_client();

  /// `POST /auth/register`. An empty display name means "use the username".
  void register_user(std::string username, std::string password, std::string display_name,
                     reply<user_view> done) const;
  /// `POST /auth/login`; `user_agent` may be empty.
  void login(std::string username, std::string password, std::string user_agent,
             reply<token_grant> done) const;
  /// `POST /auth/refresh`: rotates; a reused token ends the session.
  void refresh(std::string refresh_token, reply<token_grant> done) const;

  /// Verifies an access token (signature, expiry) and that its session is
  /// live; answers who is asking or `unauthorized`.
  void authenticate(std::string access_token, reply<principal> done) const;

  void logout(principal who, reply<none_t> done) const;
  void list_sessions(principal who, reply<session_list> done) const;
  void delete_session(principal who, std::string session_id, reply<none_t> done) const;

  void get_me(principal who, reply<user_view> done) const;
  void update_me(principal who, profile_update change, reply<user_view> done) const;
  void delete_me(principal who, std::string password, reply<none_t> done) const;

  /// `GET /users/{id}` and `GET /users?username=` (any authenticated caller).
  void get_user(std::string user_id, reply<user_view> done) const;
  void find_user(std::string username, reply<user_view> done) const;

  /// `POST /ws/ticket`: a single-use ticket bound to the caller's session.
  void issue_ticket(principal who, reply<ws_ticket> done) const;

  /// `PUT|DELETE /users/me/blocks/{id}`: the caller blocks (`on`) or
  /// unblocks `user_id`; both are idempotent. Blocking needs an existing
  /// user other than the caller (400 self, 404 unknown, 409 over max_blocks).
  void set_block(principal who, std::string user_id, bool on, reply<none_t> done) const;
  /// `GET /users/me/blocks`: whom the caller blocks, in id order.
  void list_blocks(principal who, reply<std::vector<std::string>> done) const;
  /// The first of `others` that blocks or is blocked by `user` ("" when
  /// none): one read on `user`'s shard, which holds both directions.
  void blocked_among(std::string user, std::vector<std::string> others,
                     reply<std::string> done) const;

private:
  std::shared_ptr<impl> pimpl_;
};

} // namespace chat
