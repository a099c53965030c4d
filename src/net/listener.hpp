#pragma once
// Accepts TCP connections and starts an http_session for each, on its own
// strand: over TLS when the server has a certificate. Connections over the
// caps (connection_limits) are closed at once. Out of descriptors, accepting
// backs off (doubling up to a second) instead of spinning.
#include <memory>
#include <string>

#include "net/beast.hpp"
#include "net/log_throttle.hpp"
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
  void start_session(tcp::socket socket);

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::chrono::milliseconds backoff_{0}; ///< current pause after a failed accept
  log_throttle accept_log_{3, std::chrono::seconds{30}};
  log_throttle refused_log_;
  std::shared_ptr<const server_context> ctx_;
};

} // namespace chat::net
