#include "actors/session/session_gateway.hpp"

#include <caf/all.hpp>

#include "actors/rpc/ask.hpp"
#include "actors/rpc/routing.hpp"
#include "actors/session/session_actor.hpp"
#include "actors/session/session_gateway_impl.hpp"
#include "actors/session/shared_types.hpp"
#include "schema/ticket.hpp"

namespace chat {
class session_handle::impl {
public:
  explicit impl(session_api session) : session(std::move(session)) {}
  // The connection object owns the handle: when it goes, so does the actor.
  ~impl() { caf::anon_send(session, closed_atom::value); }
  session_api session;
};

session_handle::session_handle(std::shared_ptr<impl> pimpl) : pimpl_(std::move(pimpl)) {}
session_handle::~session_handle() = default;

void session_handle::inbound(std::string text) const {
  caf::anon_send(pimpl_->session, inbound_atom::value, std::move(text));
}

void session_handle::inbound_binary() const {
  caf::anon_send(pimpl_->session, binary_atom::value);
}

void session_handle::closed() const { caf::anon_send(pimpl_->session, closed_atom::value); }

session_gateway::session_gateway(std::shared_ptr<impl> pimpl) : pimpl_(std::move(pimpl)) {}
session_gateway::~session_gateway() = default;

void session_gateway::redeem_ticket(std::string ticket,
                                    std::function<void(outcome<principal>)> done) const {
  auto shard = shard_of_ticket(ticket, pimpl_->deps.ctx->shards);
  if (!shard)
    return done(outcome<principal>::failure(errc::unauthorized, "unknown ticket"));
  // The authority that issued it (the session's shard owner) redeems it, so
  // a ticket is single-use whichever node the client opens the socket on.
  ask<principal>(pimpl_->sys, cluster::authority_for(*pimpl_->deps.ctx, *shard), std::move(done),
                 redeem_atom::value, std::move(ticket));
}

session_handle session_gateway::open(principal who, sink_ptr sink, std::string remote) const {
  auto actor = spawn_session(pimpl_->sys, pimpl_->deps, std::move(who), std::move(sink),
                             std::move(remote));
  return session_handle{std::make_shared<session_handle::impl>(std::move(actor))};
}

} // namespace chat
