#include "cluster/peer_manager.hpp"

#include <set>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/atoms.hpp"
#include "cluster/gate.hpp"
#include "cluster/peer_table.hpp"
#include "actors/rpc/errors.hpp"
#include "log/log.hpp"

namespace chat::cluster {
namespace {

using dial_atom = caf::atom_constant<caf::atom("dial")>;
using dialed_atom = caf::atom_constant<caf::atom("dialed")>;

/// The public protocol plus dialing, which only the manager itself drives.
using manager_impl = peer_manager_api::extend<
  caf::reacts_to<dial_atom, std::uint64_t>,
  caf::reacts_to<dialed_atom, std::uint64_t, int, std::string>>;

constexpr auto connect_timeout = std::chrono::seconds(5);
constexpr auto first_backoff = std::chrono::milliseconds(200);
constexpr auto max_backoff = std::chrono::milliseconds(2000);

struct peer_slot {
  peer_manager_api endpoint; ///< the peer's manager, monitored
  std::chrono::milliseconds backoff = first_backoff;
  bool dialing = false;
  std::string last_error; ///< of the last failed dial: logged again only when it changes
};

struct manager_state {
  static inline const char* name = "peer_manager";
  std::shared_ptr<peer_table> table;
  std::shared_ptr<cluster::gate> dialer;
  caf::actor basp;
  node_actors local;
  std::vector<peer_slot> peers;
};

using manager_actor = manager_impl::stateful_pointer<manager_state>;

const placement& layout(manager_actor self) { return self->state.table->layout(); }

void mark_up(manager_actor self, std::size_t idx, peer_manager_api endpoint, node_actors actors) {
  auto& slot = self->state.peers[idx];
  if (slot.endpoint && slot.endpoint != endpoint)
    self->demonitor(slot.endpoint.address());
  self->monitor(endpoint);
  slot.endpoint = std::move(endpoint);
  slot.backoff = first_backoff;
  slot.dialing = false;
  slot.last_error.clear();
  self->state.table->mark_up(idx, std::move(actors));
  log::info("cluster", "peer up", {{"peer", layout(self).nodes[idx].id}});
}

void redial_later(manager_actor self, std::size_t idx) {
  auto& slot = self->state.peers[idx];
  slot.dialing = false;
  self->delayed_send(self, slot.backoff, dial_atom::value, static_cast<std::uint64_t>(idx));
  slot.backoff = std::min(slot.backoff * 2, max_backoff);
}

/// Hands an authenticated socket to BASP as a client connection, then greets.
void adopt_dialed(manager_actor self, std::size_t idx, int fd) {
  auto& mm = self->home_system().middleman();
  auto scribe = mm.backend().new_scribe(fd);
  auto port = layout(self).nodes[idx].cluster_port;
  self->request(self->state.basp, connect_timeout, caf::connect_atom::value, std::move(scribe), port)
    .then(
      [self, idx](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (!ptr)
          return redial_later(self, idx);
        auto endpoint = caf::actor_cast<peer_manager_api>(ptr);
        self->request(endpoint, connect_timeout, hello_atom::value, layout(self).self_id(),
                      self->state.local)
          .then([self, idx, endpoint](node_actors& theirs) { mark_up(self, idx, endpoint, theirs); },
                [self, idx](caf::error& err) {
                  log::warn("cluster", "peer refused our hello",
                            {{"peer", layout(self).nodes[idx].id},
                             {"error", self->home_system().render(err)}});
                  redial_later(self, idx);
                });
      },
      [self, idx](caf::error&) { redial_later(self, idx); });
}

manager_impl::behavior_type peer_manager(manager_actor self, std::shared_ptr<peer_table> table,
                           std::shared_ptr<gate> g, caf::actor basp, node_actors local) {
  auto& st = self->state;
  st.table = std::move(table);
  st.dialer = std::move(g);
  st.basp = std::move(basp);
  st.local = std::move(local);
  st.peers.resize(layout(self).nodes.size());
  st.table->mark_up(layout(self).self, st.local);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& peers = self->state.peers;
    for (std::size_t idx = 0; idx < peers.size(); ++idx) {
      if (!peers[idx].endpoint || peers[idx].endpoint.address() != dm.source)
        continue;
      peers[idx].endpoint = nullptr;
      self->state.table->mark_down(idx);
      log::warn("cluster", "peer down", {{"peer", layout(self).nodes[idx].id}});
      if (idx > layout(self).self)
        redial_later(self, idx);
    }
  });
  for (auto idx = layout(self).self + 1; idx < layout(self).nodes.size(); ++idx)
    self->send(self, dial_atom::value, static_cast<std::uint64_t>(idx));
  return {
    [self](dial_atom, std::uint64_t idx) {
      auto& slot = self->state.peers[idx];
      if (slot.endpoint || slot.dialing)
        return;
      slot.dialing = true;
      const auto& peer = layout(self).nodes[idx];
      auto me = caf::actor_cast<caf::actor>(self);
      self->state.dialer->dial(peer.host, peer.cluster_port, [me, idx](int fd, std::string error) {
        caf::anon_send(me, dialed_atom::value, idx, fd, std::move(error));
      });
    },
    [self](dialed_atom, std::uint64_t idx, int fd, const std::string& error) {
      if (fd < 0) {
        // A refusal (wrong secret, TLS mismatch) repeats at every redial: one
        // warning per distinct reason, the repeats at debug level.
        auto& last = self->state.peers[idx].last_error;
        if (error != last)
          log::warn("cluster", "cannot reach peer", {{"peer", layout(self).nodes[idx].id}, {"error", error}});
        else
          log::debug("cluster", "cannot reach peer", {{"peer", layout(self).nodes[idx].id}, {"error", error}});
        last = error;
        return redial_later(self, idx);
      }
      adopt_dialed(self, idx, fd);
    },
    // A peer that dialed us introduces itself; we answer with our actors.
    [self](hello_atom, const std::string& name, node_actors& theirs) -> caf::result<node_actors> {
      auto idx = layout(self).index_of(name);
      auto sender = caf::actor_cast<peer_manager_api>(self->current_sender());
      if (idx == layout(self).nodes.size() || idx == layout(self).self || !sender)
        return make_chat_error(errc::forbidden, "unknown node " + name);
      mark_up(self, idx, sender, std::move(theirs));
      return self->state.local;
    },
    // chatctl and tests reach the node's actors through the manager.
    [self](caf::get_atom) -> node_actors { return self->state.local; },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
  };
}

} // namespace

peer_manager_api start_peer_manager(caf::actor_system& sys, std::shared_ptr<peer_table> table,
                              std::shared_ptr<gate> g, node_actors local, std::string* error) {
  auto basp = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  const auto& me = table->layout().nodes[table->layout().self];
  auto manager = sys.spawn(peer_manager, table, g, basp, std::move(local));
  auto port = me.cluster_port;
  auto published = caf::actor_cast<caf::strong_actor_ptr>(manager);
  // Admitted sockets become BASP server connections publishing the manager.
  bool ok = g->listen(me.host, port, [&sys, basp, port, published](int fd, std::string) {
    auto scribe = sys.middleman().backend().new_scribe(fd);
    caf::anon_send(basp, caf::publish_atom::value, std::move(scribe), port, published,
                   std::set<std::string>{});
  }, error);
  if (!ok) {
    caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
    return {};
  }
  return manager;
}

} // namespace chat::cluster
