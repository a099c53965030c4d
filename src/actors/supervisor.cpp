#include "actors/supervisor.hpp"

#include <caf/all.hpp>

#include "actors/rpc/gather.hpp"
#include "log/log.hpp"

namespace chat {
namespace {

struct supervisor_state {
  static inline const char* name = "supervisor";
  std::vector<watched_actor> watched;
  std::shared_ptr<supervision_report> report;
  supervisor_settings settings;
  bool fatal = false;
};

using supervisor_actor = supervisor_api::stateful_pointer<supervisor_state>;

/// Probes every watched actor at once; policy: each slot that fails or
/// times out names a stuck actor.
void probe(supervisor_actor self) {
  auto& st = self->state;
  std::function<void(std::size_t, rpc::reply_to<std::uint64_t>)> ask
    = [self](std::size_t i, rpc::reply_to<std::uint64_t> reply) {
        const auto& w = self->state.watched[i];
        rpc::request_into<std::uint64_t, caf::message_priority::high>(
          self, w.handle, self->state.settings.probe_timeout, std::move(reply), mailbox_atom::value);
      };
  rpc::gather<std::uint64_t>(st.watched.size(), ask, [self](rpc::answers<std::uint64_t> all) {
    std::vector<std::string> stuck;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (!all[i])
        stuck.push_back(self->state.watched[i].name);
    self->state.report->set_stuck(std::move(stuck));
    self->delayed_send(self, self->state.settings.probe_interval, tick_atom::value);
  });
}

supervisor_api::behavior_type supervisor(supervisor_actor self, std::vector<watched_actor> watched,
                         std::shared_ptr<supervision_report> report,
                         supervisor_settings settings) {
  auto& st = self->state;
  st.watched = std::move(watched);
  st.report = std::move(report);
  st.settings = std::move(settings);
  for (const auto& w : st.watched)
    self->monitor(w.handle);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (const auto& w : st.watched) {
      if (w.handle.address() != dm.source || st.fatal)
        continue;
      st.fatal = true;
      auto reason = self->home_system().render(dm.reason);
      log::error("supervisor", "a node actor died; stopping the node",
                 {{"actor", w.name}, {"reason", reason}});
      if (st.settings.on_fatal)
        st.settings.on_fatal(w.name, reason);
    }
  });
  self->send(self, tick_atom::value);
  return {
    [self](tick_atom) { probe(self); },
  };
}

} // namespace

supervisor_api spawn_supervisor(caf::actor_system& sys, std::vector<watched_actor> watched,
                            std::shared_ptr<supervision_report> report,
                            supervisor_settings settings) {
  return sys.spawn(supervisor, std::move(watched), std::move(report), std::move(settings));
}

} // namespace chat
