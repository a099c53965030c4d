#pragma once
// One HTTP/1.1 connection, over plain TCP or TLS (https). Reads a request,
// routes it, waits for its answer (possibly from an actor, posted back to
// this strand), writes it, then reads the next: answers go out in request
// order, one write in flight. `GET /ws?ticket=` hands the stream to a
// websocket_session once redeemed. Both variants are instantiated in
// http_session.cpp only.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "net/beast.hpp"
#include "net/connection_limits.hpp"
#include "net/responder.hpp"
#include "net/server_context.hpp"

namespace chat::net {

/// `Stream` is plain_stream or tls_stream (beast.hpp).
template <class Stream>
class http_session : public exchange, public std::enable_shared_from_this<http_session<Stream>> {
public:
  /// Takes over an accepted connection whose executor is a strand; `slot`
  /// is its place under the connection caps, held until it closes.
  http_session(Stream&& stream, std::shared_ptr<const server_context> ctx, connection_slot slot);

  /// Starts reading requests (after the TLS handshake, over TLS).
  void run();

  /// Runs `fn` on this connection's strand.
  void post(std::function<void()> fn) override;

  /// Writes the answer to the current request (on the strand).
  void send(response res) override;

  /// Writes a header, then the pieces of its body one by one (on the strand).
  void stream(response head, std::uint64_t length, next_piece next) override;

private:
  using clock = std::chrono::steady_clock;
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }
  void on_handshake(beast::error_code ec);
  void do_read();
  void on_header(beast::error_code ec, std::size_t bytes);
  void on_continue(beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read(beast::error_code ec, std::size_t bytes);
  void on_read_error(beast::error_code ec);
  /// Answers a request whose framing cannot be trusted, then closes.
  void refuse_malformed(const api_error& e, std::string_view reason);
  void on_request(http::request<http::string_body> req);
  void on_upgrade(http::request<http::string_body> req);
  void on_ticket(outcome<principal> who);
  void reject(const api_error& e, std::string_view route);
  void on_write(beast::error_code ec, std::size_t bytes);
  /// Metrics and the request log line of an answer with `status`.
  void account(unsigned status);
  void on_head_written(beast::error_code ec, std::size_t bytes);
  void pull_piece();
  void on_piece(outcome<std::string> piece);
  void on_piece_written(beast::error_code ec, std::size_t bytes);
  void do_close();
  void do_linger();
  void on_linger(beast::error_code ec, std::size_t bytes);

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const server_context> ctx_;
  connection_slot slot_;

  // The request being answered.
  http::verb method_ = http::verb::unknown;
  std::string_view route_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool answered_ = true;
  bool close_after_ = false; ///< the stream is unusable after this answer
  clock::time_point started_;

  std::optional<response> out_; ///< alive while its write is in flight
  std::size_t body_limit_ = 0;  ///< of the request being read

  // A streamed answer (stream()): its header's serializer, the piece being
  // written, what is left to write and where the pieces come from.
  std::optional<http::response_serializer<http::string_body>> head_sr_;
  std::string piece_;
  std::uint64_t stream_left_ = 0;
  next_piece next_;
  std::optional<http::request<http::string_body>> upgrade_; ///< while its ticket is redeemed
  std::unique_ptr<char[]> drain_;
  std::size_t drained_ = 0;
};

extern template class http_session<plain_stream>;
extern template class http_session<tls_stream>;

} // namespace chat::net
