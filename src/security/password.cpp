#include "security/password.hpp"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace chat::security {
namespace {

struct limits {
  unsigned long long ops;
  std::size_t mem;
};

limits limits_of(password_cost cost) {
  switch (cost) {
    case password_cost::min:
      return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
    case password_cost::interactive:
      return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
    case password_cost::moderate:
      return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
    case password_cost::sensitive:
      return {crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE};
  }
  throw std::invalid_argument("unknown password_cost");
}

// libsodium reads passwords through a pointer even for length zero.
const char* chars_of(std::string_view s) {
  return s.empty() ? "" : s.data();
}

} // namespace

std::optional<password_cost> parse_password_cost(std::string_view name) {
  if (name == "min")
    return password_cost::min;
  if (name == "interactive")
    return password_cost::interactive;
  if (name == "moderate")
    return password_cost::moderate;
  if (name == "sensitive")
    return password_cost::sensitive;
  return std::nullopt;
}

std::string_view to_string(password_cost cost) {
  switch (cost) {
    case password_cost::min: return "min";
    case password_cost::interactive: return "interactive";
    case password_cost::moderate: return "moderate";
    case password_cost::sensitive: return "sensitive";
  }
  return "unknown";
}

std::string hash_password(std::string_view password, password_cost cost) {
  auto [ops, mem] = limits_of(cost);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, chars_of(password), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13)
      != 0)
    throw std::runtime_error("argon2id hashing failed (out of memory?)");
  return std::string(out);
}

bool verify_password(std::string_view encoded_hash, std::string_view password) {
  // libsodium wants a NUL-terminated string in a crypto_pwhash_STRBYTES
  // buffer; an embedded NUL would silently verify against a prefix.
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES
      || encoded_hash.find('\0') != std::string_view::npos)
    return false;
  char buffer[crypto_pwhash_STRBYTES] = {};
  std::memcpy(buffer, encoded_hash.data(), encoded_hash.size());
  return crypto_pwhash_str_verify(buffer, chars_of(password), password.size()) == 0;
}

} // namespace chat::security
