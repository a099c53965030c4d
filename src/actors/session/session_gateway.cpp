#include "actors/session/session_gateway.hpp"

#include <caf/all.hpp>

#include "actors/rpc/ask.hpp"
#include "actors/rpc/routing.hpp"
#include "actors/session/session_actor.hpp"
#include "actors/session/session_gateway_impl.hpp"
#include "actors/session/shared_types.hpp"
#include "schema/ticket.hpp"

namespace chat {
namespace {

/// A connection's way into its session actor: each call is one message.
/// It holds the connection's place in its auth session's socket count.
class session_link final : public session_inbound {
public:
  session_link(session_api session, std::unique_ptr<socket_quota::slot> slot)
    : session_(std::move(session)), slot_(std::move(slot)) {}
  // The connection owns the link: when it goes, so does the actor (a second
  // `closed` after closed() is ignored by a stopped actor).
  ~session_link() override { caf::anon_send(session_, closed_atom::value); }
  void inbound(std::string text) override {
    caf::anon_send(session_, inbound_atom::value, std::move(text));
  }
  void inbound_binary() override { caf::anon_send(session_, binary_atom::value); }
  void closed() override { caf::anon_send(session_, closed_atom::value); }

private:
  session_api session_;
  std::unique_ptr<socket_quota::slot> slot_;
};

/// The connection of a session already at its socket bound: it is being
/// closed (4029), so what it sends goes nowhere.
class refused_link final : public session_inbound {
public:
  void inbound(std::string) override {}
  void inbound_binary() override {}
  void closed() override {}
};

} // namespace

session_gateway::session_gateway(std::shared_ptr<impl> pimpl) : pimpl_(std::move(pimpl)) {}
session_gateway::~session_gateway() = default;

void session_gateway::redeem_ticket(std::string ticket,
                                    std::function<void(outcome<principal>)> done) const {
  auto shard = shard_of_ticket(ticket, pimpl_->deps.ctx->shards);
  if (!shard)
    return done(outcome<principal>::failure(errc::unauthorized, "unknown ticket"));
  // The authority that issued it (the session's shard owner) redeems it, so
  // a ticket is single-use whichever node the client opens the socket on.
  // A session at its socket bound on this node gets a clear 429 before any
  // upgrade (open() enforces the bound itself, for upgrades racing this).
  std::function<void(outcome<principal>)> checked
    = [sockets = pimpl_->sockets, done = std::move(done)](outcome<principal> who) {
        if (who.ok() && sockets->full(who.value.session_id))
          return done(outcome<principal>::failure(
            errc::rate_limited, "this session has too many WebSocket connections on this node"));
        done(std::move(who));
      };
  ask<principal>(pimpl_->sys, cluster::authority_for(*pimpl_->deps.ctx, *shard),
                 std::move(checked), redeem_atom::value, std::move(ticket));
}

std::unique_ptr<session_inbound> session_gateway::open(principal who, sink_ptr sink,
                                                       std::string remote) const {
  auto slot = pimpl_->sockets->acquire(who.session_id);
  if (!slot) {
    sink->close(close_code::flooding, "too many connections for this session");
    return std::make_unique<refused_link>();
  }
  return std::make_unique<session_link>(spawn_session(pimpl_->sys, pimpl_->deps, std::move(who),
                                                      std::move(sink), std::move(remote)),
                                        std::move(slot));
}

} // namespace chat
