#include "actors/rpc/requester.hpp"

#include <mutex>

#include <caf/actor_registry.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"

namespace chat {
namespace {

using requester_actor = caf::stateful_actor<requester_state>;
using drained_atom = caf::atom_constant<caf::atom("drained")>;

// Guards the registry entry: a job is sent while it is held, and the
// requester leaves the registry while it is held, so every job reaches a
// requester that handles it before it quits.
std::mutex registry_mutex;
constexpr auto registry_key = caf::atom("requester");

bool any_open(const requester_state& st) {
  for (const auto& [timeout, table] : st.by_timeout)
    if (table.open() != 0)
      return true;
  return false;
}

void tick(requester_actor* self) {
  if (self->state.ticking)
    return;
  self->state.ticking = true;
  self->delayed_send(self, requester_sweep, sweep_atom::value);
}

void check_idle(requester_actor* self);

void retire(requester_actor* self) {
  {
    std::lock_guard lock(registry_mutex);
    auto& reg = self->home_system().registry();
    if (auto found = reg.get<caf::actor>(registry_key); found && found.address() == self->address())
      reg.erase(registry_key);
  }
  self->state.retiring = true;
  // Behind every job sent before the erase: when it arrives, none can follow.
  self->send(self, drained_atom::value);
}

// Nothing open: quit once drained, else leave the registry when no job waits.
void check_idle(requester_actor* self) {
  auto& st = self->state;
  if (any_open(st))
    return;
  if (st.drained)
    return self->quit();
  if (!st.retiring && self->mailbox().empty())
    retire(self);
}

caf::behavior requester(requester_actor* self) {
  return {
    [self](requester_job& job) {
      job.run(self, self->state);
      check_idle(self);  // a job whose request failed at once left nothing open
    },
    [self](sweep_atom) {
      auto& st = self->state;
      const auto now = request_deadlines::clock::now();
      bool open = false;
      for (auto& [timeout, table] : st.by_timeout)
        open = table.sweep(now) || open;  // every table, whatever the others say
      st.ticking = false;
      if (open)
        tick(self);
      check_idle(self);
    },
    [self](drained_atom) {
      self->state.drained = true;
      check_idle(self);
    },
  };
}

} // namespace

void send_to_requester(caf::actor_system& sys, requester_job job) {
  std::lock_guard lock(registry_mutex);
  auto a = sys.registry().get<caf::actor>(registry_key);
  if (!a) {
    a = sys.spawn(requester);
    sys.registry().put(registry_key, a);
  }
  caf::anon_send(a, std::move(job));
}

void after_settle(caf::event_based_actor* self, requester_state&) {
  check_idle(static_cast<requester_actor*>(self));
}

std::pair<request_deadlines*, request_deadlines::id>
add_deadline(caf::event_based_actor* self, requester_state& st, caf::timespan timeout,
             std::function<void()> on_timeout) {
  auto& table = st.by_timeout[timeout];
  if (!st.ticking) {
    st.ticking = true;
    self->delayed_send(self, requester_sweep, sweep_atom::value);
  }
  auto id = table.add(request_deadlines::clock::now()
                        + std::chrono::duration_cast<request_deadlines::clock::duration>(timeout),
                      std::move(on_timeout));
  return {&table, id};
}

} // namespace chat
