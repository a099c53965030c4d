#include "net/session_bridge.hpp"

namespace chat::net {
websocket_hooks websocket_hooks_for(chat::session_gateway gateway) {
  auto gw = std::make_shared<const chat::session_gateway>(std::move(gateway));
  websocket_hooks h;
  h.redeem = [gw](std::string ticket, std::function<void(outcome<principal>)> done) {
    gw->redeem_ticket(std::move(ticket), std::move(done));
  };
  h.open = [gw](principal who, sink_ptr sink, std::string remote) {
    return gw->open(std::move(who), std::move(sink), std::move(remote));
  };
  return h;
}

} // namespace chat::net
