#pragma once
// Refresh tokens are `<session id>.<generation>.<mac>`, where the mac is an
// HMAC (cluster-derived key) over the session id, generation and a secret
// per-session salt. Nothing about the token itself is stored: the current
// one is the session's generation, and a correctly signed token of an older
// generation is proof of reuse.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schema/records.hpp"

namespace chat {

struct refresh_token_parts {
  std::string session_id;
  std::uint64_t generation = 0;
  std::string mac;
};

/// The token for the session's current generation.
std::string make_refresh_token(std::string_view key, const session_record& s);

/// Splits a presented token; nothing when it is not of the form above.
std::optional<refresh_token_parts> parse_refresh_token(std::string_view token);

/// Whether the token's mac was made by us for this session and generation.
bool refresh_token_authentic(std::string_view key, const session_record& s,
                             const refresh_token_parts& parts);

} // namespace chat
