#pragma once
// The bounded outbound queue of one WebSocket connection (PROTOCOL.md: a
// connection that cannot keep up is closed with 4008). Pure bookkeeping, no
// I/O: the session writes `front` while `writing()`, then calls `written()`.
// The frame being written still counts, as its bytes are not yet out.
#include <cstddef>
#include <deque>

#include "actors/session/connection_sink.hpp"

namespace chat::net {

class outbound_queue {
public:
  /// At most `max_frames` frames and `max_bytes` bytes, the one in flight included.
  outbound_queue(std::size_t max_frames, std::size_t max_bytes) noexcept
    : max_frames_(max_frames), max_bytes_(max_bytes) {}

  enum class verdict {
    queued,   ///< appended
    overflow, ///< would exceed a bound; nothing was appended
  };

  /// Appends `frame` unless that would exceed a bound. A null frame is ignored.
  verdict push(shared_frame frame);

  /// The next frame to write, now marked in flight; null when one is already
  /// in flight or nothing waits.
  shared_frame begin_write();

  /// The frame in flight has been written (or failed): it leaves the queue.
  void written() noexcept;

  /// Drops every waiting frame. The one in flight stays until `written()`,
  /// as the socket still reads from it.
  void clear() noexcept;

  bool writing() const noexcept { return writing_; }
  bool empty() const noexcept { return frames_.empty(); }
  std::size_t frames() const noexcept { return frames_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }

private:
  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::deque<shared_frame> frames_;
  std::size_t bytes_ = 0;
  bool writing_ = false; ///< frames_.front() is being written
};

} // namespace chat::net
