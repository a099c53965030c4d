#include "schema/ids.hpp"

#include <sodium.h>

namespace chat {
namespace {

constexpr std::string_view base32_alphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::string_view hex_digits = "0123456789abcdef";

bool is_base32(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

} // namespace

/// Kernel randomness fetched in blocks: one getrandom() per 512 bytes
/// instead of one per character (it dominated the cost of every message).
unsigned char random_byte() {
  thread_local unsigned char pool[512];
  thread_local std::size_t used = sizeof pool;
  if (used == sizeof pool) {
    randombytes_buf(pool, sizeof pool);
    used = 0;
  }
  auto b = pool[used];
  pool[used++] = 0; // bytes handed out are not kept around
  return b;
}

std::string random_base32(std::size_t n) {
  std::string out(n, 'a');
  for (auto& c : out)
    c = base32_alphabet[random_byte() & 31]; // 256 is a multiple of 32: uniform
  return out;
}

std::string make_id(id_kind kind, std::uint32_t shard) {
  std::string id;
  id.reserve(id_length);
  id.push_back(static_cast<char>(kind));
  id.push_back('_');
  for (int shift = 12; shift >= 0; shift -= 4)
    id.push_back(hex_digits[(shard >> shift) & 0xF]);
  id += random_base32(id_length - 6);
  return id;
}

namespace {

std::string ordered_pair(std::string_view user_a, std::string_view user_b) {
  return std::string{std::min(user_a, user_b)} + '|' + std::string{std::max(user_a, user_b)};
}

/// `c_` + the shard + 20 base32 characters taken from the digest.
std::string conversation_id_from(std::uint32_t shard, const unsigned char* digest) {
  std::string id = make_id(id_kind::conversation, shard).substr(0, 6);
  for (std::size_t i = 0; i < id_length - 6; ++i)
    id.push_back(base32_alphabet[digest[i] % 32]);
  return id;
}

} // namespace

std::string direct_conversation_id(std::string_view user_a, std::string_view user_b,
                                   std::uint32_t shard_count, std::string_view key) {
  auto pair = ordered_pair(user_a, user_b);
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(pair.data()),
                     pair.size(), reinterpret_cast<const unsigned char*>(key.data()), key.size());
  // The shard comes from the keyed digest too (bytes the id text does not use).
  std::uint32_t h = (std::uint32_t{digest[24]} << 24) | (std::uint32_t{digest[25]} << 16)
                    | (std::uint32_t{digest[26]} << 8) | digest[27];
  return conversation_id_from(h % shard_count, digest);
}

std::string legacy_direct_conversation_id(std::string_view user_a, std::string_view user_b,
                                          std::uint32_t shard_count) {
  auto pair = ordered_pair(user_a, user_b);
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(pair.data()),
                     pair.size(), nullptr, 0);
  return conversation_id_from(shard_of_key(pair, shard_count), digest);
}

std::optional<std::uint32_t> shard_of_hex(std::string_view four_digits,
                                          std::uint32_t shard_count) noexcept {
  if (four_digits.size() != 4)
    return std::nullopt;
  std::uint32_t shard = 0;
  for (char c : four_digits) {
    int v = hex_value(c);
    if (v < 0)
      return std::nullopt;
    shard = (shard << 4) | static_cast<std::uint32_t>(v);
  }
  if (shard >= shard_count)
    return std::nullopt;
  return shard;
}

std::optional<std::uint32_t> shard_of_id(std::string_view id, id_kind kind,
                                         std::uint32_t shard_count) noexcept {
  if (id.size() != id_length || id[0] != static_cast<char>(kind) || id[1] != '_')
    return std::nullopt;
  for (std::size_t i = 6; i < id_length; ++i)
    if (!is_base32(id[i]))
      return std::nullopt;
  return shard_of_hex(id.substr(2, 4), shard_count);
}

std::uint32_t shard_of_key(std::string_view key, std::uint32_t shard_count) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::uint32_t>(h % shard_count);
}

} // namespace chat
