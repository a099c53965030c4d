#pragma once
// The bytes one replica sends another: a C Raft message behind a small
// header. Little endian, fixed widths. Layout:
//
//   u8 version | u32 group | u64 from | u64 to | u8 type | body
//
// Decoding is bounded: every length and count is checked against what is
// left of the input, nothing is read past it and trailing bytes are an error.
#include <cstdint>
#include <string>
#include <string_view>

extern "C" { // raft.h has no C++ guards
#include <raft.h>
}

namespace chat::replication::wire {

inline constexpr std::uint8_t version = 1;
/// Caps beyond the input bound (a peer is trusted, but a bug should not OOM us).
inline constexpr std::size_t max_entries = 1u << 20;
inline constexpr std::size_t max_servers = 1024;

struct header {
  std::uint32_t group = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
};

/// Encodes `m` (m.server_id is the destination) as sent by `from` in `group`.
std::string encode(std::uint32_t group, std::uint64_t from, const raft_message& m);

/// Decodes `bytes`. On success `out` holds payloads allocated the way C Raft
/// takes ownership of a received message: append_entries has a raft_malloc'ed
/// entries array (NULL when empty) whose entries all point into one
/// raft_malloc'ed batch; install_snapshot has a raft_malloc'ed data buffer and
/// a configuration built with raft_configuration_add. out.server_id is the
/// sender, out.server_address is left NULL for the caller. On failure nothing
/// stays allocated.
bool decode(std::string_view bytes, header& h, raft_message& out);

/// Frees what decode() allocated, for a message that is not handed to C Raft.
void release(raft_message& m);

/// C Raft's own configuration encoding (raft_configuration_encode: format 1,
/// zero padded to 8 bytes), so that stored configurations stay readable by
/// the library itself.
std::string encode_configuration(const raft_configuration& c);
/// Decodes that encoding into an empty, initialised `out` (bounded).
bool decode_configuration(std::string_view bytes, raft_configuration& out);

} // namespace chat::replication::wire
