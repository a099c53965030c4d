#include "actors/user/user_actor.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/live_registry.hpp"
#include "actors/conversation/conversation_ref.hpp"
#include "actors/cluster/gather.hpp"
#include "actors/errors.hpp"
#include "actors/session/shared_types.hpp"
#include "metrics/metrics.hpp"

namespace chat {
namespace {

struct user_state {
  static inline const char* name = "user";
  node_ref ctx;
  caf::actor directory;
  std::string id;
  std::unordered_map<caf::actor_addr, std::pair<caf::actor, std::string>> sessions; // → session id
  bool retiring = false;
};

using user_actor = caf::stateful_actor<user_state>;

/// Tells every conversation of the user (on every node), then runs `then`.
void announce_presence(user_actor* self, bool online, std::function<void()> then = [] {}) {
  auto& st = self->state;
  std::function<void(std::vector<std::string>)> tell
    = [self, online, then](std::vector<std::string> convs) {
        auto& st = self->state;
        auto left = std::make_shared<std::size_t>(convs.size());
        if (convs.empty())
          return then();
        auto one_done = [left, then] {
          if (--*left == 0)
            then();
        };
        for (const auto& conv : convs)
          self->request(st.directory, ask_timeout, conv_atom::value, conv)
            .then(
              [self, online, one_done](caf::actor target) {
                self->send(target, presence_atom::value, self->state.id, online);
                one_done();
              },
              [one_done](caf::error&) { one_done(); });
      };
  cluster::gather_memberships(self, *st.ctx, st.id, tell);
}

caf::behavior user(user_actor* self, node_ref ctx, caf::actor directory, std::string id) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.directory = std::move(directory);
  live_registry::enroll(self, st.ctx->live); // stops with the node
  metrics::node().users_live.add(1);
  self->attach_functor([] { metrics::node().users_live.add(-1); });
  st.id = std::move(id);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.sessions.erase(dm.source) == 0 || !st.sessions.empty())
      return;
    st.retiring = true;
    // Retire only once the presence change is on its way.
    announce_presence(self, false, [self] {
      auto& st = self->state;
      self->request(st.directory, std::chrono::seconds(5), retire_atom::value, st.id)
        .then([self](bool forgotten) {
          if (forgotten)
            self->quit();
          else
            self->state.retiring = false;
        }, [self](caf::error&) { self->state.retiring = false; });
    });
  });
  return {
    [self](attach_atom, const caf::actor& session, const std::string& session_id)
      -> caf::result<done_atom> {
      auto& st = self->state;
      if (st.retiring)
        return make_chat_error(errc::retry, "user is moving; try again");
      bool first = st.sessions.empty();
      self->monitor(session);
      st.sessions.emplace(session.address(), std::make_pair(session, session_id));
      if (first)
        announce_presence(self, true);
      return done_atom::value;
    },
    [self](push_atom, const wire_frame& frame) {
      for (const auto& [addr, entry] : self->state.sessions)
        self->send(entry.first, push_atom::value, frame);
    },
    // The admin shell: every live connection of the user, as JSON texts.
    [self](conns_atom) -> caf::result<std::vector<std::string>> {
      auto rp = self->make_response_promise();
      auto out = std::make_shared<std::vector<std::string>>();
      auto left = std::make_shared<std::size_t>(self->state.sessions.size());
      if (*left == 0)
        return std::vector<std::string>{};
      for (const auto& [addr, entry] : self->state.sessions)
        self->request(entry.first, std::chrono::seconds(3), inspect_atom::value)
          .then(
            [out, left, rp](std::string& info) mutable {
              out->push_back(std::move(info));
              if (--*left == 0)
                rp.deliver(std::move(*out));
            },
            [out, left, rp](caf::error&) mutable {
              if (--*left == 0)
                rp.deliver(std::move(*out));
            });
      return rp;
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
    // An auth session ended: its connections close with 4001.
    [self](ended_atom, const std::string& session_id) {
      for (const auto& [addr, entry] : self->state.sessions)
        if (entry.second == session_id)
          self->send(entry.first, close_atom::value, close_code::session_ended);
    },
  };
}

} // namespace

caf::actor spawn_user(caf::actor_system& sys, node_ref ctx, caf::actor directory,
                      std::string user_id) {
  return sys.spawn(user, std::move(ctx), std::move(directory), std::move(user_id));
}

} // namespace chat
