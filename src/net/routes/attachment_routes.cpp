// POST /conversations/{id}/attachments (upload) and
// GET /conversations/{id}/attachments/{att} (download, streamed chunk by
// chunk, single byte ranges).
#include <algorithm>
#include <memory>

#include "net/routes/attachment_input.hpp"
#include "net/routes/authenticated.hpp"
#include "net/routes/routes.hpp"

namespace chat::net {
namespace {

json::value to_json(const attachment_view& a) {
  return json::object{{"id", a.id},
                      {"conv", a.conv},
                      {"name", a.name},
                      {"content_type", a.content_type},
                      {"size", a.size},
                      {"uploader", a.uploader},
                      {"created_at", a.created_at}};
}

void do_upload(const conversation_client& conversations, principal who, const request_ptr& req,
               const responder& out) {
  // The name: `?name=` first, else the `X-Filename` header; sanitised either way.
  std::string raw_name;
  if (const auto* q = req->query.find("name"))
    raw_name = *q;
  else
    raw_name = std::string{req->msg["X-Filename"]};
  auto type = sanitize_content_type(req->msg[http::field::content_type]);
  conversations.upload_attachment(
    std::move(who), req->param("id"), sanitize_file_name(raw_name), std::move(type),
    req->msg.body(),
    out.answer_json<attachment_view>(http::status::created,
                                     [](const attachment_view& a) { return to_json(a); }));
}

/// Where a download is: the bytes [next, end) are still to come.
struct download {
  conversation_client conversations;
  principal who;
  std::string conv;
  std::string id;
  std::uint64_t next = 0;
  std::uint64_t end = 0;
};

/// The pieces of a download: each asks for the chunk holding `next` (the
/// conversation checks membership again every time) and keeps its part in
/// the range. Called once the previous piece is written, never twice at once.
next_piece pieces_of(std::shared_ptr<download> d) {
  return [d](std::function<void(outcome<std::string>)> got) {
    auto index = d->next / attachment_chunk_bytes;
    auto offset = d->next % attachment_chunk_bytes;
    d->conversations.attachment_chunk(
      d->who, d->conv, d->id, index, [d, offset, got](outcome<std::string> r) {
        if (!r.ok())
          return got(std::move(r));
        auto& bytes = r.value;
        auto want = std::min<std::uint64_t>(d->end - d->next,
                                            bytes.size() > offset ? bytes.size() - offset : 0);
        if (want == 0)
          return got(outcome<std::string>::failure(errc::internal, "attachment chunk missing"));
        d->next += want;
        if (offset == 0 && want == bytes.size())
          return got(std::move(r));
        got(outcome<std::string>::success(bytes.substr(offset, want)));
      });
  };
}

void do_download(const conversation_client& conversations, principal who,
                 const request_ptr& req, const responder& out) {
  auto d = std::make_shared<download>(download{conversations, who, req->param("id"),
                                               req->param("att"), 0, 0});
  conversations.attachment(
    std::move(who), d->conv, d->id,
    out.then<attachment_view>([d, req](outcome<attachment_view> r, const responder& out) {
      if (!r.ok())
        return out.fail(r.error);
      const auto& a = r.value;
      auto range = parse_range(req->msg[http::field::range], a.size);
      if (range.what == byte_range::kind::unsatisfiable) {
        auto res = error_response({errc::range_not_satisfiable,
                                   "the range starts past the end of the attachment ("
                                     + std::to_string(a.size) + " bytes)"});
        res.set(http::field::content_range, "bytes */" + std::to_string(a.size));
        return out.send(std::move(res));
      }
      response head{http::status::ok, 11};
      d->end = a.size;
      if (range.what == byte_range::kind::partial) {
        head.result(http::status::partial_content);
        head.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-"
                                               + std::to_string(range.last) + "/"
                                               + std::to_string(a.size));
        d->next = range.first;
        d->end = range.last + 1;
      }
      head.set(http::field::content_type, a.content_type);
      head.set(http::field::content_disposition,
               content_disposition(a.name, inline_safe(a.content_type)));
      head.set(http::field::accept_ranges, "bytes");
      // Uploaded bytes are never interpreted by the browser as something
      // else, nor run as a page of this origin.
      head.set("X-Content-Type-Options", "nosniff");
      head.set("Content-Security-Policy", "sandbox");
      head.set(http::field::cache_control, "private, max-age=31536000, immutable");
      out.stream(std::move(head), d->end - d->next, pieces_of(d));
    }));
}

} // namespace

void add_attachment_routes(router& r, const auth_client& auth,
                           const conversation_client& conversations,
                           std::size_t max_upload_bytes) {
  r.add(http::verb::post, "/conversations/{id}/attachments",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          do_upload(conversations, std::move(who), req, out);
        }));
  r.set_body_limit(http::verb::post, "/conversations/{id}/attachments", max_upload_bytes);
  r.add(http::verb::get, "/conversations/{id}/attachments/{att}",
        authenticated(auth, [conversations](principal who, request_ptr req, responder out) {
          do_download(conversations, std::move(who), req, out);
        }));
}

} // namespace chat::net
