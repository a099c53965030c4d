#pragma once
// The cluster port: a TCP listener that admits only peers passing the
// handshake (handshake.hpp), and a dialer that passes it towards a peer.
// An admitted connection leaves as a file descriptor for CAF's BASP
// (peer_manager hands it over); a rejected one is closed and logged. Runs on a thread
// of its own so a slow or hostile peer never touches the actor scheduler.
// With TLS settings, both sides first do a TLS handshake (mutual: each must
// chain to the cluster CA), run the secret's handshake inside it, and BASP
// gets a socketpair end that tls_pump.hpp bridges to the TLS stream.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace chat::cluster {

/// How the cluster port admits (cluster.conf [cluster], docs/architecture.md).
struct gate_settings {
  /// From accept (or connect) to the end of the secret's proof, TLS included.
  std::chrono::milliseconds handshake_timeout{2000};
  std::size_t pending_total = 64;     ///< pending inbound handshakes, all sources
  std::size_t pending_per_source = 8; ///< pending inbound handshakes per remote address
  /// TLS contexts (security/tls_context.hpp): `listen` speaks TLS when the
  /// server one is set, `dial` when the client one is; null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls_server;
  std::shared_ptr<boost::asio::ssl::context> tls_client;
};

class gate {
public:
  /// An admitted inbound connection and the name the peer proved.
  using admitted = std::function<void(int fd, std::string peer)>;
  /// The outcome of a dial: fd >= 0, or -1 with a reason.
  using dialed = std::function<void(int fd, std::string error)>;

  gate(std::string self_name, std::string key, gate_settings settings = {});
  ~gate();
  gate(const gate&) = delete;
  gate& operator=(const gate&) = delete;

  /// Binds the cluster port and starts admitting. False with *error set if
  /// the port cannot be bound.
  bool listen(const std::string& host, std::uint16_t port, admitted on_admit, std::string* error);
  /// Connects to a peer's cluster port and proves the key; `done` runs on
  /// the gate's thread.
  void dial(const std::string& host, std::uint16_t port, dialed done);
  /// Closes the listener and every pending handshake; joins the thread.
  void stop();

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace chat::cluster
