#pragma once
// Work handed to an actor from other threads (store completions, commits
// from other actors): queued under a mutex and run by the actor when it gets
// `resume`. Only the first item of an empty queue wakes the actor, so a burst
// of completions costs one message.
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "actors/atoms.hpp"

namespace chat {

class inbox {
public:
  /// `target` is held weakly: an inbox outliving its actor drops its work.
  explicit inbox(caf::actor_addr target) : target_(std::move(target)) {}

  /// Queues `work` to run inside the actor (any thread).
  void post(std::function<void()> work) {
    bool wake;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      wake = queue_.empty();
      queue_.push_back(std::move(work));
    }
    if (wake)
      if (auto actor = caf::actor_cast<caf::actor>(target_))
        caf::anon_send(actor, resume_atom::value);
  }

  /// Runs everything queued so far (the actor, on `resume`).
  void drain() {
    std::vector<std::function<void()>> work;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      work.swap(queue_);
    }
    for (auto& w : work)
      w();
  }

private:
  caf::actor_addr target_;
  std::mutex mtx_;
  std::vector<std::function<void()>> queue_;
};

} // namespace chat
