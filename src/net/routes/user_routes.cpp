#include "net/json_body.hpp"
#include "net/routes/authenticated.hpp"
#include "net/routes/routes.hpp"
#include "schema/wire_json.hpp"

namespace chat::net {
namespace {

std::function<void(outcome<user_view>)> send_user(const responder& out) {
  return out.answer_json<user_view>(http::status::ok,
                                    [](const user_view& u) { return to_json(u); });
}

/// `{display_name?, password?: {old, new}}`
bool read_profile_update(const std::string& text, profile_update& change, api_error& error) {
  json::object body;
  std::optional<std::string> display_name;
  const json::object* password = nullptr;
  if (!parse_object(text, body, error)
      || !optional_string(body, "display_name", display_name, error)
      || !optional_object(body, "password", password, error))
    return false;
  if (display_name) {
    change.set_display_name = true;
    change.display_name = std::move(*display_name);
  }
  if (password) {
    if (!required_string(*password, "old", change.old_password, error, "password.")
        || !required_string(*password, "new", change.new_password, error, "password."))
      return false;
    change.set_password = true;
  }
  return true;
}

void do_patch_me(const auth_client& auth, principal who, const request_ptr& req,
                 const responder& out) {
  profile_update change;
  api_error error;
  if (!read_profile_update(req->msg.body(), change, error))
    return out.fail(error);
  auth.update_me(std::move(who), std::move(change), send_user(out));
}

/// The account first (the password decides); then its memberships and
/// invitations, before the 204, so every later call sees them gone.
void do_delete_me(const auth_client& auth, const conversation_client& conversations,
                  principal who, const request_ptr& req, const responder& out) {
  json::object body;
  api_error error;
  std::string password;
  if (!parse_object(req->msg.body(), body, error)
      || !required_string(body, "password", password, error))
    return out.fail(error);
  auto user = who.user_id;
  auth.delete_me(std::move(who), std::move(password),
                 out.then<none_t>([conversations, user](outcome<none_t> r, const responder& out) {
                   if (!r.ok())
                     return out.fail(r.error);
                   conversations.forget_user(user, out.answer_empty());
                 }));
}

} // namespace

void add_user_routes(router& r, const auth_client& auth,
                     const conversation_client& conversations) {
  r.add(http::verb::get, "/users/me",
        authenticated(auth, [auth](principal who, request_ptr, responder out) {
          auth.get_me(std::move(who), send_user(out));
        }));
  r.add(http::verb::patch, "/users/me",
        authenticated(auth, [auth](principal who, request_ptr req, responder out) {
          do_patch_me(auth, std::move(who), req, out);
        }));
  r.add(http::verb::delete_, "/users/me",
        authenticated(auth, [auth, conversations](principal who, request_ptr req, responder out) {
          do_delete_me(auth, conversations, std::move(who), req, out);
        }));
  r.add(http::verb::get, "/users/{id}",
        authenticated(auth, [auth](principal, request_ptr req, responder out) {
          auth.get_user(req->param("id"), send_user(out));
        }));
  r.add(http::verb::get, "/users",
        authenticated(auth, [auth](principal, request_ptr req, responder out) {
          const auto* username = req->query.find("username");
          if (!username)
            return out.fail({errc::bad_request, "query parameter 'username' is required"});
          auth.find_user(*username, send_user(out));
        }));
}

} // namespace chat::net
