#pragma once
// Accepts TCP connections and starts an http_session for each, on its own
// strand.
#include <memory>
#include <string>

#include "net/beast.hpp"
#include "net/server_context.hpp"

namespace chat::net {

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(asio::io_context& ioc, std::shared_ptr<const server_context> ctx);

  /// Opens, binds and listens on `ep`; false with a one-line reason on failure.
  bool open(const tcp::endpoint& ep, std::string* error);

  /// Starts the accept loop.
  void run();

  /// Closes the acceptor; sessions already running are not touched.
  void stop();

  /// The bound endpoint (the real port when 0 was asked).
  tcp::endpoint local_endpoint() const;

private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<const server_context> ctx_;
};

} // namespace chat::net
