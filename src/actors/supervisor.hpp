#pragma once
// The node's supervisor: it watches the node-wide actors (directory, relay,
// auth authority, admin, peer manager). They hold state other nodes rely on
// (handles exchanged in the peers' hello, subscriptions, tickets), so one
// that dies is not restarted behind the cluster's back: the node logs why
// and stops with a non-zero exit, and the cluster treats it as a node down
// until it is started again (scripts/restart.sh, a service manager).
// It also asks each of them for its mailbox size once a second; one that
// does not answer within the probe timeout is "stuck", and /readyz says so.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"

namespace chat {

/// Any node-wide actor: they all answer a mailbox probe.
using probe_api = caf::typed_actor<caf::replies_to<mailbox_atom>::with<std::uint64_t>>;

struct watched_actor {
  std::string name; ///< "directory", "relay", ...
  probe_api handle;
};

/// What the supervisor found, read by /readyz on the I/O threads.
class supervision_report {
public:
  void set_stuck(std::vector<std::string> names) {
    std::lock_guard guard{mutex_};
    stuck_ = std::move(names);
  }
  std::vector<std::string> stuck() const {
    std::lock_guard guard{mutex_};
    return stuck_;
  }

private:
  mutable std::mutex mutex_;
  std::vector<std::string> stuck_;
};

struct supervisor_settings {
  std::chrono::milliseconds probe_interval{1000};
  std::chrono::milliseconds probe_timeout{2000};
  /// Called once, from an actor thread, when a watched actor died.
  std::function<void(const std::string& name, const std::string& reason)> on_fatal;
};

/// Nobody talks to the supervisor: it only ticks itself (the probe round).
using supervisor_api = caf::typed_actor<caf::reacts_to<tick_atom>>;

/// Spawns the supervisor. Stopping it (exit) ends the watch: the runtime
/// does that first when the node shuts down on purpose.
supervisor_api spawn_supervisor(caf::actor_system& sys, std::vector<watched_actor> watched,
                            std::shared_ptr<supervision_report> report,
                            supervisor_settings settings);

} // namespace chat
