// Single-use WebSocket tickets: issued to a live session, redeemed once by
// the node that accepts the WebSocket, swept when they expire.
#include <chrono>

#include <caf/all.hpp>

#include "actors/auth/auth_handlers.hpp"
#include "actors/rpc/errors.hpp"
#include "schema/clock.hpp"
#include "schema/ticket.hpp"
#include "security/crypto.hpp"

namespace chat::auth_handlers {

caf::result<ws_ticket> issue_ticket(auth_actor self, const principal& who) {
  auto& st = self->state;
  session_record s;
  if (auto err = st.live_session(who, &s))
    return err;
  auto ticket = make_ticket(who.session_id, security::random_token(24));
  st.tickets[ticket] = {who, now_ms() + st.cfg.ticket_ttl * 1000};
  return ws_ticket{ticket, st.cfg.ticket_ttl};
}

caf::result<principal> redeem_ticket(auth_actor self, const std::string& ticket) {
  auto& tickets = self->state.tickets;
  auto it = tickets.find(ticket);
  if (it == tickets.end() || it->second.expires_at <= now_ms())
    return make_chat_error(errc::unauthorized, "unknown, used or expired ticket");
  auto who = it->second.who;
  tickets.erase(it);
  return who;
}

void sweep_tickets(auth_actor self) {
  auto& tickets = self->state.tickets;
  auto now = now_ms();
  for (auto it = tickets.begin(); it != tickets.end();)
    it = it->second.expires_at <= now ? tickets.erase(it) : std::next(it);
  schedule_sweep(self);
}

void schedule_sweep(auth_actor self) {
  self->delayed_send(self, std::chrono::seconds(self->state.cfg.ticket_ttl), sweep_atom::value);
}

} // namespace chat::auth_handlers
