#include "schema/wire_json.hpp"

namespace chat {

boost::json::object to_json(const user_view& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"created_at", u.created_at}};
}

boost::json::object to_json(const session_view& s) {
  boost::json::object o{{"id", s.id},
                        {"created_at", s.created_at},
                        {"last_seen", s.last_seen},
                        {"current", s.current}};
  if (s.user_agent.empty())
    o["user_agent"] = nullptr;
  else
    o["user_agent"] = s.user_agent;
  return o;
}

boost::json::object to_json(const token_grant& t) {
  return {{"access_token", t.access_token},
          {"token_type", "Bearer"},
          {"expires_in", t.expires_in},
          {"refresh_token", t.refresh_token},
          {"session_id", t.session_id},
          {"user", to_json(t.user)}};
}

boost::json::object to_json(const ws_ticket& t) {
  return {{"ticket", t.ticket}, {"expires_in", t.expires_in}};
}

boost::json::object error_body(const api_error& e) {
  return {{"error", {{"code", code_name(e.code)}, {"message", e.message}}}};
}

} // namespace chat
