#pragma once
// Building answers: JSON bodies, error bodies (schema's error_body) with the
// status of their code, and empty 204s. Version and keep-alive are set by
// the session when it writes.
#include <chrono>
#include <optional>

#include "net/beast.hpp"
#include "schema/error_code.hpp"

namespace chat::net {

using response = http::response<http::string_body>;

/// `status` with `value` serialised as the body, `Content-Type: application/json`.
response json_response(http::status status, const json::value& value);

/// The protocol's error body with the status of `e.code`. `rate_limited`
/// always carries `Retry-After` (1 s unless given).
response error_response(const api_error& e,
                        std::optional<std::chrono::seconds> retry_after = std::nullopt);

/// 204 without a body.
response no_content();

/// Sets version, keep-alive and the framing headers just before writing.
void finalize(response& res, unsigned version, bool keep_alive);

} // namespace chat::net
