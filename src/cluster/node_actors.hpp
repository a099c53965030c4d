#pragma once
// The actors one node exposes to its peers once they have proved they hold
// the cluster secret. Exchanged in the peers' hello.
#include "actors/admin/admin_api.hpp"
#include "actors/auth/auth_api.hpp"
#include "actors/directory/directory_api.hpp"
#include "actors/relay/relay_api.hpp"
#include "actors/replication/replicator_api.hpp"

namespace chat::cluster {

struct node_actors {
  directory_api directory;
  relay_api relay;
  auth_api authority;
  admin_api admin;
  replicator_api replicator; ///< invalid without replication
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_actors& x) {
  return f(x.directory, x.relay, x.authority, x.admin, x.replicator);
}

} // namespace chat::cluster
