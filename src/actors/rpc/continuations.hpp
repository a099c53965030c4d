#pragma once
// Resuming an actor's work when something off the scheduler finishes (the
// storage writer thread, the password pool). The foreign thread stores its
// result and sends `resume` to the actor; the continuation then runs inside
// the actor, so actor state is only ever touched by the actor itself.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

#include <caf/actor.hpp>
#include <caf/send.hpp>

#include "actors/atoms.hpp"

namespace chat {

class continuations {
public:
  /// Registers `then` and returns the completion to hand to the foreign
  /// thread plus a ticket for cancel() if the work is never started.
  template <class T, class Then>
  std::pair<std::uint64_t, std::function<void(T)>> add(caf::actor self, Then then) {
    auto id = ++next_;
    auto slot = std::make_shared<std::optional<T>>();
    pending_.emplace(id, [slot, then = std::move(then)]() mutable { then(std::move(**slot)); });
    auto complete = [slot, self = std::move(self), id](T value) {
      *slot = std::move(value);
      caf::anon_send(self, resume_atom::value, id);
    };
    return {id, std::move(complete)};
  }

  /// Registers `then` for a `resume` the actor sends itself (a timer).
  std::uint64_t later(std::function<void()> then) {
    auto id = ++next_;
    pending_.emplace(id, std::move(then));
    return id;
  }

  /// Forgets a continuation whose work was refused.
  void cancel(std::uint64_t id) { pending_.erase(id); }

  /// Runs the continuation of a `resume` message.
  void resume(std::uint64_t id) {
    auto it = pending_.find(id);
    if (it == pending_.end())
      return;
    auto fn = std::move(it->second);
    pending_.erase(it);
    fn();
  }

  std::size_t size() const noexcept { return pending_.size(); }

private:
  std::uint64_t next_ = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> pending_;
};

} // namespace chat
