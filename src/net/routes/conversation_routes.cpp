#include "net/routes/authenticated.hpp"
#include "net/routes/block_check.hpp"
#include "net/routes/conversation_input.hpp"
#include "net/routes/routes.hpp"
#include "schema/wire_json.hpp"

namespace chat::net {
namespace {

std::function<void(outcome<conversation_view>)> send_conversation(const responder& out,
                                                                  http::status status) {
  return out.answer_json<conversation_view>(
    status, [](const conversation_view& c) { return to_json(c); });
}

void do_create(const auth_client& auth, const conversation_client& conversations, principal who,
               const request_ptr& req, const responder& out) {
  new_conversation in;
  api_error error;
  if (!read_new_conversation(req->msg.body(), in, error))
    return out.fail(error);
  auto invite = in.invite;
  unless_blocked(auth, who.user_id, std::move(invite), out,
                 [conversations, who, in](const responder& out) mutable {
                   conversations.create(std::move(who), std::move(in.title), std::move(in.invite),
                                        send_conversation(out, http::status::created));
                 });
}

void do_direct(const auth_client& auth, const conversation_client& conversations, principal who,
               const request_ptr& req, const responder& out) {
  std::string other;
  api_error error;
  if (!read_user_ref(req->msg.body(), other, error))
    return out.fail(error);
  unless_blocked(auth, who.user_id, {other}, out, [conversations, who, other](const responder& out) {
    conversations.open_direct(
      who, other, out.then<direct_result>([](outcome<direct_result> r, const responder& out) {
        if (!r.ok())
          return out.fail(r.error);
        out.send(json_response(r.value.created ? http::status::created : http::status::ok,
                               to_json(r.value.conversation)));
      }));
  });
}

} // namespace

void add_conversation_routes(router& r, const auth_client& auth,
                             const conversation_client& conversations) {
  r.add(http::verb::post, "/conversations",
        authenticated(auth, [auth, conversations](principal who, request_ptr req, responder out) {
          do_create(auth, conversations, std::move(who), req, out);
        }));
  r.add(http::verb::post, "/conversations/direct",
        authenticated(auth, [auth, conversations](principal who, request_ptr req, responder out) {
          do_direct(auth, conversations, std::move(who), req, out);
        }));
  r.add(http::verb::get, "/conversations",
        authenticated(auth, [conversations](principal who, request_ptr, responder out) {
          conversations.list(std::move(who),
                             out.answer_json<conversation_list>(
                               http::status::ok, [](const conversation_list& l) {
                                 json::array a;
                                 a.reserve(l.size());
                                 for (const auto& c : l)
                                   a.push_back(to_json(c));
                                 return json::object{{"conversations", std::move(a)}};
                               }));
        }));
  r.add(http::verb::get, "/conversations/{id}",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          conversations.get(std::move(who), req->param("id"),
                            send_conversation(out, http::status::ok));
        }));
  r.add(http::verb::patch, "/conversations/{id}",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          std::int64_t seconds = 0;
          api_error error;
          if (!read_retention(req->msg.body(), seconds, error))
            return out.fail(error);
          conversations.set_retention(std::move(who), req->param("id"), seconds,
                                      send_conversation(out, http::status::ok));
        }));
  r.add(http::verb::delete_, "/conversations/{id}/members/{user_id}",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          conversations.remove_member(std::move(who), req->param("id"), req->param("user_id"),
                                      out.answer_empty());
        }));
  // Roles (docs/protocol.md "Roles"): the owner names and removes admins.
  for (bool admin : {true, false})
    r.add(admin ? http::verb::put : http::verb::delete_, "/conversations/{id}/admins/{user_id}",
          authenticated(auth, [conversations, admin](principal who, request_ptr req,
                                                    responder out) {
            conversations.set_admin(std::move(who), req->param("id"), req->param("user_id"),
                                    admin, out.answer_empty());
          }));
}

} // namespace chat::net
