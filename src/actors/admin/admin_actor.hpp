#pragma once
// The admin actor (one per node) answers chatctl. A command arrives at one
// node's admin, which gathers each node's part from that node's admin (or
// asks the actor owning the thing inspected) and answers one JSON document.
// Only holders of the cluster secret reach it (the cluster port's gate).
#include <cstdint>
#include <string>

#include <caf/fwd.hpp>

#include "actors/node_context.hpp"

namespace chat {

struct admin_deps {
  node_ref ctx;
  caf::actor directory;
  caf::actor relay;
  caf::actor authority;
  std::string http_address;    ///< host:port clients use
  std::string cluster_address; ///< host:port peers use
};

caf::actor spawn_admin(caf::actor_system& sys, admin_deps deps);

} // namespace chat
