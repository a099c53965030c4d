#pragma once
// The actors one node exposes to its peers once they have proved they hold
// the cluster secret. Exchanged in the peers' hello.
#include <caf/actor.hpp>

namespace chat::cluster {

struct node_actors {
  caf::actor directory;
  caf::actor relay;
  caf::actor authority;
  caf::actor admin;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_actors& x) {
  return f(x.directory, x.relay, x.authority, x.admin);
}

} // namespace chat::cluster
