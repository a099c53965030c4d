#pragma once
// How actors reach a client connection without knowing about sockets: push
// an encoded frame, or close with a code. Implemented by the network layer;
// every method is thread-safe and returns at once (it posts to the
// connection's own executor). A frame is encoded once and shared by every
// recipient, so it is a pointer to immutable bytes.
#include <cstdint>
#include <memory>
#include <string>

namespace chat {

using shared_frame = std::shared_ptr<const std::string>;

/// Makes a shared frame from encoded JSON text.
inline shared_frame make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

/// WebSocket close codes the server uses (PROTOCOL.md).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;  ///< a frame broke RFC 6455
inline constexpr std::uint16_t no_status = 1005;       ///< reported for a close frame without a code; never sent
inline constexpr std::uint16_t invalid_payload = 1007; ///< text that is not UTF-8
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t try_again_later = 1013; ///< the data's home node is unreachable
inline constexpr std::uint16_t session_ended = 4001; ///< the auth session was terminated
inline constexpr std::uint16_t too_slow = 4008;      ///< outbound queue over its bound
} // namespace close_code

class connection_sink {
public:
  virtual ~connection_sink() = default;

  /// Queues a text frame. When the queue is over its bound the connection is
  /// closed with 4008 instead (the client re-syncs after reconnecting).
  virtual void push(shared_frame frame) = 0;

  /// Closes the connection with `code`; frames already queued are dropped.
  virtual void close(std::uint16_t code, std::string reason) = 0;

  /// Frames queued and not yet written (for the admin shell and metrics).
  virtual std::size_t queued_frames() const = 0;
};

using sink_ptr = std::shared_ptr<connection_sink>;

} // namespace chat
