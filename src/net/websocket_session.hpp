#pragma once
// One WebSocket connection (GET /ws after its ticket was redeemed). Every
// handler runs on the connection's strand. Inbound messages go to the
// session actor (through a ws_peer); outbound frames arrive through a
// ws_sink, wait in a bounded outbound_queue and are written back to back,
// one async_write in flight.
#include <cstdint>
#include <memory>
#include <string>

#include "net/beast.hpp"
#include "net/outbound_queue.hpp"
#include "net/server_context.hpp"

namespace chat::net {

class ws_sink;

class websocket_session : public std::enable_shared_from_this<websocket_session> {
public:
  /// Takes over an upgraded socket whose executor is a strand; `who` is the
  /// redeemed ticket's owner.
  websocket_session(tcp::socket&& socket, std::shared_ptr<const server_context> ctx,
                    principal who);
  ~websocket_session();

  websocket_session(const websocket_session&) = delete;
  websocket_session& operator=(const websocket_session&) = delete;

  /// Answers the upgrade request with 101, then opens the session actor and
  /// reads. Call on the strand.
  void run(http::request<http::string_body> req);

  /// `send` / `close` run on the strand; callable from any thread (ws_sink).
  void post_send(shared_frame frame);
  void post_close(std::uint16_t code, std::string reason);

private:
  /// Queues a frame, or closes with 4008 when the queue is over its bound.
  void send(shared_frame frame);
  /// Drops queued frames and closes with `code`; the TCP connection is
  /// dropped if that does not finish within ws_close_timeout.
  void close(std::uint16_t code, std::string reason);
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(beast::error_code ec);
  void send_close();
  void drop();
  void publish_queue();

  std::shared_ptr<const server_context> ctx_;
  principal who_;
  std::string remote_; ///< "ip:port", for the admin shell and logs
  const asio::any_io_executor strand_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer in_;
  asio::steady_timer close_timer_;
  outbound_queue queue_;
  std::shared_ptr<ws_sink> sink_;
  std::unique_ptr<ws_peer> peer_; ///< set once accepted, until closed() was called

  bool open_ = false;       ///< accepted, session actor opened
  bool closing_ = false;    ///< no more frames are written
  bool close_sent_ = false; ///< async_close started
  bool read_done_ = false;  ///< the read loop ended: the connection is gone
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;
};

} // namespace chat::net
