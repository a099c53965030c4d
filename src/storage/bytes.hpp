#pragma once
// Length-prefixed binary encoding shared by the formats that leave a process
// (snapshot images here, replicated batches and raft records in
// src/replication): LEB128 varints, big-endian u64s, and a reader that
// checks every bound, so that decoding garbage fails instead of overrunning.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/keys.hpp"

namespace chat::storage {

/// Appends `v` as an unsigned LEB128 varint (1 to 10 bytes).
inline void append_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

/// Appends the length of `bytes` as a varint, then `bytes`.
inline void append_bytes(std::string& out, std::string_view bytes) {
  append_varint(out, bytes.size());
  out.append(bytes);
}

/// Reads what the append_* functions wrote. Every read returns false (and
/// consumes nothing more) when the input is too short or malformed.
class byte_reader {
public:
  explicit byte_reader(std::string_view in) noexcept : rest_(in) {}

  bool u8(std::uint8_t* v) noexcept {
    if (rest_.empty())
      return false;
    *v = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return true;
  }

  /// 8 big-endian bytes (append_key_u64).
  bool u64(std::uint64_t* v) noexcept {
    if (rest_.size() < key_u64_size)
      return false;
    *v = parse_key_u64(rest_);
    rest_.remove_prefix(key_u64_size);
    return true;
  }

  /// A varint of at most 10 bytes whose value fits 64 bits.
  bool varint(std::uint64_t* v) noexcept {
    std::uint64_t out = 0;
    for (unsigned shift = 0, i = 0; i < rest_.size() && shift < 64; ++i, shift += 7) {
      const auto byte = static_cast<std::uint8_t>(rest_[i]);
      if (shift == 63 && byte > 1)
        return false; // overflows 64 bits
      out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        rest_.remove_prefix(i + 1);
        *v = out;
        return true;
      }
    }
    return false;
  }

  /// A varint length, then that many bytes (a view into the input).
  bool bytes(std::string_view* v) noexcept {
    std::string_view save = rest_;
    std::uint64_t n = 0;
    if (!varint(&n) || n > rest_.size()) {
      rest_ = save;
      return false;
    }
    *v = rest_.substr(0, static_cast<std::size_t>(n));
    rest_.remove_prefix(static_cast<std::size_t>(n));
    return true;
  }

  /// Exactly `n` bytes.
  bool raw(std::size_t n, std::string_view* v) noexcept {
    if (n > rest_.size())
      return false;
    *v = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }

  /// What has not been read yet.
  std::string_view rest() const noexcept { return rest_; }
  bool empty() const noexcept { return rest_.empty(); }

private:
  std::string_view rest_;
};

} // namespace chat::storage
