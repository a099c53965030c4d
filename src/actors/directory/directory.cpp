#include "actors/directory/directory.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/cluster/gather.hpp"
#include "actors/cluster/peer_table.hpp"
#include "actors/cluster/routing.hpp"
#include "actors/conversation/conversation_actor.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/errors.hpp"
#include "actors/user/user_actor.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "schema/ids.hpp"
#include "storage/database.hpp"

namespace chat {
namespace {

struct directory_state {
  static inline const char* name = "directory";
  node_ref ctx;
  std::unordered_map<std::string, caf::actor> conversations;
  std::unordered_map<std::string, caf::actor> users;
};

using directory_actor = caf::stateful_actor<directory_state>;

/// Where a request about `id` goes: nullopt when this node owns it, else the
/// owning node's directory (invalid when that node is unreachable).
std::optional<caf::actor> remote_owner(directory_actor* self, const std::string& id, id_kind kind) {
  const auto& ctx = *self->state.ctx;
  auto shard = shard_of_id(id, kind, ctx.shards);
  if (!shard || ctx.peers->layout().is_local(*shard))
    return std::nullopt;
  return cluster::directory_for(ctx, *shard);
}

/// Hands the current request to the owning node's directory; the answer
/// goes straight back to the original sender.
template <class T, class... Ts>
caf::result<T> forward(directory_actor* self, const caf::actor& owner, Ts&&... xs) {
  if (!owner)
    return make_chat_error(errc::unavailable, "the node owning this is unreachable; try again");
  auto rp = self->make_response_promise();
  rp.delegate(owner, std::forward<Ts>(xs)...);
  metrics::node().cross_node_sends.inc();
  return rp;
}

caf::behavior directory(directory_actor* self, node_ref ctx) {
  self->state.ctx = std::move(ctx);
  auto me = caf::actor_cast<caf::actor>(self);
  // Conversations link to the directory so that stopping the node stops
  // them (sessions and users are many and short-lived: live_registry.hpp).
  // Their own exits (passivation, a failed write) must not take the
  // directory down: only an exit from outside ends it.
  // (anon_send_exit names the receiver itself as the source.)
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (!msg.source || msg.source == self->address())
      self->quit(msg.reason);
  });
  // A retired or crashed actor leaves the maps when it is gone.
  self->set_down_handler([self](caf::down_msg& dm) {
    auto drop = [&](auto& map) {
      for (auto it = map.begin(); it != map.end(); ++it)
        if (it->second.address() == dm.source) {
          map.erase(it);
          return;
        }
    };
    drop(self->state.conversations);
    drop(self->state.users);
  });
  auto activate_conversation = [self, me](const std::string& id, bool fresh) {
    auto actor = spawn_conversation(self->home_system(), self->state.ctx, me, id, fresh);
    self->monitor(actor);
    self->state.conversations.emplace(id, actor);
    return actor;
  };
  return {
    [self, activate_conversation](conv_atom, const std::string& id) -> caf::result<caf::actor> {
      if (auto owner = remote_owner(self, id, id_kind::conversation))
        return forward<caf::actor>(self, *owner, conv_atom::value, id);
      auto& st = self->state;
      if (auto it = st.conversations.find(id); it != st.conversations.end())
        return it->second;
      if (!shard_of_id(id, id_kind::conversation, st.ctx->shards))
        return make_chat_error(errc::not_found, "no such conversation");
      std::string header;
      auto rc = st.ctx->db->get(storage::column::conversations, id, &header);
      if (rc == errc::not_found)
        return make_chat_error(errc::not_found, "no such conversation");
      if (rc != errc::ok)
        return make_chat_error(errc::unavailable, "storage is not available");
      return activate_conversation(id, false);
    },
    // Creation goes to the live or stored conversation if there is one (a
    // direct conversation created twice), else to a fresh actor.
    [self, activate_conversation](create_atom, const std::string& id) -> caf::result<caf::actor> {
      if (auto owner = remote_owner(self, id, id_kind::conversation))
        return forward<caf::actor>(self, *owner, create_atom::value, id);
      auto& st = self->state;
      if (auto it = st.conversations.find(id); it != st.conversations.end())
        return it->second;
      std::string header;
      auto rc = st.ctx->db->get(storage::column::conversations, id, &header);
      if (rc != errc::ok && rc != errc::not_found)
        return make_chat_error(errc::unavailable, "storage is not available");
      return activate_conversation(id, rc == errc::not_found);
    },
    [self, me](user_atom, const std::string& id) -> caf::result<caf::actor> {
      if (auto owner = remote_owner(self, id, id_kind::user))
        return forward<caf::actor>(self, *owner, user_atom::value, id);
      auto& st = self->state;
      if (auto it = st.users.find(id); it != st.users.end())
        return it->second;
      auto actor = spawn_user(self->home_system(), st.ctx, me, id);
      self->monitor(actor);
      st.users.emplace(id, actor);
      return actor;
    },
    // Forwards to a user's actor only if it is live: a user without
    // connections has nobody to tell.
    [self](notify_atom, const std::string& user_id, caf::message& msg) {
      if (auto owner = remote_owner(self, user_id, id_kind::user)) {
        if (*owner)
          self->send(*owner, notify_atom::value, user_id, std::move(msg));
        return;
      }
      auto& st = self->state;
      if (auto it = st.users.find(user_id); it != st.users.end())
        self->send(it->second, std::move(msg));
    },
    // This node's part of a user's memberships and pending invitations (each
    // node indexes the conversations it owns); callers gather every node's.
    [self](mships_atom, const std::string& user) -> caf::result<std::vector<std::string>> {
      if (auto convs = cluster::local_memberships(*self->state.ctx, user))
        return std::move(*convs);
      return make_chat_error(errc::unavailable, "storage is not available");
    },
    // A conversation elsewhere tells a user's home node about a membership
    // change; the copy answers for that conversation while its node is down.
    [self](mindex_atom, const std::string& user, const std::string& conv, bool joined) {
      storage::write_batch batch;
      if (joined)
        conversation_store::put_membership(batch, user, conv);
      else
        conversation_store::delete_membership(batch, user, conv);
      // Fire and forget for the sender, but a lost copy must not go unseen.
      self->state.ctx->db->commit(std::move(batch), [user, conv](errc e) {
        if (e != errc::ok)
          log::warn("directory", "membership copy not stored",
                    {{"user", user}, {"conversation", conv}});
      });
    },
    [self](invites_atom, const std::string& user) -> caf::result<std::vector<invitation_view>> {
      if (auto pending = cluster::local_invitations(*self->state.ctx, user))
        return std::move(*pending);
      return make_chat_error(errc::unavailable, "storage is not available");
    },
    // The admin shell: a user's live connections (none if the user has no
    // actor: nobody is connected), asked of the user's home node.
    [self](conns_atom, const std::string& user_id) -> caf::result<std::vector<std::string>> {
      if (auto owner = remote_owner(self, user_id, id_kind::user))
        return forward<std::vector<std::string>>(self, *owner, conns_atom::value, user_id);
      auto it = self->state.users.find(user_id);
      if (it == self->state.users.end())
        return std::vector<std::string>{};
      auto rp = self->make_response_promise();
      rp.delegate(it->second, conns_atom::value);
      return rp;
    },
    // The admin shell: this node's live conversation actors.
    [self](list_atom) -> std::vector<caf::actor> {
      std::vector<caf::actor> out;
      for (const auto& [id, actor] : self->state.conversations)
        out.push_back(actor);
      return out;
    },
    [self](list_atom, user_atom) -> std::vector<caf::actor> {
      std::vector<caf::actor> out;
      for (const auto& [id, actor] : self->state.users)
        out.push_back(actor);
      return out;
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
    [self](retire_atom, const std::string& id) -> bool {
      auto& st = self->state;
      auto sender = self->current_sender();
      for (auto* map : {&st.conversations, &st.users}) {
        auto it = map->find(id);
        if (it != map->end() && it->second.address() == caf::actor_cast<caf::actor_addr>(sender)) {
          self->demonitor(it->second);
          map->erase(it);
          return true;
        }
      }
      return false;
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, node_ref ctx) {
  return sys.spawn(directory, std::move(ctx));
}

} // namespace chat
