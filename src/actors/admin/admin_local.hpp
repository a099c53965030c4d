#pragma once
// Private to src/actors/admin: the admin actor's state and implementation
// type, and one node's part of an admin command (its counters, actors, live
// conversations and stored history). The cluster-wide answers are
// assembled in admin_actor.cpp.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/admin/admin_actor.hpp"
#include "actors/rpc/continuations.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/gather.hpp"

namespace chat {

/// How long a node's admin waits for another node's part or another
/// node's actor (chatctl waits 10 s for the whole answer; the tests expect
/// one within 6 s with a node down or hung).
inline constexpr auto admin_timeout = std::chrono::seconds(3);

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

  /// A `transfer` waiting for the peer table to name its new leader.
  struct transfer_wait {
    caf::typed_response_promise<transfer_result> promise;
    transfer_result result; ///< `to` is the target until it leads
    std::size_t target = 0; ///< its cluster.conf position
    std::chrono::steady_clock::time_point until;
  };
  std::vector<transfer_wait> transfers;

  /// Takes a sample of the counters; rates are over the time since the last.
  void sample();
  /// This node as its peers and clients know it.
  node_address self_address() const;
};

/// The admin's interface plus its internal messages (the sampling tick,
/// completions of reads on the read pool, the poll of waiting transfers).
using admin_impl = admin_api::extend<caf::reacts_to<tick_atom>,
                                     caf::reacts_to<resume_atom, std::uint64_t>,
                                     caf::reacts_to<transfer_atom>>;
using admin_self = admin_impl::stateful_pointer<admin_state>;

// One node's part of each command (the admin_local_atom messages).
node_status local_nodes(admin_self self);
node_stats local_stats(admin_self self);
caf::result<node_actor_kinds> local_actors(admin_self self);
caf::result<node_conversations> local_conversations(admin_self self);
caf::result<history_report> local_history(admin_self self, const std::string& conv,
                                          std::uint32_t n);

// The replication commands (admin_shards.cpp).
caf::result<shards_report> cmd_shards(admin_self self);
caf::result<transfer_result> cmd_transfer(admin_self self, std::uint32_t group,
                                          const std::string& node);
/// Answers the transfers whose new leader is known or whose wait is over.
void check_transfers(admin_self self);
/// How many groups each node of cluster.conf leads (by position), from
/// this node's peer table; all 0 without replication.
std::vector<std::uint32_t> groups_led(admin_self self);

} // namespace chat
