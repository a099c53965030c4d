#pragma once
// The CAF configuration of a node: scheduler size and every type that
// actors exchange (registered so they can later cross nodes too).
#include <cstddef>
#include <string>

#include <caf/actor_system_config.hpp>

namespace chat {

class node_system_config : public caf::actor_system_config {
public:
  /// `policy`: "stealing" (CAF's default: idle workers poll, then sleep) or
  /// "sharing" (one queue; idle workers block at once).
  explicit node_system_config(std::size_t scheduler_threads, const std::string& policy = "stealing");
};

} // namespace chat
