#pragma once
// The bounded outbound queue of one WebSocket connection (PROTOCOL.md: a
// connection that cannot keep up is closed with 4008). Pure bookkeeping, no
// I/O: the session marks a batch of frames in flight, writes them in one
// gathered write, then calls `written()`. Frames being written still count,
// as their bytes are not yet out.
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

  /// Marks up to `max_frames` of the oldest waiting frames in flight and
  /// returns how many; 0 when a batch is already in flight or nothing waits.
  std::size_t begin_write(std::size_t max_frames);

  /// Frame `i` of the batch in flight (i < in_flight()).
  const shared_frame& in_flight_frame(std::size_t i) const { return frames_[i]; }
  std::size_t in_flight() const noexcept { return in_flight_; }

  /// The batch in flight has been written (or failed): it leaves the queue.
  void written() noexcept;

  /// Drops every waiting frame. The batch in flight stays until `written()`,
  /// as the socket still reads from it.
  void clear() noexcept;

  bool writing() const noexcept { return in_flight_ > 0; }
  bool empty() const noexcept { return frames_.empty(); }
  std::size_t frames() const noexcept { return frames_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }

private:
  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::deque<shared_frame> frames_;
  std::size_t bytes_ = 0;
  std::size_t in_flight_ = 0; ///< the first in_flight_ frames are being written
};

} // namespace chat::net
