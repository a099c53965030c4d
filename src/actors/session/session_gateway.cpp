#include "actors/session/session_gateway.hpp"

#include <caf/all.hpp>

#include "actors/ask.hpp"
#include "actors/cluster/routing.hpp"
#include "actors/session/session_actor.hpp"
#include "actors/session/session_gateway_impl.hpp"
#include "actors/session/shared_types.hpp"

namespace chat {
namespace {

std::optional<std::uint32_t> parse_hex_shard(std::string_view hex) {
  if (hex.size() != 4)
    return std::nullopt;
  std::uint32_t value = 0;
  for (char c : hex) {
    value <<= 4;
    if (c >= '0' && c <= '9')
      value |= static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      value |= static_cast<std::uint32_t>(c - 'a' + 10);
    else
      return std::nullopt;
  }
  return value;
}

} // namespace

class session_handle::impl {
public:
  explicit impl(caf::actor session) : session(std::move(session)) {}
  // The connection object owns the handle: when it goes, so does the actor.
  ~impl() { caf::anon_send(session, closed_atom::value); }
  caf::actor session;
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
  // Tickets are "t" + 4 hex digits of the session's shard + random text.
  if (ticket.size() < 16 || ticket.size() > 128 || ticket[0] != 't')
    return done(outcome<principal>::failure(errc::unauthorized, "unknown ticket"));
  auto shard = parse_hex_shard(std::string_view(ticket).substr(1, 4));
  if (!shard || *shard >= pimpl_->deps.ctx->shards)
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
