#pragma once
// The node's HTTP front end (PROTOCOL.md): routes requests to the actors
// through their CAF-free clients and writes the answers.
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "actors/auth/auth_client.hpp"
#include "net/http_settings.hpp"

namespace chat::net {

class listener;
struct server_context;

/// Serves HTTP on the io_context's threads.
class http_server {
public:
  http_server(boost::asio::io_context& ioc, http_settings settings, chat::auth_client auth);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts accepting. Returns false and sets *error to a one-line
  /// reason (e.g. "port 8101 in use") on failure.
  bool start(std::string* error);

  /// Stops accepting new connections (existing ones finish their in-flight request).
  void stop();

  /// The bound port (useful when settings asked for port 0); 0 before start.
  unsigned short port() const;

private:
  boost::asio::io_context& ioc_;
  std::shared_ptr<server_context> ctx_;
  std::shared_ptr<listener> listener_;
};

} // namespace chat::net
