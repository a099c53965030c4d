#pragma once
// The project's one error vocabulary (PROTOCOL.md "Errors"). Every subsystem
// translates outside failures into these codes once, at its boundary; the
// HTTP status and wire spelling of each code are defined here and nowhere else.
#include <cstdint>
#include <string>
#include <string_view>

namespace chat {

enum class errc : std::uint8_t {
  ok = 0,
  bad_request,
  unauthorized,
  forbidden,
  not_found,
  method_not_allowed,
  conflict,
  payload_too_large,
  headers_too_large,
  rate_limited,
  unavailable,
  internal,
  retry, ///< between actors only: the target is passivating, resolve it again
  range_not_satisfiable, ///< a download's Range starts past the end (416)
};

/// The snake_case code clients see in `{"error":{"code":…}}`.
std::string_view code_name(errc e) noexcept;

/// The HTTP status that carries this code.
int http_status(errc e) noexcept;

/// Parses a code name back (for frames and tests); `internal` when unknown.
errc errc_from_name(std::string_view name) noexcept;

/// An error with a human-readable message, as answered to clients.
struct api_error {
  errc code = errc::internal;
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_error& x) {
  return f(x.code, x.message);
}

} // namespace chat
