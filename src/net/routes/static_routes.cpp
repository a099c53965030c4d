// `GET /` and `GET /static/…`: the web client, embedded at build time
// (web/embedded_files.hpp); `GET /openapi.json` and `GET /docs`: the API
// description (web/api/openapi.json) and the page that renders it
// (web/docs.html), embedded the same way. No token needed. Every answer is
// revalidated (`Cache-Control: no-cache` + a strong ETag), so a new binary's
// files are picked up at once while unchanged ones cost a 304.
#include <cstdint>
#include <cstdio>
#include <string>

#include "net/routes/routes.hpp"
#include "web/embedded_files.hpp"

namespace chat::net {
namespace {

std::string etag_of(std::string_view body) {
  std::uint64_t h = 14695981039346656037ull; // FNV-1a 64
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

/// True when `If-None-Match` lists `etag` (or is `*`).
bool matches(std::string_view header, std::string_view etag) {
  if (header == "*")
    return true;
  for (std::size_t pos = 0; pos < header.size();) {
    auto comma = header.find(',', pos);
    auto item = header.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (item.starts_with("W/"))
      item.remove_prefix(2);
    if (item == etag)
      return true;
    if (comma == std::string_view::npos)
      break;
    pos = comma + 1;
  }
  return false;
}

void serve(const std::string& path, const request_ptr& req, const responder& out) {
  const web::file* f = web::find(path);
  if (!f)
    return out.fail({errc::not_found, "no such file"});
  auto etag = etag_of(f->body);
  auto field = req->msg[http::field::if_none_match];
  std::string_view inm{field.data(), field.size()};
  response res{http::status::ok, 11};
  if (!inm.empty() && matches(inm, etag)) {
    res.result(http::status::not_modified);
  } else {
    res.set(http::field::content_type, f->content_type);
    res.body().assign(f->body.data(), f->body.size());
  }
  res.set(http::field::etag, etag);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  if (f->content_type.starts_with("text/html")) {
    // Pages load everything from this origin: no other host is ever contacted.
    res.set("Content-Security-Policy",
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
    res.set("Referrer-Policy", "no-referrer");
  }
  out.send(std::move(res));
}

} // namespace

void add_api_docs_routes(router& r) {
  r.add(http::verb::get, "/openapi.json",
        [](request_ptr req, responder out) { serve("/static/api/openapi.json", req, out); });
  r.add(http::verb::get, "/docs",
        [](request_ptr req, responder out) { serve("/static/docs.html", req, out); });
}

void add_static_routes(router& r) {
  r.add(http::verb::get, "/", [](request_ptr req, responder out) { serve("/", req, out); });
  r.add(http::verb::get, "/index.html",
        [](request_ptr req, responder out) { serve("/", req, out); });
  // The router matches whole segments: one pattern per depth under /static.
  std::string pattern = "/static";
  for (int depth = 1; depth <= 4; ++depth) {
    pattern += "/{p" + std::to_string(depth) + "}";
    r.add(http::verb::get, pattern, [](request_ptr req, responder out) {
      std::string path = "/static";
      for (const auto& [name, value] : req->params)
        path += "/" + value;
      serve(path, req, out);
    });
  }
}

} // namespace chat::net
