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
  /// `inbound_bound`: frames read but not yet handled before reading pauses.
  ws_sink(std::weak_ptr<websocket_session> session, std::size_t inbound_bound);

  void push(shared_frame frame) override;
  void close(std::uint16_t code, std::string reason) override;
  std::size_t queued_frames() const override;
  /// From the session actor: one frame less pending; crossing back under the
  /// bound wakes a paused connection.
  void handled() override;

  /// The connection handed one more frame to the actor.
  void received() noexcept { pending_.fetch_add(1, std::memory_order_acq_rel); }
  /// Fewer than the bound pending: the connection may read on.
  bool may_read() const noexcept { return pending_.load(std::memory_order_acquire) < bound_; }

  /// The connection publishes its queue length here (on its strand).
  void set_queued(std::size_t n) noexcept;

private:
  std::weak_ptr<websocket_session> session_;
  std::atomic<std::size_t> queued_{0};
  const std::size_t bound_;
  std::atomic<std::size_t> pending_{0}; ///< inbound frames not yet handled
};

} // namespace chat::net
