#include "net/outbound_queue.hpp"

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

shared_frame outbound_queue::begin_write() {
  if (writing_ || frames_.empty())
    return nullptr;
  writing_ = true;
  return frames_.front();
}

void outbound_queue::written() noexcept {
  if (!writing_)
    return;
  writing_ = false;
  bytes_ -= frames_.front()->size();
  frames_.pop_front();
}

void outbound_queue::clear() noexcept {
  if (writing_) {
    auto keep = std::move(frames_.front());
    frames_.clear();
    bytes_ = keep->size();
    frames_.push_back(std::move(keep));
  } else {
    frames_.clear();
    bytes_ = 0;
  }
}

} // namespace chat::net
