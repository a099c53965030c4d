#pragma once
// The one fan-in of the project: start N requests, collect every answer (or
// its error) in request order, act once when the last has answered. Each
// call site then applies an explicit policy to the answers: all must
// succeed (first_error), keep what succeeded (successes), or look at each
// slot (a node that did not answer shown as down, say).
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message_priority.hpp>

#include "actors/rpc/errors.hpp"

namespace chat::rpc {

template <class T>
using answers = std::vector<caf::expected<T>>;

/// Answers one request of a gather; calls after the first are ignored.
template <class T>
using reply_to = std::function<void(caf::expected<T>)>;

/// Starts `n` requests with `start(i, reply)`; each must call `reply` once
/// (a request with a deadline always does: its answer or its timeout).
/// `done` runs once, with the n answers in order, when the last arrives;
/// at once when n is 0. All of it runs inside the calling actor.
template <class T>
void gather(std::size_t n, const std::function<void(std::size_t, reply_to<T>)>& start,
            std::function<void(answers<T>)> done) {
  if (n == 0) {
    done({});
    return;
  }
  struct fan_in {
    answers<T> slots;
    std::vector<bool> answered;
    std::size_t left;
    std::function<void(answers<T>)> done;
  };
  auto state = std::make_shared<fan_in>(
    fan_in{answers<T>(n, caf::expected<T>{caf::error{}}), std::vector<bool>(n, false), n,
           std::move(done)});
  for (std::size_t i = 0; i < n; ++i)
    start(i, [state, i](caf::expected<T> answer) {
      if (state->answered[i])
        return;
      state->answered[i] = true;
      state->slots[i] = std::move(answer);
      if (--state->left == 0)
        state->done(std::move(state->slots));
    });
}

/// Starts one request of a gather: the answer, or the failure, goes to
/// `reply`. An invalid handle (its node is down) fails at once.
template <class T, caf::message_priority Priority = caf::message_priority::normal, class Self,
          class Handle, class Timeout, class... Ts>
void request_into(Self* self, const Handle& dest, Timeout timeout, reply_to<T> reply,
                  Ts&&... xs) {
  if (!dest) {
    reply(make_chat_error(errc::unavailable, "the node that owns this is unreachable"));
    return;
  }
  self->template request<Priority>(dest, timeout, std::forward<Ts>(xs)...)
    .then([reply](T& x) { reply(std::move(x)); },
          [reply](caf::error& err) { reply(std::move(err)); });
}

/// Policy "keep what succeeded": the values, in request order.
template <class T>
std::vector<T> successes(answers<T>&& all) {
  std::vector<T> out;
  out.reserve(all.size());
  for (auto& a : all)
    if (a)
      out.push_back(std::move(*a));
  return out;
}

/// Policy "all or nothing": the first failure, if any.
template <class T>
std::optional<caf::error> first_error(const answers<T>& all) {
  for (const auto& a : all)
    if (!a)
      return a.error();
  return std::nullopt;
}

} // namespace chat::rpc
