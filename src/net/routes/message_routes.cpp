#include "net/routes/authenticated.hpp"
#include "net/routes/conversation_input.hpp"
#include "net/routes/routes.hpp"
#include "schema/wire_json.hpp"

namespace chat::net {
namespace {

void do_post(const conversation_client& conversations, principal who, const request_ptr& req,
             const responder& out) {
  new_message in;
  api_error error;
  if (!read_new_message(req->msg.body(), in, error))
    return out.fail(error);
  // 201 means stored by this call; a duplicate client_msg_id answers 200
  // with the original receipt.
  conversations.post_message(
    std::move(who), req->param("id"), std::move(in.text), std::move(in.client_msg_id),
    out.then<send_receipt>([](outcome<send_receipt> r, const responder& out) {
      if (!r.ok())
        return out.fail(r.error);
      out.send(json_response(r.value.created ? http::status::created : http::status::ok,
                             to_json(r.value)));
    }));
}

void do_list(const conversation_client& conversations, principal who, const request_ptr& req,
             const responder& out) {
  page_request page;
  api_error error;
  if (!read_page(req->query, page, error))
    return out.fail(error);
  conversations.messages(std::move(who), req->param("id"), page,
                         out.answer_json<message_page>(
                           http::status::ok, [](const message_page& p) { return to_json(p); }));
}

} // namespace

void add_message_routes(router& r, const auth_client& auth,
                        const conversation_client& conversations) {
  r.add(http::verb::post, "/conversations/{id}/messages",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          do_post(conversations, std::move(who), req, out);
        }));
  r.add(http::verb::get, "/conversations/{id}/messages",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          do_list(conversations, std::move(who), req, out);
        }));
}

} // namespace chat::net
