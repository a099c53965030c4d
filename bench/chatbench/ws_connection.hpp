#pragma once
// One client WebSocket: connect with a ticket through `hello`, then a read
// loop that hands every frame (classified by parse_frame) to a handler, and a
// write queue with one async_write in flight. All of a connection's work runs
// on the io_context (thread) it was created on; nothing here locks.
#include "asio.hpp"
#include "frames.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <string>

namespace chatbench {

class ws_connection;

/// What a scenario does with a connection's frames; called on its thread.
struct frame_handler {
  virtual ~frame_handler() = default;
  virtual void on_frame(ws_connection& c, std::string_view text, const frame_info& f) = 0;
  /// The read loop ended: the server closed (close_code from its close frame,
  /// 0 if none), a network error, or our own close() (`by_us`).
  virtual void on_closed(ws_connection& c, const error_code& ec, int close_code, bool by_us) = 0;
};

class ws_connection : public std::enable_shared_from_this<ws_connection> {
public:
  ws_connection(asio::any_io_executor ex, std::size_t tag);

  /// TCP connect (TCP_NODELAY), upgrade on `GET /ws?ticket=…`, read `hello`.
  /// Throws std::runtime_error (with the reason) on failure or after `timeout`.
  asio::awaitable<void> connect(tcp::endpoint endpoint, std::string host_header, std::string_view ticket,
                                std::chrono::milliseconds timeout);

  /// Starts the read loop; frames go to `handler` from now on.
  void start_reading(frame_handler* handler);

  /// Queues one text frame.
  void send(std::string frame);

  /// A close handshake (code 1000), bounded by the connect timeout; the read
  /// loop then ends with on_closed(by_us = true).
  void close();

  bool is_open() const noexcept { return open_; }
  std::size_t tag() const noexcept { return tag_; }
  std::size_t queued() const noexcept { return queue_.size(); }
  const json::object& hello() const noexcept { return hello_; }

private:
  void read_next();
  void on_read(const error_code& ec);
  void write_next();

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  json::value scratch_;
  json::object hello_;
  frame_handler* handler_ = nullptr;
  std::size_t tag_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
};

} // namespace chatbench
