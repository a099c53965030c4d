#include "net/ws_sink.hpp"

#include "net/websocket_session.hpp"

namespace chat::net {

ws_sink::ws_sink(std::weak_ptr<websocket_session> session) : session_(std::move(session)) {}

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

std::size_t ws_sink::queued_frames() const { return queued_.load(std::memory_order_relaxed); }

void ws_sink::set_queued(std::size_t n) noexcept { queued_.store(n, std::memory_order_relaxed); }

} // namespace chat::net
