#pragma once
// HS256 JSON Web Tokens (RFC 7519) carrying the access-token claims; no
// other algorithm is ever accepted, so a forged header cannot downgrade it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::security {

/// Access-token claims; times are Unix seconds.
struct jwt_claims {
  std::string sub; ///< user id
  std::string sid; ///< session id
  std::int64_t iat = 0;
  std::int64_t exp = 0;
};

/// Why jwt_verify refused a token.
enum class jwt_error { malformed, bad_algorithm, bad_signature, expired, not_yet_valid, bad_claims };

/// How far a token's iat or nbf may lie in the future (clocks of the nodes
/// differ a little); beyond it the token is not_yet_valid. We never sign
/// such tokens, so one is forged with the key or minted by a broken clock.
inline constexpr std::int64_t jwt_clock_skew_seconds = 60;

/// Longest token jwt_verify looks at; longer ones are malformed.
inline constexpr std::size_t jwt_max_size = 4096;

/// Signs claims as header {"alg":"HS256","typ":"JWT"} . payload . HMAC.
std::string jwt_sign(const jwt_claims& claims, std::string_view key);

/// Claims of a well-formed, correctly signed token whose exp is after
/// now_seconds and whose iat (and nbf, when present) is not later than
/// now_seconds + jwt_clock_skew_seconds; otherwise nullopt, with the reason in *why when given.
std::optional<jwt_claims> jwt_verify(std::string_view token, std::string_view key,
                                     std::int64_t now_seconds, jwt_error* why = nullptr);

/// Stable lowercase name of a jwt_error, for logs.
std::string_view to_string(jwt_error e);

} // namespace chat::security
