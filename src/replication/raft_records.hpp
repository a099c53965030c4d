#pragma once
// Private to src/replication: the records of a group member in its scope's
// raft column (storage::column::raft), as rocks_log_store writes them.
//
//   "t"               term       u64
//   "v"               vote       u64 (absent: none)
//   "r"               resyncing  u64 1 (absent: not resyncing; log_store::set_resyncing)
//   "m"               snapshot   u8 version(1) u64 index u64 term
//                                u64 configuration_index bytes configuration
//   "e" <u64 index>   entry      u8 version(1) u64 term u8 type, then the data
//
// Integers are big-endian (storage/keys.hpp), so entries sort by index.
#include <cstdint>
#include <string>
#include <string_view>

#include "replication/log_store.hpp"
#include "storage/bytes.hpp"
#include "storage/keys.hpp"

namespace chat::replication::records {

inline constexpr std::string_view term_key = "t";
inline constexpr std::string_view vote_key = "v";
inline constexpr std::string_view resyncing_key = "r";
inline constexpr std::string_view snapshot_key = "m";
inline constexpr std::string_view entry_prefix = "e";
inline constexpr std::uint8_t version = 1;

inline std::string entry_key(std::uint64_t index) {
  return storage::key_with_u64(entry_prefix, index);
}

/// The index of an entry key; false when `key` is not one.
inline bool parse_entry_key(std::string_view key, std::uint64_t* index) {
  if (key.size() != entry_prefix.size() + storage::key_u64_size || !key.starts_with(entry_prefix))
    return false;
  *index = storage::parse_key_u64_suffix(key);
  return true;
}

inline std::string encode_u64(std::uint64_t v) { return storage::key_u64(v); }

inline bool decode_u64(std::string_view bytes, std::uint64_t* v) {
  if (bytes.size() != storage::key_u64_size)
    return false;
  *v = storage::parse_key_u64(bytes);
  return true;
}

inline std::string encode_entry(const log_entry& e) {
  std::string out;
  out.reserve(1 + storage::key_u64_size + 1 + e.data.size());
  out.push_back(static_cast<char>(version));
  storage::append_key_u64(out, e.term);
  out.push_back(static_cast<char>(e.type));
  out.append(e.data);
  return out;
}

inline bool decode_entry(std::string_view bytes, log_entry* e) {
  storage::byte_reader in(bytes);
  std::uint8_t v = 0;
  if (!in.u8(&v) || v != version || !in.u64(&e->term) || !in.u8(&e->type))
    return false;
  e->data.assign(in.rest());
  return true;
}

inline std::string encode_snapshot(const snapshot_meta& m) {
  std::string out;
  out.push_back(static_cast<char>(version));
  storage::append_key_u64(out, m.index);
  storage::append_key_u64(out, m.term);
  storage::append_key_u64(out, m.configuration_index);
  storage::append_bytes(out, m.configuration);
  return out;
}

inline bool decode_snapshot(std::string_view bytes, snapshot_meta* m) {
  storage::byte_reader in(bytes);
  std::uint8_t v = 0;
  std::string_view configuration;
  if (!in.u8(&v) || v != version || !in.u64(&m->index) || !in.u64(&m->term) ||
      !in.u64(&m->configuration_index) || !in.bytes(&configuration) || !in.empty())
    return false;
  m->configuration.assign(configuration);
  return true;
}

} // namespace chat::replication::records
