#pragma once
// The seam between a client connection and its session actor, in both
// directions, with no CAF and no sockets in sight. Actors reach the
// connection through a connection_sink: push an encoded frame, or close
// with a code. Implemented by the network layer;
// every method is thread-safe and returns at once (it posts to the
// connection's own executor). A frame is encoded once and shared by every
// recipient, so it is a pointer to immutable bytes.
#include <cstdint>
#include <memory>
#include <string>

#include "schema/close_code.hpp"

namespace chat {

using shared_frame = std::shared_ptr<const std::string>;

/// Makes a shared frame from encoded JSON text.
inline shared_frame make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

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

  /// The session actor has dealt with one more inbound frame. The connection
  /// stops reading from its socket while too many of its frames are not yet
  /// dealt with, so a client that sends faster than its session works is
  /// held back by TCP instead of by memory.
  virtual void handled() {}
};

using sink_ptr = std::shared_ptr<connection_sink>;

/// The other direction: how a connection reaches its session actor. Called
/// on the connection's own executor; every method returns at once.
/// Destroying it ends the session actor too, so a connection torn down
/// without closed() (the I/O loop stopping) leaks nothing.
class session_inbound {
public:
  virtual ~session_inbound() = default;
  /// A complete inbound text message (already size-limited by the network).
  virtual void inbound(std::string text) = 0;
  /// An inbound binary message: answered with a bad_request error frame.
  virtual void inbound_binary() = 0;
  /// The connection is gone; called exactly once, last.
  virtual void closed() = 0;
};

} // namespace chat
