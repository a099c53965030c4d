#pragma once
// One HTTP/1.1 connection. Reads a request, routes it, waits for its answer
// (possibly from an actor, posted back to this strand), writes it, then
// reads the next: answers go out in request order, one write in flight.
// `GET /ws?ticket=` hands the socket to a websocket_session once redeemed.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "net/beast.hpp"
#include "net/responder.hpp"
#include "net/server_context.hpp"

namespace chat::net {

class http_session : public exchange, public std::enable_shared_from_this<http_session> {
public:
  /// Takes over an accepted socket whose executor is a strand.
  http_session(tcp::socket&& socket, std::shared_ptr<const server_context> ctx);

  /// Starts reading requests.
  void run();

  /// Runs `fn` on this connection's strand.
  void post(std::function<void()> fn) override;

  /// Writes the answer to the current request (on the strand).
  void send(response res) override;

private:
  using clock = std::chrono::steady_clock;

  void do_read();
  void on_header(beast::error_code ec, std::size_t bytes);
  void on_continue(beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read(beast::error_code ec, std::size_t bytes);
  void on_read_error(beast::error_code ec);
  void on_request(http::request<http::string_body> req);
  void on_upgrade(http::request<http::string_body> req);
  void on_ticket(outcome<principal> who);
  void reject(const api_error& e, std::string_view route);
  void on_write(beast::error_code ec, std::size_t bytes);
  void do_close();
  void do_linger();
  void on_linger(beast::error_code ec, std::size_t bytes);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const server_context> ctx_;

  // The request being answered.
  http::verb method_ = http::verb::unknown;
  std::string_view route_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool answered_ = true;
  bool close_after_ = false; ///< the stream is unusable after this answer
  clock::time_point started_;

  std::optional<response> out_; ///< alive while its write is in flight
  std::optional<http::request<http::string_body>> upgrade_; ///< while its ticket is redeemed
  std::unique_ptr<char[]> drain_;
  std::size_t drained_ = 0;
};

} // namespace chat::net
