#include "net/outbound_queue.hpp"

#include <algorithm>

namespace chat::net {

outbound_queue::verdict outbound_queue::push(shared_frame frame) {
  if (!frame)
    return verdict::queued;
  if (frames_.size() >= max_frames_ || frame->size() > max_bytes_
      || bytes_ > max_bytes_ - frame->size())
    return verdict::overflow;
  bytes_ += frame->size();
  frames_.push_back(std::move(frame));
  return verdict::queued;
}

std::size_t outbound_queue::begin_write(std::size_t max_frames) {
  if (in_flight_ > 0)
    return 0;
  in_flight_ = std::min(max_frames, frames_.size());
  return in_flight_;
}

void outbound_queue::written() noexcept {
  for (; in_flight_ > 0; --in_flight_) {
    bytes_ -= frames_.front()->size();
    frames_.pop_front();
  }
}

void outbound_queue::clear() noexcept {
  frames_.erase(frames_.begin() + static_cast<std::ptrdiff_t>(in_flight_), frames_.end());
  bytes_ = 0;
  for (const auto& f : frames_)
    bytes_ += f->size();
}

} // namespace chat::net
