#pragma once
// What clients see (PROTOCOL.md): the public shapes of users, sessions and
// tokens. Actors answer with these; src/schema/wire_json.hpp renders them.
#include <cstdint>
#include <string>
#include <vector>

namespace chat {

/// `user`: never carries a password hash.
struct user_view {
  std::string id;
  std::string username;
  std::string display_name;
  std::int64_t created_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_view& x) {
  return f(x.id, x.username, x.display_name, x.created_at);
}

/// One entry of `GET /auth/sessions`.
struct session_view {
  std::string id;
  std::int64_t created_at = 0;
  std::int64_t last_seen = 0;
  std::string user_agent; ///< empty renders as null
  bool current = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_view& x) {
  return f(x.id, x.created_at, x.last_seen, x.user_agent, x.current);
}

using session_list = std::vector<session_view>;

/// The answer of login and refresh.
struct token_grant {
  std::string access_token;
  std::int64_t expires_in = 0; ///< seconds
  std::string refresh_token;
  std::string session_id;
  user_view user;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, token_grant& x) {
  return f(x.access_token, x.expires_in, x.refresh_token, x.session_id, x.user);
}

/// A single-use WebSocket ticket.
struct ws_ticket {
  std::string ticket;
  std::int64_t expires_in = 0; ///< seconds
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ws_ticket& x) {
  return f(x.ticket, x.expires_in);
}

/// Who is asking: established from a verified access token and a live session.
struct principal {
  std::string user_id;
  std::string session_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, principal& x) {
  return f(x.user_id, x.session_id);
}

} // namespace chat
