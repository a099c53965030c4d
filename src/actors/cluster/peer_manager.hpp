#pragma once
// The peer manager (one per node) keeps the cluster's membership: it is the
// actor published on the cluster port, greets peers with this node's actors,
// dials the peers listed after this node in cluster.conf (each pair has one
// connection, opened by the earlier node), monitors every peer and redials
// with backoff when one goes away. What it learns goes into the peer table.
#include <memory>

#include <caf/fwd.hpp>

#include "actors/cluster/node_actors.hpp"

namespace chat::cluster {

class gate;
class peer_table;

/// Spawns the manager and starts the gate listening for it. Returns an
/// invalid actor with *error set if the cluster port cannot be bound.
caf::actor start_peer_manager(caf::actor_system& sys, std::shared_ptr<peer_table> table,
                              std::shared_ptr<gate> gate, node_actors local,
                              std::string* error);

} // namespace chat::cluster
