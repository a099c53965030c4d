#pragma once
// The long-lived actor, one per actor system, that asks actors on behalf of
// callers outside the actor world (HTTP routes, the WebSocket upgrade):
// ask_within() hands it a job instead of spawning an actor per call, and
// it keeps the deadlines in tables swept every 100 ms instead of booking
// each on CAF's clock thread. Per call that saves an actor's spawn and
// teardown, a clock event and the clock thread's wake-up (which cost 9 % of
// connection set-up on their own: bench/RESULTS.md, issue 17).
//
// It lives while it is busy: once no request is open and its mailbox is
// empty it leaves the registry (the next call spawns a new one), handles
// the jobs sent before that, and quits once their requests are settled. So
// it never needs a timer to go (CAF's deterministic test scheduler fires
// none), an actor system shuts down as before (it waits for the requester
// as it waited for the per-call actors) and a quiet node holds none.
#include <chrono>
#include <functional>
#include <map>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/rpc/request_deadlines.hpp"

namespace chat {

struct requester_state {
  /// One table per timeout: each table's deadlines then never decrease,
  /// as request_deadlines needs. Callers use a handful of timeouts.
  std::map<caf::timespan, request_deadlines> by_timeout;
  bool ticking = false;
  bool retiring = false; ///< out of the registry: no new jobs after those queued
  bool drained = false;  ///< and those have been handled
  static constexpr const char* name = "requester";
};

/// Work for the requester: runs inside it, with its state.
struct requester_job {
  std::function<void(caf::event_based_actor*, requester_state&)> run;
};

/// How often the requester fails the requests past their deadline while
/// any is open (so a timeout fires at most this late).
inline constexpr std::chrono::milliseconds requester_sweep{100};

/// Hands `job` to the requester of `sys`, spawning one if there is none.
void send_to_requester(caf::actor_system& sys, requester_job job);

/// Inside a job: registers a request failing through `on_timeout` after
/// `timeout` unless settled first, and starts the sweeps if they were idle.
/// Returns the table and the id to settle() with.
std::pair<request_deadlines*, request_deadlines::id>
add_deadline(caf::event_based_actor* self, requester_state& st, caf::timespan timeout,
             std::function<void()> on_timeout);

/// Inside the requester, after a request settled (answered, failed or timed
/// out): retires the requester when it has nothing left to do.
void after_settle(caf::event_based_actor* self, requester_state& st);

} // namespace chat

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::requester_job)
