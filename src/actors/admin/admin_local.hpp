#pragma once
// Private to src/actors/admin: the admin actor's state and implementation
// type, and one node's part of an admin command (its counters, actors, live
// conversations and stored history). The cluster-wide answers are
// assembled in admin_actor.cpp.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include <caf/actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include "actors/admin/admin_actor.hpp"
#include "actors/rpc/continuations.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/gather.hpp"

namespace chat {

struct admin_state {
  static inline const char* name = "admin";
  admin_deps deps;
  caf::actor peer_manager; ///< a caf::actor until the peer manager is typed
  std::int64_t started_ms = 0;

  struct counters {
    std::int64_t at_ms = 0;
    std::uint64_t stored = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t batches = 0;
    std::uint64_t sync_ns = 0;
  };
  counters last;
  double stored_per_s = 0;
  double deliveries_per_s = 0;
  double sync_ms = 0; ///< mean storage write+sync time over the last second
  continuations pending; ///< reads on the read pool (history)

  /// Takes a sample of the counters; rates are over the time since the last.
  void sample();
  /// This node as its peers and clients know it.
  node_address self_address() const;
};

/// The admin's interface plus its internal messages (the sampling tick,
/// completions of reads on the read pool).
using admin_impl = admin_api::extend<caf::reacts_to<tick_atom>,
                                     caf::reacts_to<resume_atom, std::uint64_t>>;
using admin_self = admin_impl::stateful_pointer<admin_state>;

// One node's part of each command (the admin_local_atom messages).
node_status local_nodes(admin_self self);
node_stats local_stats(admin_self self);
caf::result<node_actor_kinds> local_actors(admin_self self);
caf::result<node_conversations> local_conversations(admin_self self);
caf::result<history_report> local_history(admin_self self, const std::string& conv,
                                          std::uint32_t n);

} // namespace chat
