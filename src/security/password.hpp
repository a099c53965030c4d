#pragma once
// argon2id password hashing in libsodium's self-describing string format, so
// a stored hash keeps verifying after the configured cost changes.
#include <optional>
#include <string>
#include <string_view>

namespace chat::security {

/// libsodium argon2id presets; min is for tests only.
enum class password_cost { min, interactive, moderate, sensitive };

/// Parses "min" | "interactive" | "moderate" | "sensitive".
std::optional<password_cost> parse_password_cost(std::string_view name);

/// The name parse_password_cost accepts for a cost.
std::string_view to_string(password_cost cost);

/// Encoded argon2id hash ("$argon2id$v=19$..."); throws std::runtime_error when
/// libsodium fails (out of memory). Slow by design: keep it off event loops.
std::string hash_password(std::string_view password, password_cost cost);

/// Whether password matches encoded_hash; false for a malformed hash as well.
bool verify_password(std::string_view encoded_hash, std::string_view password);

} // namespace chat::security
