#pragma once
// The connection_sink of one WebSocket (actors/session/connection_sink.hpp):
// callable from any thread; each call only posts to the connection's strand.
// It holds the connection weakly, so an actor keeping its sink never keeps a
// closed connection alive; calls after the connection is gone do nothing.
#include <atomic>
#include <memory>

#include "actors/session/connection_sink.hpp"
#include "net/beast.hpp"

namespace chat::net {

class websocket_session;

class ws_sink final : public chat::connection_sink {
public:
  ws_sink(std::weak_ptr<websocket_session> session, asio::any_io_executor strand);

  void push(shared_frame frame) override;
  void close(std::uint16_t code, std::string reason) override;
  std::size_t queued_frames() const override;

  /// The connection publishes its queue length here (on its strand).
  void set_queued(std::size_t n) noexcept;

private:
  std::weak_ptr<websocket_session> session_;
  asio::any_io_executor strand_;
  std::atomic<std::size_t> queued_{0};
};

} // namespace chat::net
