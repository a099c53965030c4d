#pragma once
// The node's many short-lived actors (sessions, users), so that stopping the
// node can stop them. A hash set: linking each of them to one actor would
// keep them in that actor's attachment list, which every exit scans, and
// connection churn would cost time quadratic in the number of connections.
#include <mutex>
#include <unordered_set>
#include <vector>

#include <caf/actor_addr.hpp>

namespace chat {

class live_registry {
public:
  void add(const caf::actor_addr& a) {
    std::lock_guard<std::mutex> guard{mtx_};
    live_.insert(a);
  }
  void remove(const caf::actor_addr& a) {
    std::lock_guard<std::mutex> guard{mtx_};
    live_.erase(a);
  }
  std::vector<caf::actor_addr> snapshot() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return {live_.begin(), live_.end()};
  }

  /// Registers `self` until it terminates.
  template <class Self>
  static void enroll(Self* self, const std::shared_ptr<live_registry>& registry) {
    if (!registry)
      return;
    auto addr = self->address();
    registry->add(addr);
    self->attach_functor([registry, addr] { registry->remove(addr); });
  }

private:
  mutable std::mutex mtx_;
  std::unordered_set<caf::actor_addr> live_;
};

} // namespace chat
