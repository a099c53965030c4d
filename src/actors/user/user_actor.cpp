#include "actors/user/user_actor.hpp"

#include <algorithm>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/directory/user_lists.hpp"
#include "actors/live_registry.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/gather.hpp"
#include "actors/rpc/resolve.hpp"
#include "actors/rpc/routing.hpp"
#include "metrics/metrics.hpp"

namespace chat {
namespace {

constexpr auto inspect_timeout = std::chrono::seconds(3);

struct user_state {
  static inline const char* name = "user";
  node_ref ctx;
  directory_api directory;
  std::string id;
  std::unordered_map<caf::actor_addr, std::pair<session_api, std::string>> sessions; // → session id
  bool retiring = false;
  /// Users blocking or blocked by this one: their typing and presence are
  /// hidden from every connection. Loaded at the first attach, reloaded
  /// when a block changes (blocks_gen drops answers overtaken by a newer load).
  std::vector<std::string> hidden;
  std::uint64_t blocks_gen = 0;
};

using user_actor = user_api::stateful_pointer<user_state>;

/// Tells every conversation of the user (on every node), then runs `then`.
/// Policy: best effort; a conversation that cannot be reached misses this
/// presence change (clients learn presence again from the next one).
void announce_presence(user_actor self, bool online, std::function<void()> then = [] {}) {
  auto& st = self->state;
  std::function<void(std::vector<std::string>)> tell
    = [self, online, then](std::vector<std::string> convs) {
        std::function<void(std::size_t, rpc::reply_to<conversation_api>)> resolve
          = [self, convs](std::size_t i, rpc::reply_to<conversation_api> reply) {
              rpc::request_into<conversation_api>(self, self->state.directory, ask_timeout,
                                                  std::move(reply), conv_atom::value, convs[i]);
            };
        rpc::gather<conversation_api>(convs.size(), resolve,
                                      [self, online, then](rpc::answers<conversation_api> all) {
                                        for (auto& target : rpc::successes(std::move(all)))
                                          self->send(target, presence_atom::value,
                                                     self->state.id, online);
                                        then();
                                      });
      };
  gather_memberships(self, *st.ctx, st.id, tell);
}

void tell_hidden(user_actor self, const session_api& session) {
  self->send(session, blocks_atom::value, self->state.hidden);
}

/// Reads both block lists from the user's authority, then tells every
/// connection. Policy: on a failed read the previous list stays.
void load_blocks(user_actor self) {
  auto& st = self->state;
  auto gen = ++st.blocks_gen;
  auto authority = cluster::authority_for_user(*st.ctx, st.id);
  if (!authority)
    return;
  self->request(authority, ask_timeout, blocks_atom::value, st.id, true)
    .then([self, gen, authority](std::vector<std::string> blocking) {
      self->request(authority, ask_timeout, blocks_atom::value, self->state.id, false)
        .then([self, gen, blocking](std::vector<std::string> blocked_by) mutable {
          auto& st = self->state;
          if (gen != st.blocks_gen)
            return;
          blocking.insert(blocking.end(), blocked_by.begin(), blocked_by.end());
          std::sort(blocking.begin(), blocking.end());
          blocking.erase(std::unique(blocking.begin(), blocking.end()), blocking.end());
          if (blocking == st.hidden)
            return;
          st.hidden = std::move(blocking);
          for (const auto& [addr, entry] : st.sessions)
            tell_hidden(self, entry.first);
        }, [](caf::error&) {});
    }, [](caf::error&) {});
}

/// Every live connection of the user. Policy: a connection that does not
/// answer in time is left out (it is closing, or stuck).
void list_connections(user_actor self, caf::typed_response_promise<std::vector<connection_info>> rp) {
  std::vector<session_api> sessions;
  for (const auto& [addr, entry] : self->state.sessions)
    sessions.push_back(entry.first);
  std::function<void(std::size_t, rpc::reply_to<connection_info>)> ask
    = [self, sessions](std::size_t i, rpc::reply_to<connection_info> reply) {
        rpc::request_into<connection_info>(self, sessions[i], inspect_timeout, std::move(reply),
                                           inspect_atom::value);
      };
  rpc::gather<connection_info>(sessions.size(), ask,
                               [rp](rpc::answers<connection_info> all) mutable {
                                 rp.deliver(rpc::successes(std::move(all)));
                               });
}

user_api::behavior_type user(user_actor self, node_ref ctx, directory_api directory,
                             std::string id) {
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
      self->request(st.directory, ask_timeout, retire_atom::value, st.id)
        .then([self](bool forgotten) {
          if (forgotten)
            self->quit();
          else
            self->state.retiring = false;
        }, [self](caf::error&) { self->state.retiring = false; });
    });
  });
  return {
    [self](attach_atom, const session_api& session, const std::string& session_id)
      -> caf::result<done_atom> {
      auto& st = self->state;
      if (st.retiring)
        return make_chat_error(errc::retry, "user is moving; try again");
      bool first = st.sessions.empty();
      self->monitor(session);
      st.sessions.emplace(session.address(), std::make_pair(session, session_id));
      if (first) {
        load_blocks(self);
        announce_presence(self, true);
      } else if (!st.hidden.empty()) {
        tell_hidden(self, session);
      }
      return done_atom::value;
    },
    [self](push_atom, const wire_frame& frame) {
      for (const auto& [addr, entry] : self->state.sessions)
        self->send(entry.first, push_atom::value, frame);
    },
    [self](conns_atom) -> caf::result<std::vector<connection_info>> {
      auto rp = self->make_response_promise<std::vector<connection_info>>();
      list_connections(self, rp);
      return rp;
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
    [self](blocks_atom) { load_blocks(self); },
    // An auth session ended: its connections close with 4001.
    [self](ended_atom, const std::string& session_id) {
      for (const auto& [addr, entry] : self->state.sessions)
        if (entry.second == session_id)
          self->send(entry.first, close_atom::value, close_code::session_ended);
    },
  };
}

} // namespace

user_api spawn_user(caf::actor_system& sys, node_ref ctx, directory_api directory,
                    std::string user_id) {
  return sys.spawn(user, std::move(ctx), std::move(directory), std::move(user_id));
}

} // namespace chat
