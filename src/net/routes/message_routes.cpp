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
    }),
    in.reply_to, std::move(in.attachments));
}

/// Edit, delete and reactions: the change's body has been read into `c`
/// except its target, which is the path's seq. Answers 200 with the
/// change's receipt (its own seq).
void do_change(const conversation_client& conversations, principal who, const request_ptr& req,
               message_change c, const responder& out) {
  auto seq = parse_count(req->param("seq"));
  if (!seq || *seq == 0)
    return out.fail({errc::bad_request, "the path's seq must be a positive integer"});
  c.target = *seq;
  conversations.change_message(
    std::move(who), req->param("id"), std::move(c),
    out.answer_json<send_receipt>(http::status::ok,
                                  [](const send_receipt& r) { return to_json(r); }));
}

void do_edit(const conversation_client& conversations, principal who, const request_ptr& req,
             const responder& out) {
  message_change c{change_kind::edit, 0, {}};
  api_error error;
  if (!read_edit(req->msg.body(), c.text, error)
      || !read_change_key(req->msg.body(), c.client_msg_id, error))
    return out.fail(error);
  do_change(conversations, std::move(who), req, std::move(c), out);
}

void do_react(const conversation_client& conversations, principal who, const request_ptr& req,
              change_kind kind, const responder& out) {
  message_change c{kind, 0, {}};
  api_error error;
  if (!read_emoji(req->msg.body(), c.text, error)
      || !read_change_key(req->msg.body(), c.client_msg_id, error))
    return out.fail(error);
  do_change(conversations, std::move(who), req, std::move(c), out);
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
  r.add(http::verb::patch, "/conversations/{id}/messages/{seq}",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          do_edit(conversations, std::move(who), req, out);
        }));
  r.add(http::verb::delete_, "/conversations/{id}/messages/{seq}",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          // No body, or one carrying only the optional client_msg_id.
          message_change c{change_kind::remove, 0, {}};
          api_error error;
          if (!req->msg.body().empty()
              && !read_change_key(req->msg.body(), c.client_msg_id, error))
            return out.fail(error);
          do_change(conversations, std::move(who), req, std::move(c), out);
        }));
  // A reaction is named in the body, not the path: emojis in URLs would
  // need percent-encoding by every client.
  r.add(http::verb::post, "/conversations/{id}/messages/{seq}/reactions",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          do_react(conversations, std::move(who), req, change_kind::react, out);
        }));
  r.add(http::verb::delete_, "/conversations/{id}/messages/{seq}/reactions",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          do_react(conversations, std::move(who), req, change_kind::unreact, out);
        }));
}

} // namespace chat::net
