#pragma once
// One node's part of an admin command: its counters, actors, live
// conversations and stored history. The cluster-wide answer is assembled
// in admin_actor.cpp.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/admin/admin_actor.hpp"

namespace chat {

struct admin_local_state {
  static inline const char* name = "admin";
  admin_deps deps;
  caf::actor peer_manager;
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

  /// Takes a sample of the counters; rates are over the time since the last.
  void sample();
};

caf::result<std::string> answer_local(caf::stateful_actor<admin_local_state>* self,
                                      const std::string& command,
                                      const std::vector<std::string>& args);

} // namespace chat
