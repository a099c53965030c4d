#pragma once
// RFC 6455 framing on the server side, with no I/O: the header of an
// outgoing frame, and a reader that turns a client's bytes into whole
// messages and control frames. websocket_session does the I/O itself (Beast
// only answers the upgrade) so that a connection's queued frames leave in
// one gathered write instead of one system call each.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/close_code.hpp"

namespace chat::net::ws {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// The largest header of a server frame: 2 bytes, then up to 8 of length.
inline constexpr std::size_t max_header_bytes = 10;
/// Control frames (close, ping, pong) carry at most this much.
inline constexpr std::size_t max_control_payload = 125;

/// Writes the header of an unmasked, final frame carrying `payload_bytes`
/// into `out` (at least max_header_bytes long); returns the header's size.
std::size_t encode_header(opcode op, std::size_t payload_bytes, unsigned char* out) noexcept;

/// A whole control frame (header and payload); `payload` is cut to 125 bytes.
std::string encode_control(opcode op, std::string_view payload);

/// A whole close frame: the code, then `reason` cut to fit on a UTF-8
/// character boundary.
std::string encode_close(std::uint16_t code, std::string_view reason);

/// Well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool valid_utf8(std::string_view s) noexcept;

/// What a client's frames amount to; called synchronously by frame_reader.
class frame_handler {
public:
  virtual ~frame_handler() = default;
  /// A complete text message, already checked to be UTF-8. The view lives
  /// only during the call.
  virtual void on_text(std::string_view message) = 0;
  virtual void on_binary() = 0;
  virtual void on_ping(std::string_view payload) = 0;
  virtual void on_pong() = 0;
  /// The peer's close frame (code 1005 when it carried none).
  virtual void on_close(std::uint16_t code, std::string_view reason) = 0;
  /// The peer broke the protocol: close with `code` (1002, 1007 or 1009).
  virtual void on_violation(std::uint16_t code, std::string_view why) = 0;
};

/// Parses client frames: checks masking, reserved bits, opcodes, lengths and
/// fragmentation, unmasks in place, reassembles fragmented messages and
/// limits a message to `max_message` bytes (checked from the header, so an
/// oversized frame is refused before its payload arrives).
class frame_reader {
public:
  explicit frame_reader(std::size_t max_message) noexcept : max_message_(max_message) {}

  /// Reports every whole frame at the start of [data, data + size) to `h`
  /// and returns the bytes used; the rest is an incomplete frame, to be
  /// passed again with more bytes after it.
  ///
  /// After a violation the reader reports nothing but the peer's close
  /// frame (its answer to ours) if the framing is still intact (an oversized
  /// message, text that is not UTF-8); when the framing itself is broken, or
  /// after a close frame, nothing more is parsed and all bytes count as used.
  std::size_t consume(char* data, std::size_t size, frame_handler& h);

  /// A close frame was read or the framing is broken: nothing more to parse.
  bool finished() const noexcept { return finished_; }

private:
  /// One whole frame, unmasked.
  void on_frame(bool fin, opcode op, std::string_view payload, frame_handler& h);
  /// A violation that leaves the framing intact: report it (the first one
  /// only) and drain until the peer's close frame.
  void reject(std::uint16_t code, std::string_view why, frame_handler& h);
  /// A violation of the framing itself (1002): nothing more can be parsed.
  void broken(std::string_view why, frame_handler& h);

  std::size_t max_message_;
  bool finished_ = false;
  bool draining_ = false;      ///< after a violation: only a close frame matters
  std::uint64_t skip_ = 0;     ///< bytes of a dropped frame still to pass over
  bool in_message_ = false;    ///< a fragmented message is being reassembled
  opcode message_op_ = opcode::text;
  std::string fragments_;      ///< its payload so far
};

} // namespace chat::net::ws
