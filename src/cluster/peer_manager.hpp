#pragma once
// The peer manager (one per node) keeps the cluster's membership: it is the
// actor published on the cluster port, greets peers with this node's actors,
// dials the peers listed after this node in cluster.conf (each pair has one
// connection, opened by the earlier node), monitors every peer and redials
// with backoff when one goes away. What it learns goes into the peer table.
#include <memory>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "cluster/node_actors.hpp"

namespace chat::cluster {

using hello_atom = caf::atom_constant<caf::atom("hello")>;

/// What peers (and chatctl) ask of a node's manager.
using peer_manager_api = caf::typed_actor<
  /// (node id, its actors) → ours: a peer that dialed us introduces itself.
  caf::replies_to<hello_atom, std::string, node_actors>::with<node_actors>,
  /// This node's actors (chatctl reaches the admin this way).
  caf::replies_to<caf::get_atom>::with<node_actors>,
  caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

class gate;
class peer_table;

/// Spawns the manager and starts the gate listening for it. Returns an
/// invalid handle with *error set if the cluster port cannot be bound.
peer_manager_api start_peer_manager(caf::actor_system& sys, std::shared_ptr<peer_table> table,
                              std::shared_ptr<gate> gate, node_actors local,
                              std::string* error);

} // namespace chat::cluster
