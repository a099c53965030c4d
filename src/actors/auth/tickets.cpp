// Single-use WebSocket tickets: issued to a live session (at most
// tickets_per_session unredeemed at once), redeemed once by the node that
// accepts the WebSocket while the session is still live, swept when they
// expire.
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
  // Each ticket may become a socket; the sweep keeps the count honest.
  if (st.tickets_of(who.session_id) >= st.cfg.tickets_per_session)
    return make_chat_error(errc::rate_limited,
                           "too many unredeemed tickets for this session; use or let them expire");
  auto ticket = make_ticket(who.session_id, security::random_token(24));
  st.add_ticket(ticket, {who, now_ms() + st.cfg.ticket_ttl * 1000});
  return ws_ticket{ticket, st.cfg.ticket_ttl};
}

caf::result<principal> redeem_ticket(auth_actor self, const std::string& ticket) {
  auto& st = self->state;
  auto it = st.tickets.find(ticket);
  if (it == st.tickets.end() || it->second.expires_at <= now_ms())
    return make_chat_error(errc::unauthorized, "unknown, used or expired ticket");
  auto who = it->second.who;
  st.drop_ticket(it);
  // Ending a session drops its tickets, but say so here too: a ticket only
  // ever opens a socket for a session that is live at this moment.
  session_record s;
  if (auto err = st.live_session(who, &s))
    return err;
  return who;
}

void sweep_tickets(auth_actor self) {
  auto& st = self->state;
  auto now = now_ms();
  for (auto it = st.tickets.begin(); it != st.tickets.end();)
    it = it->second.expires_at <= now ? st.drop_ticket(it) : std::next(it);
  schedule_sweep(self);
}

void schedule_sweep(auth_actor self) {
  self->delayed_send(self, std::chrono::seconds(self->state.cfg.ticket_ttl), sweep_atom::value);
}

} // namespace chat::auth_handlers
