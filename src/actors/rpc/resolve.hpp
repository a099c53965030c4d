#pragma once
// Reaching a conversation from any actor: resolve it through the directory,
// then ask it. A conversation that is passivating (or just went) answers
// `retry` or is gone; the request is then resolved afresh, a few times.
#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/directory/directory_api.hpp"
#include "actors/rpc/ask.hpp"
#include "actors/rpc/errors.hpp"
#include "schema/outcome.hpp"

namespace chat {

inline bool worth_retrying(const caf::error& err) {
  return (err.category() == chat_error_category && err.code() == static_cast<std::uint8_t>(errc::retry))
         || err == caf::sec::request_receiver_down;
}

namespace detail {

/// What is left of a caller's deadline (never less than a moment, so the
/// request is still sent and fails by itself).
inline caf::timespan remaining(std::chrono::steady_clock::time_point deadline) {
  auto left = deadline - std::chrono::steady_clock::now();
  return std::max<caf::timespan>(std::chrono::duration_cast<caf::timespan>(left),
                                 std::chrono::milliseconds(50));
}

template <class T, class Resolve, class Self, class... Ts>
void ask_conversation_until(Self* self, directory_api directory, Resolve how, std::string conv,
                            std::function<void(outcome<T>)> done, int attempts,
                            std::chrono::steady_clock::time_point deadline, Ts... xs) {
  auto fail = [done](const caf::error& err) { done(outcome<T>::failure(to_api_error(err))); };
  self->request(directory, remaining(deadline), how, conv)
    .then(
      [=](conversation_api target) {
        auto retry_or_fail = [=](caf::error& err) {
          if (attempts > 1 && worth_retrying(err))
            ask_conversation_until<T>(self, directory, how, conv, done, attempts - 1, deadline,
                                      xs...);
          else
            fail(err);
        };
        request_then<T>(self, target, remaining(deadline), done, retry_or_fail, xs...);
      },
      fail);
}

} // namespace detail

/// Asks conversation `conv` (resolved with `how`: conv_atom for an existing
/// conversation, create_atom to allow a fresh one) and hands the answer to
/// `done` inside `self`. Resolving and asking share one ask_timeout, so a
/// caller hears back within it even when a node stops answering midway.
template <class T, class Resolve, class Self, class... Ts>
void ask_conversation(Self* self, directory_api directory, Resolve how, std::string conv,
                      std::function<void(outcome<T>)> done, int attempts, Ts... xs) {
  detail::ask_conversation_until<T>(self, std::move(directory), how, std::move(conv),
                                    std::move(done), attempts,
                                    std::chrono::steady_clock::now() + ask_timeout, xs...);
}

/// The conversation actors a long-lived actor (a session) talks to, so a
/// send skips the directory round trip. A stale entry (passivated, or its
/// node restarted) fails with a retryable error and is resolved afresh.
/// While a conversation is being resolved, later requests for it wait in
/// line: a connection's sends must reach the conversation in the order sent.
class conversation_cache {
public:
  using waiter = std::function<void(const conversation_api*, const caf::error*)>;

  const conversation_api* find(const std::string& conv) const {
    auto it = actors_.find(conv);
    return it == actors_.end() ? nullptr : &it->second;
  }
  /// True if a resolution is under way: `w` runs when it ends.
  bool wait(const std::string& conv, waiter w) {
    auto it = waiting_.find(conv);
    if (it == waiting_.end())
      return false;
    it->second.push_back(std::move(w));
    return true;
  }
  void start_resolving(const std::string& conv) { waiting_[conv]; }
  /// Ends a resolution: caches the actor (or not) and runs the waiters in order.
  void resolved(const std::string& conv, const conversation_api* actor, const caf::error* err) {
    if (actor) {
      if (actors_.size() >= max_entries)
        actors_.clear(); // bounded; entries are cheap to resolve again
      actors_[conv] = *actor;
    }
    auto waiters = std::move(waiting_[conv]);
    waiting_.erase(conv);
    for (auto& w : waiters)
      w(actor, err);
  }
  void drop(const std::string& conv) { actors_.erase(conv); }

private:
  static constexpr std::size_t max_entries = 1024;
  std::unordered_map<std::string, conversation_api> actors_;
  std::unordered_map<std::string, std::vector<waiter>> waiting_;
};

/// ask_conversation through a cache and request deadlines owned by `self`
/// (they must outlive the actor's pending requests, e.g. live in its state;
/// see request_outcome_swept for what `self` must do with sweep_atom).
template <class T, class Self, class... Ts>
void ask_cached(Self* self, conversation_cache* cache, request_deadlines* deadlines,
                directory_api directory, std::string conv, std::function<void(outcome<T>)> done,
                int attempts, Ts... xs) {
  auto fail = [done](const caf::error& err) { done(outcome<T>::failure(to_api_error(err))); };
  auto ask = [=](const conversation_api& target) {
    auto retry_or_fail = [=](caf::error& err) {
      if (err.category() != chat_error_category)
        cache->drop(conv); // gone, unreachable or silent: resolve it next time
      if (attempts > 1 && worth_retrying(err)) {
        cache->drop(conv);
        ask_cached<T>(self, cache, deadlines, directory, conv, done, attempts - 1, xs...);
      } else {
        fail(err);
      }
    };
    request_outcome_swept<T>(self, deadlines, target, done, retry_or_fail, xs...);
  };
  auto when_resolved = [ask, fail](const conversation_api* target, const caf::error* err) {
    if (target)
      ask(*target);
    else
      fail(*err);
  };
  if (const auto* target = cache->find(conv))
    return ask(*target);
  if (cache->wait(conv, when_resolved))
    return;
  cache->start_resolving(conv);
  cache->wait(conv, when_resolved);
  self->request(directory, ask_timeout, conv_atom::value, conv)
    .then([cache, conv](conversation_api target) { cache->resolved(conv, &target, nullptr); },
          [cache, conv](caf::error& err) { cache->resolved(conv, nullptr, &err); });
}

/// Fire-and-forget to a conversation (typing, read, presence).
template <class Self, class... Ts>
void tell_conversation(Self* self, directory_api directory, std::string conv, Ts... xs) {
  self->request(directory, ask_timeout, conv_atom::value, conv)
    .then([=](conversation_api target) { self->send(target, xs...); }, [](caf::error&) {});
}

/// Runs `body(self)` inside a short-lived actor: how code outside the actor
/// world starts a conversation exchange without blocking.
template <class Body>
void in_actor(caf::actor_system& sys, Body body) {
  sys.spawn([body = std::move(body)](caf::event_based_actor* self) mutable { body(self); });
}

} // namespace chat
