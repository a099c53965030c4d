#include "net/ws_sink.hpp"

#include "net/websocket_session.hpp"

namespace chat::net {

ws_sink::ws_sink(std::weak_ptr<websocket_session> session, asio::any_io_executor strand)
  : session_(std::move(session)), strand_(std::move(strand)) {}

void ws_sink::push(shared_frame frame) {
  if (!frame || session_.expired())
    return;
  asio::post(strand_, [w = session_, frame = std::move(frame)]() mutable {
    if (auto s = w.lock())
      s->send(std::move(frame));
  });
}

void ws_sink::close(std::uint16_t code, std::string reason) {
  if (session_.expired())
    return;
  asio::post(strand_, [w = session_, code, reason = std::move(reason)]() mutable {
    if (auto s = w.lock())
      s->close(code, std::move(reason));
  });
}

std::size_t ws_sink::queued_frames() const { return queued_.load(std::memory_order_relaxed); }

void ws_sink::set_queued(std::size_t n) noexcept { queued_.store(n, std::memory_order_relaxed); }

} // namespace chat::net
