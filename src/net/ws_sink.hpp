#pragma once
// The connection_sink of one WebSocket (actors/session/connection_sink.hpp):
// callable from any thread; each call only posts to the connection's strand.
// It holds the connection weakly and nothing of Asio, so an actor keeping its
// sink keeps neither a closed connection nor the io_context's strand alive;
// calls after the connection is gone do nothing.
#include <atomic>
#include <memory>

#include "actors/session/connection_sink.hpp"

namespace chat::net {

class websocket_session;

class ws_sink final : public chat::connection_sink {
public:
  explicit ws_sink(std::weak_ptr<websocket_session> session);

  void push(shared_frame frame) override;
  void close(std::uint16_t code, std::string reason) override;
  std::size_t queued_frames() const override;

  /// The connection publishes its queue length here (on its strand).
  void set_queued(std::size_t n) noexcept;

private:
  std::weak_ptr<websocket_session> session_;
  std::atomic<std::size_t> queued_{0};
};

} // namespace chat::net
