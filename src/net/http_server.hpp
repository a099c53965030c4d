#pragma once
// The node's HTTP and WebSocket front end (PROTOCOL.md): routes requests to
// the actors through their CAF-free clients and writes the answers; upgrades
// `GET /ws?ticket=` to a WebSocket fed to a session actor.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/http_settings.hpp"
#include "net/services.hpp"

namespace chat::net {

class listener;
struct server_context;

/// Serves HTTP and WebSocket on the io_context's threads.
class http_server {
public:
  http_server(boost::asio::io_context& ioc, http_settings settings, services svc);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts accepting. Returns false and sets *error to a one-line
  /// reason (e.g. "port 8101 in use") on failure.
  bool start(std::string* error);

  /// Reads the TLS certificate and key again (SIGHUP): new connections use
  /// them, open ones keep theirs. On failure (or without TLS) the previous
  /// certificate stays and *error says why.
  bool reload_tls(std::string* error);

  /// Stops accepting new connections (existing ones finish their in-flight
  /// request; open WebSockets stay until their session actors close them).
  void stop();

  /// The bound port (useful when settings asked for port 0); 0 before start.
  unsigned short port() const;

  /// Every (method, pattern) this server answers, e.g. ("GET", "/users/{id}"):
  /// the router's table plus `GET /ws` (the upgrade, matched before routing)
  /// when WebSockets are served. Known from construction on, before start();
  /// `chatnode --print-routes` prints it.
  std::vector<std::pair<std::string, std::string>> routes() const;

private:
  boost::asio::io_context& ioc_;
  std::shared_ptr<server_context> ctx_;
  std::shared_ptr<listener> listener_;
};

} // namespace chat::net
