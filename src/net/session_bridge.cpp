#include "net/session_bridge.hpp"

namespace chat::net {
namespace {

/// A session actor's handle seen as a ws_peer. Dropping the handle also
/// ends the actor, so a connection torn down without `closed()` (the
/// io_context stopping) does not leak it.
class session_peer final : public ws_peer {
public:
  explicit session_peer(chat::session_handle h) : handle_(std::move(h)) {}
  void inbound(std::string text) override { handle_.inbound(std::move(text)); }
  void inbound_binary() override { handle_.inbound_binary(); }
  void closed() override { handle_.closed(); }

private:
  chat::session_handle handle_;
};

} // namespace

websocket_hooks websocket_hooks_for(chat::session_gateway gateway) {
  auto gw = std::make_shared<const chat::session_gateway>(std::move(gateway));
  websocket_hooks h;
  h.redeem = [gw](std::string ticket, std::function<void(outcome<principal>)> done) {
    gw->redeem_ticket(std::move(ticket), std::move(done));
  };
  h.open = [gw](principal who, sink_ptr sink, std::string remote) -> std::unique_ptr<ws_peer> {
    return std::make_unique<session_peer>(gw->open(std::move(who), std::move(sink), std::move(remote)));
  };
  return h;
}

} // namespace chat::net
