#include "schema/error_code.hpp"

#include <array>

namespace chat {
namespace {

struct code_info {
  errc code;
  std::string_view name;
  int status;
};

constexpr std::array<code_info, 14> codes{{
  {errc::ok, "ok", 200},
  {errc::bad_request, "bad_request", 400},
  {errc::unauthorized, "unauthorized", 401},
  {errc::forbidden, "forbidden", 403},
  {errc::not_found, "not_found", 404},
  {errc::method_not_allowed, "method_not_allowed", 405},
  {errc::conflict, "conflict", 409},
  {errc::payload_too_large, "payload_too_large", 413},
  {errc::headers_too_large, "headers_too_large", 431},
  {errc::rate_limited, "rate_limited", 429},
  {errc::unavailable, "unavailable", 503},
  {errc::retry, "unavailable", 503},
  {errc::range_not_satisfiable, "range_not_satisfiable", 416},
  {errc::internal, "internal", 500},
}};

const code_info& info(errc e) noexcept {
  for (const auto& c : codes)
    if (c.code == e)
      return c;
  return codes.back();
}

} // namespace

std::string_view code_name(errc e) noexcept { return info(e).name; }

int http_status(errc e) noexcept { return info(e).status; }

errc errc_from_name(std::string_view name) noexcept {
  for (const auto& c : codes)
    if (c.name == name)
      return c.code;
  return errc::internal;
}

} // namespace chat
