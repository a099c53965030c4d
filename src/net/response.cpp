#include "net/response.hpp"

#include "schema/wire_json.hpp"

namespace chat::net {

response json_response(http::status status, const json::value& value) {
  response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = json::serialize(value);
  return res;
}

response error_response(const api_error& e, std::optional<std::chrono::seconds> retry_after) {
  auto res = json_response(static_cast<http::status>(http_status(e.code)), error_body(e));
  if (e.code == errc::rate_limited && !retry_after)
    retry_after = std::chrono::seconds{1};
  if (retry_after)
    res.set(http::field::retry_after, std::to_string(retry_after->count()));
  return res;
}

response no_content() { return response{http::status::no_content, 11}; }

void finalize(response& res, unsigned version, bool keep_alive) {
  res.version(version);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  // Beast adds `Content-Length: 0` even here; RFC 9110 §8.6 forbids it on 204.
  if (res.result() == http::status::no_content)
    res.erase(http::field::content_length);
}

} // namespace chat::net
