#pragma once
// The WebSocket framing (RFC 6455 §5) chatbench's client needs, kept apart
// from the socket code so it is unit-tested: reading a frame's header from
// received bytes (server frames: unmasked), and writing a client frame
// (always masked). The receive path parses frames in place in one read
// buffer per thread: no copy, no allocation per frame.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chatbench {

enum class ws_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

struct ws_frame {
  enum class status { complete, incomplete, error };
  status state = status::incomplete;
  bool fin = false;
  ws_opcode opcode = ws_opcode::continuation;
  bool masked = false;
  std::uint32_t mask_key = 0;     ///< as the 4 bytes appear on the wire, first byte lowest
  std::size_t header_size = 0;    ///< 2 … 14
  std::uint64_t payload_size = 0;
  std::size_t size() const noexcept { return header_size + static_cast<std::size_t>(payload_size); }
};

/// The frame at the start of `data`: complete (header and whole payload
/// present), incomplete (more bytes needed) or error (reserved bits or
/// opcodes, a control frame over 125 bytes or fragmented, a non-minimal or
/// too large length, over `max_payload`).
ws_frame read_ws_frame(std::string_view data, std::uint64_t max_payload) noexcept;

/// XORs `n` bytes with the mask key, `offset` bytes into the payload.
void ws_unmask(char* data, std::size_t n, std::uint32_t mask_key, std::size_t offset = 0) noexcept;

/// Appends one final (FIN) client frame: header, mask key, masked payload.
void append_ws_frame(std::string& out, ws_opcode op, std::string_view payload, std::uint32_t mask_key);

/// A close frame's status code (1005 "no status" when the payload is empty).
std::uint16_t ws_close_code(std::string_view payload) noexcept;

} // namespace chatbench
