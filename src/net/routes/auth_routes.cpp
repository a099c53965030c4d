#include "net/json_body.hpp"
#include "net/routes/authenticated.hpp"
#include "net/routes/routes.hpp"
#include "schema/wire_json.hpp"

namespace chat::net {
namespace {

// Token answers must not be cached by anything between client and server
// (RFC 6749 §5.1).
std::function<void(outcome<token_grant>)> send_tokens(const responder& out) {
  return out.then<token_grant>([](outcome<token_grant> r, const responder& out) {
    if (!r.ok())
      return out.fail(r.error);
    auto res = json_response(http::status::ok, to_json(r.value));
    res.set(http::field::cache_control, "no-store");
    out.send(std::move(res));
  });
}

void do_register(const auth_client& auth, const request_ptr& req, const responder& out) {
  json::object body;
  api_error error;
  std::string username, password;
  std::optional<std::string> display_name;
  if (!parse_object(req->msg.body(), body, error)
      || !required_string(body, "username", username, error)
      || !required_string(body, "password", password, error)
      || !optional_string(body, "display_name", display_name, error))
    return out.fail(error);
  auth.register_user(std::move(username), std::move(password), display_name.value_or(""),
                     out.answer_json<user_view>(http::status::created,
                                         [](const user_view& u) { return to_json(u); }));
}

void do_login(const auth_client& auth, const request_ptr& req, const responder& out) {
  json::object body;
  api_error error;
  std::string username, password;
  if (!parse_object(req->msg.body(), body, error)
      || !required_string(body, "username", username, error)
      || !required_string(body, "password", password, error))
    return out.fail(error);
  auth.login(std::move(username), std::move(password),
             session_user_agent(req->msg[http::field::user_agent]), send_tokens(out));
}

void do_refresh(const auth_client& auth, const request_ptr& req, const responder& out) {
  json::object body;
  api_error error;
  std::string token;
  if (!parse_object(req->msg.body(), body, error)
      || !required_string(body, "refresh_token", token, error))
    return out.fail(error);
  auth.refresh(std::move(token), send_tokens(out));
}

} // namespace

void add_auth_routes(router& r, const auth_client& auth) {
  r.add(http::verb::post, "/auth/register",
        [auth](request_ptr req, responder out) { do_register(auth, req, out); });
  r.add(http::verb::post, "/auth/login",
        [auth](request_ptr req, responder out) { do_login(auth, req, out); });
  r.add(http::verb::post, "/auth/refresh",
        [auth](request_ptr req, responder out) { do_refresh(auth, req, out); });

  r.add(http::verb::post, "/auth/logout",
        authenticated(auth, [auth](principal who, request_ptr, responder out) {
          auth.logout(std::move(who), out.answer_empty());
        }));
  r.add(http::verb::get, "/auth/sessions",
        authenticated(auth, [auth](principal who, request_ptr, responder out) {
          auth.list_sessions(std::move(who), out.answer_json<session_list>(
                                               http::status::ok, [](const session_list& l) {
                                                 json::array a;
                                                 a.reserve(l.size());
                                                 for (const auto& s : l)
                                                   a.push_back(to_json(s));
                                                 return json::object{{"sessions", std::move(a)}};
                                               }));
        }));
  r.add(http::verb::delete_, "/auth/sessions/{id}",
        authenticated(auth, [auth](principal who, request_ptr req, responder out) {
          auth.delete_session(std::move(who), req->param("id"), out.answer_empty());
        }));
}

} // namespace chat::net
