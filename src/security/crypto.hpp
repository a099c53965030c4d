#pragma once
// Thin wrappers over libsodium for randomness, HMAC-SHA256 and key derivation.
#include <cstddef>
#include <string>
#include <string_view>

namespace chat::security {

/// Initialises libsodium; call once at startup. Throws std::runtime_error on failure.
void init();

/// n bytes from the system CSPRNG.
std::string random_bytes(std::size_t n);

/// base64url text of `bytes` random bytes, for opaque tokens and tickets.
std::string random_token(std::size_t bytes);

/// HMAC-SHA256 of message under a key of any length; raw 32 bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

/// Equality in time independent of where the contents differ; false if sizes differ.
bool constant_time_equal(std::string_view a, std::string_view b);

/// A 32-byte key for one purpose ("jwt", "refresh", "node"...) from the cluster secret.
std::string derive_key(std::string_view secret, std::string_view purpose);

/// Overwrites the string's contents with zeros (size unchanged).
void wipe(std::string& secret) noexcept;

} // namespace chat::security
