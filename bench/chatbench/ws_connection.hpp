#pragma once
// One client WebSocket: connect with a ticket through `hello`, then a read
// loop that hands every frame (classified by parse_frame) to a handler, and a
// write queue with one gathered write in flight. All of a connection's work
// runs on the io_context (thread) it was created on; nothing here locks.
//
// The framing is chatbench's own (wsframe.hpp; Beast does the upgrade's HTTP
// only): each read takes whatever the kernel has into a 1 KiB buffer of the
// connection (a few frames), continuing into a 256 KiB buffer shared by the
// thread's connections when there is more, and every complete frame is
// handled in place where it landed: one read per batch of frames, not per
// frame, no copy, no allocation. Only an incomplete frame's bytes are kept
// per connection until the rest arrives.
#include "asio.hpp"
#include "frames.hpp"
#include "wsframe.hpp"

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  /// `source`: the local address to connect from (idle --source-addresses:
  /// every loopback address has its own ephemeral ports); none: the kernel's.
  asio::awaitable<void> connect(tcp::endpoint endpoint, std::string host_header, std::string_view ticket,
                                std::chrono::milliseconds timeout,
                                std::optional<asio::ip::address_v4> source = std::nullopt);

  /// Starts the read loop; frames go to `handler` from now on.
  void start_reading(frame_handler* handler);

  /// Queues one text frame.
  void send(std::string_view frame);

  /// A close handshake (code 1000), bounded by the connect timeout; the read
  /// loop then ends with on_closed(by_us = true).
  void close();

  bool is_open() const noexcept { return open_; }
  std::size_t tag() const noexcept { return tag_; }
  std::size_t queued() const noexcept { return queue_.size() + writing_.size(); }
  const json::object& hello() const noexcept { return hello_; }

  /// Largest message accepted from the server (PROTOCOL.md frames are ≤ 64 KiB; history pages more).
  static constexpr std::uint64_t max_message = 1u << 20;

private:
  void read_next();
  void on_read(const error_code& ec, std::size_t n);
  /// Handles the complete frames in data[0, n); keeps an incomplete tail. False once the connection ended.
  bool consume(const char* data, std::size_t n);
  /// One frame's payload (unmasked); false once the connection ended.
  bool on_ws_frame(const ws_frame& f, std::string_view payload);
  void deliver(std::string_view text);
  void queue_frame(ws_opcode op, std::string_view payload);
  void write_next();
  void finish(const error_code& ec, int close_code);
  std::uint32_t next_mask() noexcept;

  tcp::socket socket_;
  std::array<char, 1024> first_;  // each read lands here first (usually the whole batch)
  std::string pending_;           // an incomplete frame's bytes
  std::string fragments_;         // a fragmented message being assembled (rare)
  std::vector<std::string> queue_, writing_;  // wire frames: waiting, being written
  std::vector<asio::const_buffer> buffers_;
  json::value scratch_;
  json::object hello_;
  frame_handler* handler_ = nullptr;
  std::unique_ptr<asio::steady_timer> close_timer_;
  std::chrono::milliseconds close_timeout_{15'000};
  std::size_t tag_;
  std::uint64_t mask_state_;
  bool open_ = false;
  bool write_active_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

} // namespace chatbench
