#pragma once
// Asking an actor from outside the actor world (e.g. from an Asio thread)
// without blocking: the node's long-lived requester (requester.hpp) sends the
// request and hands the answer, or the failure as an api_error, to a
// callback. The callback runs on a CAF thread and must only post elsewhere.
#include <chrono>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/atoms.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/lost_request.hpp"
#include "actors/rpc/request_deadlines.hpp"
#include "actors/rpc/requester.hpp"
#include "schema/outcome.hpp"

namespace chat {

/// How often a caller waiting for a group's new leader looks again, and for
/// how long (an election or a handoff takes a second or two).
inline constexpr std::chrono::milliseconds find_poll{50};
inline constexpr std::chrono::seconds leader_wait{3};

/// How long a caller waits for an actor before answering `unavailable`.
inline constexpr std::chrono::seconds ask_timeout{5};

namespace detail {

/// Sends the request with `timeout` (caf::infinite: none) and routes the
/// answer, a T or done_atom when T is none_t, as an outcome to `done`.
template <class T, class Self, class Handle, class Timeout, class Done, class OnError,
          class... Ts>
void request_then(Self* self, const Handle& dest, const Timeout& timeout, Done done,
                  OnError on_error, Ts&&... xs) {
  auto req = self->request(dest, timeout, std::forward<Ts>(xs)...);
  // Released by whichever handler runs (any copy detaches the one watcher).
  auto guard = guard_remote_request(self, dest, req.id());
  auto failed = [guard, on_error](caf::error& err) mutable {
    guard.release();
    on_error(err);
  };
  if constexpr (std::is_same_v<T, none_t>)
    req.then(
      [guard, done](done_atom) mutable {
        guard.release();
        done(outcome<none_t>::success({}));
      },
      failed);
  else
    req.then(
      [guard, done](T& value) mutable {
        guard.release();
        done(outcome<T>::success(std::move(value)));
      },
      failed);
}

} // namespace detail

/// Requests `xs...` from `dest` on behalf of `self`: the answer (a T, or
/// done_atom when T is none_t) goes to `done`, a failure to `on_error`.
template <class T, class Self, class Handle, class OnError, class... Ts>
void request_outcome(Self* self, const Handle& dest, std::function<void(outcome<T>)> done,
                     OnError on_error, Ts&&... xs) {
  detail::request_then<T>(self, dest, ask_timeout, std::move(done), std::move(on_error),
                          std::forward<Ts>(xs)...);
}

/// request_outcome with the deadline kept in `deadlines` (owned by `self`'s
/// state) instead of CAF's clock. `self` must answer sweep_atom by calling
/// `deadlines->sweep` and sending itself the next sweep_atom while it says so.
template <class T, class Self, class Handle, class OnError, class... Ts>
void request_outcome_swept(Self* self, request_deadlines* deadlines, const Handle& dest,
                           std::function<void(outcome<T>)> done, OnError on_error,
                           Ts&&... xs) {
  if (deadlines->start_ticking())
    self->delayed_send(self, request_deadlines::sweep_interval, sweep_atom::value);
  auto request = deadlines->add(request_deadlines::clock::now() + ask_timeout,
                                [on_error]() mutable {
                                  caf::error err = caf::make_error(caf::sec::request_timeout);
                                  on_error(err);
                                });
  // Whichever comes first, the answer or the deadline, is acted on.
  auto answered = [done = std::move(done), deadlines, request](outcome<T> r) {
    if (deadlines->settle(request))
      done(std::move(r));
  };
  auto failed = [deadlines, request, on_error](caf::error& err) mutable {
    if (deadlines->settle(request))
      on_error(err);
  };
  detail::request_then<T>(self, dest, caf::infinite, std::move(answered), std::move(failed),
                          std::forward<Ts>(xs)...);
}

/// Asks `dest` from outside the actor world; the answer, or a failure
/// (`unavailable` after `timeout`), goes to `done` on a CAF thread.
template <class T, class Handle, class... Ts>
void ask_within(caf::actor_system& sys, caf::timespan timeout, const Handle& dest,
                std::function<void(outcome<T>)> done, Ts... xs) {
  if (!dest) // the owning node is down: say so now rather than after a timeout
    return done(outcome<T>::failure(errc::unavailable,
                                    "the node owning this data is unreachable; try again"));
  // The requester sends it without a CAF timeout and keeps the deadline in
  // its swept table: whichever comes first, the answer or the deadline, is
  // acted on.
  requester_job job{[dest, timeout, done = std::move(done), args = std::make_tuple(std::move(xs)...)](
                      caf::event_based_actor* self, requester_state& st) mutable {
    auto on_error = [done](caf::error& err) { done(outcome<T>::failure(to_api_error(err))); };
    auto [table, request] = add_deadline(self, st, timeout, [on_error]() mutable {
      caf::error err = caf::make_error(caf::sec::request_timeout);
      on_error(err);
    });
    auto answered = [self, &st, done, table = table, request = request](outcome<T> r) {
      if (table->settle(request))
        done(std::move(r));
      after_settle(self, st);
    };
    auto failed = [self, &st, on_error, table = table, request = request](caf::error& err) mutable {
      if (table->settle(request))
        on_error(err);
      after_settle(self, st);
    };
    std::apply([&](auto&&... a) {
      detail::request_then<T>(self, dest, caf::infinite, answered, failed, std::move(a)...);
    }, args);
  }};
  send_to_requester(sys, std::move(job));
}

template <class T, class Handle, class... Ts>
void ask(caf::actor_system& sys, const Handle& dest,
         std::function<void(outcome<T>)> done, Ts... xs) {
  ask_within<T>(sys, ask_timeout, dest, std::move(done), std::move(xs)...);
}

/// ask() for a destination that may be briefly unknown, such as a consensus
/// group between two leaders (an election or a handoff takes a second or
/// two): `find` is tried again every 50 ms for up to `wait`, then the
/// request goes to what it found (nothing: `unavailable`) with `timeout`.
/// The wait comes first, so a caller hears back within wait + timeout.
template <class T, class Handle, class... Ts>
void ask_when_found(caf::actor_system& sys, caf::timespan timeout, std::function<Handle()> find,
                    std::chrono::milliseconds wait, std::function<void(outcome<T>)> done,
                    Ts... xs) {
  if (auto dest = find(); dest || wait.count() <= 0)
    return ask_within<T>(sys, timeout, dest, std::move(done), std::move(xs)...);
  auto give_up = std::chrono::steady_clock::now() + wait;
  sys.spawn([&sys, timeout, give_up, find = std::move(find), done = std::move(done),
             args = std::make_tuple(std::move(xs)...)](caf::event_based_actor* self) mutable {
    self->delayed_send(self, find_poll, resume_atom::value);
    return caf::behavior{[=, &sys](resume_atom) mutable {
      auto dest = find();
      if (!dest && std::chrono::steady_clock::now() < give_up) {
        self->delayed_send(self, find_poll, resume_atom::value);
        return;
      }
      std::apply([&](auto&... a) { ask_within<T>(sys, timeout, dest, done, a...); }, args);
      self->quit();
    }};
  });
}

} // namespace chat
