#include "net/ws_sink.hpp"

#include "net/websocket_session.hpp"

namespace chat::net {

ws_sink::ws_sink(std::weak_ptr<websocket_session> session, std::size_t inbound_bound)
  : session_(std::move(session)), bound_(inbound_bound) {}

void ws_sink::push(shared_frame frame) {
  if (!frame)
    return;
  if (auto s = session_.lock())
    s->post_send(std::move(frame));
}

void ws_sink::close(std::uint16_t code, std::string reason) {
  if (auto s = session_.lock())
    s->post_close(code, std::move(reason));
}

void ws_sink::handled() {
  // Exactly one call crosses from bound_ to bound_ - 1 on the way down,
  // whatever the peak; the connection may have paused at or above it.
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == bound_)
    if (auto s = session_.lock())
      s->post_resume_reading();
}

std::size_t ws_sink::queued_frames() const { return queued_.load(std::memory_order_relaxed); }

void ws_sink::set_queued(std::size_t n) noexcept { queued_.store(n, std::memory_order_relaxed); }

} // namespace chat::net
