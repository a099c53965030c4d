#pragma once
// base64url (RFC 4648 §5) without padding, as JWTs and tokens use it.
#include <optional>
#include <string>
#include <string_view>

namespace chat::security {

/// Encodes bytes as unpadded base64url.
std::string base64url_encode(std::string_view bytes);

/// Decodes unpadded base64url; nullopt on padding, foreign characters or
/// non-zero trailing bits, so every byte string has exactly one encoding.
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace chat::security
