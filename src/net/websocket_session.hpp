#pragma once
// One WebSocket connection (GET /ws after its ticket was redeemed). Every
// handler runs on the connection's strand. Beast answers the upgrade; after
// that the connection speaks RFC 6455 itself (ws_frame.hpp): inbound
// messages go to the session actor (through its session_inbound); outbound frames
// arrive through a ws_sink, wait in a bounded outbound_queue, and whatever
// has queued up leaves in one gathered write. Over TLS (wss) the same
// framing runs on the TLS stream: reads complete into a per-connection
// buffer and a batch is copied into one TLS write.
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/beast.hpp"
#include "net/outbound_queue.hpp"
#include "net/server_context.hpp"
#include "net/ws_frame.hpp"

namespace chat::net {

class ws_sink;

class websocket_session : public std::enable_shared_from_this<websocket_session>,
                          private ws::frame_handler {
public:
  /// Takes over an upgraded socket whose executor is a strand; `who` is the
  /// redeemed ticket's owner.
  websocket_session(tcp::socket&& socket, std::shared_ptr<const server_context> ctx,
                    principal who, connection_slot slot);
  /// The same over TLS: takes over the https connection's stream.
  websocket_session(tls_stream&& stream, std::shared_ptr<const server_context> ctx,
                    principal who, connection_slot slot);
  ~websocket_session() override;

  websocket_session(const websocket_session&) = delete;
  websocket_session& operator=(const websocket_session&) = delete;

  /// Answers the upgrade request with 101, then opens the session actor and
  /// reads. Call on the strand.
  void run(http::request<http::string_body> req);

  /// Callable from any thread (ws_sink). Frames pushed while the strand is
  /// busy share one hand-off to it.
  void post_send(shared_frame frame);
  void post_close(std::uint16_t code, std::string reason);
  /// The session actor caught up with the frames read (ws_sink::handled).
  void post_resume_reading();

private:
  void on_accept(beast::error_code ec);

  // Reading: wait until readable, then read into a per-thread buffer, so an
  // idle connection holds no read buffer; only an incomplete frame is kept.
  void do_read();
  void on_readable(beast::error_code ec);
  void on_tls_read(beast::error_code ec, std::size_t bytes);
  /// Feeds received bytes (unmasked in place) to the frame reader.
  void take_bytes(char* data, std::size_t size);
  /// Too many frames read and not yet handled by the actor: stop reading
  /// (TCP pushes back on the peer) until it catches up. True if paused.
  bool pause_reading();
  void resume_reading();
  void on_text(std::string_view message) override;
  void on_binary() override;
  void on_ping(std::string_view payload) override;
  void on_pong() override;
  void on_close(std::uint16_t code, std::string_view reason) override;
  void on_violation(std::uint16_t code, std::string_view why) override;

  // Writing: control frames first, then up to max_batch data frames.
  void take_inbox();
  void send(shared_frame frame);
  void do_write();
  void on_write(beast::error_code ec);

  /// Drops queued frames and sends a close frame with `code`; the TCP
  /// connection is dropped if the close handshake is not done within
  /// ws_close_timeout.
  void close(std::uint16_t code, std::string_view reason);
  void arm_idle_check();
  void on_idle_check(beast::error_code ec);
  /// The connection is over: closes the socket, tells the session actor.
  void finish(std::string_view why);
  void publish_queue();
  /// No more data frames are accepted or written.
  bool closing() const noexcept { return phase_ >= phase::close_queued; }

  std::shared_ptr<const server_context> ctx_;
  principal who_;
  std::string remote_; ///< "ip:port", for the admin shell and logs
  const asio::any_io_executor strand_;
  /// Only while the upgrade is answered (one of the two).
  std::unique_ptr<websocket::stream<beast::tcp_stream>> handshake_;
  std::unique_ptr<websocket::stream<tls_stream>> tls_handshake_;
  tcp::socket socket_; ///< plain connections once accepted
  std::unique_ptr<tls_stream> tls_; ///< TLS connections once accepted
  std::unique_ptr<char[]> tls_in_;  ///< TLS reads complete here
  std::string tls_out_;             ///< the TLS write in flight, one buffer
  connection_slot slot_;
  asio::steady_timer timer_; ///< idle checks while open; the close deadline after
  ws::frame_reader reader_;
  std::string partial_; ///< bytes of a frame not yet complete
  bool read_paused_ = false; ///< see pause_reading()

  std::mutex inbox_mutex_;
  std::vector<shared_frame> inbox_; ///< pushed, not yet taken on the strand
  std::vector<shared_frame> taking_;

  outbound_queue queue_;
  std::string control_;           ///< control frames waiting (encoded)
  std::string control_in_flight_; ///< control frames of the write in flight
  std::vector<std::array<unsigned char, ws::max_header_bytes>> headers_;
  std::vector<asio::const_buffer> buffers_;
  bool writing_ = false;

  std::shared_ptr<ws_sink> sink_;
  std::unique_ptr<session_inbound> peer_; ///< set once accepted, until closed() was called

  /// The connection's life, in order: states only move forward.
  enum class phase : std::uint8_t {
    accepting,     ///< upgraded; the session actor is not open yet
    open,          ///< frames flow both ways
    close_queued,  ///< our close frame waits (behind a write in flight)
    close_writing, ///< our close frame is part of the write in flight
    close_sent,    ///< our close frame is written; the peer's is awaited
    done,          ///< finish() ran: the socket is closed
  };
  phase phase_ = phase::accepting;
  bool close_received_ = false; ///< the peer's close frame arrived

  /// What the idle check saw: bytes since the last check, none, or none
  /// even after a ping (the next check drops the peer).
  enum class liveness : std::uint8_t { heard, quiet, pinged };
  liveness liveness_ = liveness::heard;
};

} // namespace chat::net
