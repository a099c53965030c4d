#pragma once
// Reaching a conversation from any actor: resolve it through the directory,
// then ask it. A conversation that is passivating (or just went) answers
// `retry` or is gone; the request is then resolved afresh, a few times.
#include <functional>
#include <type_traits>

#include <caf/all.hpp>

#include "actors/ask.hpp"
#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "schema/outcome.hpp"

namespace chat {

inline bool worth_retrying(const caf::error& err) {
  return (err.category() == caf::atom("chat") && err.code() == static_cast<std::uint8_t>(errc::retry))
         || err == caf::sec::request_receiver_down;
}

/// Asks conversation `conv` (resolved with `how`: conv_atom for an existing
/// conversation, create_atom to allow a fresh one) and hands the answer to
/// `done` inside `self`.
template <class T, class Resolve, class Self, class... Ts>
void ask_conversation(Self* self, caf::actor directory, Resolve how, std::string conv,
                      std::function<void(outcome<T>)> done, int attempts, Ts... xs) {
  auto fail = [done](const caf::error& err) { done(outcome<T>::failure(to_api_error(err))); };
  self->request(directory, ask_timeout, how, conv)
    .then(
      [=](caf::actor target) {
        auto retry_or_fail = [=](caf::error& err) {
          if (attempts > 1 && worth_retrying(err))
            ask_conversation<T>(self, directory, how, conv, done, attempts - 1, xs...);
          else
            fail(err);
        };
        auto req = self->request(target, ask_timeout, xs...);
        if constexpr (std::is_same_v<T, none_t>)
          req.then([done](done_atom) { done(outcome<none_t>::success({})); }, retry_or_fail);
        else
          req.then([done](T& value) { done(outcome<T>::success(std::move(value))); },
                   retry_or_fail);
      },
      fail);
}

/// Fire-and-forget to a conversation (typing, read, presence).
template <class Self, class... Ts>
void tell_conversation(Self* self, caf::actor directory, std::string conv, Ts... xs) {
  self->request(directory, ask_timeout, conv_atom::value, conv)
    .then([=](caf::actor target) { self->send(target, xs...); }, [](caf::error&) {});
}

/// Runs `body(self)` inside a short-lived actor: how code outside the actor
/// world starts a conversation exchange without blocking.
template <class Body>
void in_actor(caf::actor_system& sys, Body body) {
  sys.spawn([body = std::move(body)](caf::event_based_actor* self) mutable { body(self); });
}

} // namespace chat
