#pragma once
// The WebSocket side of the actors, for the network layer (no CAF here).
// After the upgrade the connection redeems its ticket, opens a session actor
// with its sink, then feeds it every inbound text frame.
#include <functional>
#include <memory>
#include <string>

#include "actors/session/connection_sink.hpp"
#include "schema/outcome.hpp"
#include "schema/wire.hpp"

namespace chat {

class session_gateway {
public:
  class impl;
  explicit session_gateway(std::shared_ptr<impl> pimpl);
  ~session_gateway();

  /// Redeems a single-use ticket: who it was issued to, or `unauthorized`.
  void redeem_ticket(std::string ticket,
                     std::function<void(outcome<principal>)> done) const;

  /// Spawns the session actor for an accepted connection; it pushes `hello`
  /// first. `remote` is the peer address, for the admin shell.
  std::unique_ptr<session_inbound> open(principal who, sink_ptr sink, std::string remote) const;

private:
  std::shared_ptr<impl> pimpl_;
};

} // namespace chat
