#pragma once
// The admin actor (one per node) answers chatctl (admin_api.hpp). A command
// arrives at one node's admin, which gathers each node's part from that
// node's admin (or asks the actor owning the thing inspected) and answers
// one struct of schema/admin_views.hpp. Only holders of the cluster secret
// reach it (the cluster port's gate).
#include <string>

#include <caf/fwd.hpp>

#include "actors/admin/admin_api.hpp"
#include "actors/auth/auth_api.hpp"
#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"
#include "actors/relay/relay_api.hpp"

namespace chat {

struct admin_deps {
  node_ref ctx;
  directory_api directory;
  relay_api relay;
  auth_api authority;
  std::string http_address;    ///< host:port clients use
  std::string cluster_address; ///< host:port peers use
};

admin_api spawn_admin(caf::actor_system& sys, admin_deps deps);

} // namespace chat
