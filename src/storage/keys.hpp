#pragma once
// Key building blocks. RocksDB orders keys bytewise, so integers are stored
// big-endian: then numeric order is key order and range scans page by number.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chat::storage {

/// Size of an encoded u64 key part.
inline constexpr std::size_t key_u64_size = 8;

/// Appends `v` to `out` as 8 big-endian bytes.
inline void append_key_u64(std::string& out, std::uint64_t v) {
  char bytes[key_u64_size];
  for (std::size_t i = 0; i < key_u64_size; ++i)
    bytes[i] = static_cast<char>(v >> (8 * (key_u64_size - 1 - i)));
  out.append(bytes, key_u64_size);
}

/// `v` as 8 big-endian bytes.
inline std::string key_u64(std::uint64_t v) {
  std::string out;
  append_key_u64(out, v);
  return out;
}

/// Reads the first 8 bytes of `bytes` as big-endian; 0 when fewer than 8.
inline std::uint64_t parse_key_u64(std::string_view bytes) noexcept {
  if (bytes.size() < key_u64_size)
    return 0;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < key_u64_size; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

/// `prefix` followed by `v` big-endian (e.g. conversation id + message seq).
inline std::string key_with_u64(std::string_view prefix, std::uint64_t v) {
  std::string out;
  out.reserve(prefix.size() + key_u64_size);
  out.append(prefix);
  append_key_u64(out, v);
  return out;
}

/// The u64 that ends `key` (the seq of a message key); 0 when too short.
inline std::uint64_t parse_key_u64_suffix(std::string_view key) noexcept {
  if (key.size() < key_u64_size)
    return 0;
  return parse_key_u64(key.substr(key.size() - key_u64_size));
}

} // namespace chat::storage
