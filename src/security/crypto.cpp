#include "security/crypto.hpp"

#include <sodium.h>

#include <stdexcept>

#include "security/encoding.hpp"

namespace chat::security {
namespace {

// An empty string_view may carry a null pointer, which memcpy inside
// libsodium must not see even for zero lengths.
const unsigned char* bytes_of(std::string_view s) {
  static const unsigned char empty = 0;
  return s.empty() ? &empty : reinterpret_cast<const unsigned char*>(s.data());
}

} // namespace

void init() {
  if (sodium_init() < 0)
    throw std::runtime_error("libsodium initialisation failed");
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0)
    randombytes_buf(out.data(), n);
  return out;
}

std::string random_token(std::size_t bytes) {
  auto raw = random_bytes(bytes);
  auto token = base64url_encode(raw);
  wipe(raw);
  return token;
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  // The one-shot crypto_auth_hmacsha256 insists on a 32-byte key; the
  // streaming API takes any length, as RFC 2104 does.
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, bytes_of(key), key.size());
  crypto_auth_hmacsha256_update(&state, bytes_of(message), message.size());
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(mac.data()));
  sodium_memzero(&state, sizeof state);
  return mac;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  if (a.empty())
    return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string derive_key(std::string_view secret, std::string_view purpose) {
  std::string label = "chat:";
  label.append(purpose);
  return hmac_sha256(secret, label);
}

void wipe(std::string& secret) noexcept {
  if (!secret.empty())
    sodium_memzero(secret.data(), secret.size());
}

} // namespace chat::security
