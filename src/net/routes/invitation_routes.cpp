#include "net/routes/authenticated.hpp"
#include "net/routes/block_check.hpp"
#include "net/routes/conversation_input.hpp"
#include "net/routes/routes.hpp"
#include "schema/wire_json.hpp"

namespace chat::net {

void add_invitation_routes(router& r, const auth_client& auth,
                           const conversation_client& conversations) {
  r.add(http::verb::post, "/conversations/{id}/invitations",
        authenticated(auth, [auth, conversations](principal who, request_ptr req, responder out) {
          std::string user_id;
          api_error error;
          if (!read_user_ref(req->msg.body(), user_id, error))
            return out.fail(error);
          auto conv = req->param("id");
          unless_blocked(auth, who.user_id, {user_id}, out,
                         [conversations, who, conv, user_id](const responder& out) {
            // 201 when created, 200 with the invitee's pending one.
            conversations.invite(
              who, conv, user_id,
              out.then<invite_result>([](outcome<invite_result> r, const responder& out) {
                if (!r.ok())
                  return out.fail(r.error);
                out.send(json_response(r.value.created ? http::status::created : http::status::ok,
                                       to_json(r.value.invitation)));
              }));
          });
        }));
  r.add(http::verb::get, "/invitations",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          invitation_page_request page;
          api_error error;
          if (!read_invitation_page(req->query, page, error))
            return out.fail(error);
          conversations.invitations(
            std::move(who),
            out.answer_json<invitation_list>(http::status::ok, [page](const invitation_list& l) {
              auto cut = page_of(l, page);
              json::array a;
              a.reserve(cut.invitations.size());
              for (const auto& i : cut.invitations)
                a.push_back(to_json(i));
              return json::object{
                {"invitations", std::move(a)},
                {"has_more", cut.has_more},
                {"next", cut.next.empty() ? json::value(nullptr) : json::value(cut.next)}};
            }));
        }));
  r.add(http::verb::post, "/invitations/{id}/accept",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          conversations.accept(std::move(who), req->param("id"),
                               out.answer_json<conversation_view>(
                                 http::status::ok,
                                 [](const conversation_view& c) { return to_json(c); }));
        }));
  r.add(http::verb::post, "/invitations/{id}/decline",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          conversations.decline(std::move(who), req->param("id"), out.answer_empty());
        }));
}

} // namespace chat::net
