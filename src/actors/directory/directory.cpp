#include "actors/directory/directory.hpp"

#include <algorithm>
#include <chrono>
#include <tuple>
#include <optional>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/directory/user_lists.hpp"
#include "actors/rpc/ask.hpp"
#include "actors/rpc/continuations.hpp"
#include "actors/rpc/read_pool.hpp"
#include "cluster/peer_table.hpp"
#include "actors/rpc/routing.hpp"
#include "actors/conversation/conversation_actor.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/user/user_actor.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "schema/ids.hpp"
#include "storage/database.hpp"

namespace chat {
namespace {

/// The public protocol plus completions of reads on the read pool.
using directory_impl = directory_api::extend<caf::reacts_to<resume_atom, std::uint64_t>>;

/// A request waiting for a conversation's activation read; `create` asks
/// for a fresh actor when nothing is stored.
struct activation_waiter {
  caf::typed_response_promise<conversation_api> promise;
  bool create = false;
};

struct directory_state {
  static inline const char* name = "directory";
  node_ref ctx;
  std::unordered_map<std::string, conversation_api> conversations;
  std::unordered_map<std::string, user_api> users;
  /// Conversations whose stored state is being read, and who waits for them.
  std::unordered_map<std::string, std::vector<activation_waiter>> activating;
  continuations pending;
};

using directory_actor = directory_impl::stateful_pointer<directory_state>;

/// What an activation read found.
struct activation_read {
  errc rc = errc::ok;
  stored_conversation stored;
};

/// Finds or activates conversation `id` on this node: a live actor answers
/// at once; otherwise its header, members and last seq are read on the
/// read pool (requests meanwhile wait for the same read), then the actor
/// is spawned with them. Nothing stored: a fresh actor for `create`,
/// not_found otherwise.
caf::result<conversation_api> find_or_activate(directory_actor self, const std::string& id,
                                               bool create) {
  auto& st = self->state;
  if (auto it = st.conversations.find(id); it != st.conversations.end())
    return it->second;
  auto rp = self->make_response_promise<conversation_api>();
  auto& waiting = st.activating[id];
  waiting.push_back({rp, create});
  if (waiting.size() > 1)
    return rp;
  auto data = st.ctx->store_for(shard_of_id(id, id_kind::conversation, st.ctx->shards).value_or(0));
  auto read = [data, id] {
    activation_read r;
    r.rc = conversation_store{data}.load(id, &r.stored.header, &r.stored.members,
                                        &r.stored.last_seq);
    return r;
  };
  auto then = [self, id](activation_read r) {
    auto& st = self->state;
    auto waiters = std::move(st.activating[id]);
    st.activating.erase(id);
    bool wants_fresh = std::any_of(waiters.begin(), waiters.end(),
                                   [](const auto& w) { return w.create; });
    std::optional<stored_conversation> stored;
    caf::error failure;
    if (r.rc == errc::ok)
      stored = std::move(r.stored);
    else if (r.rc != errc::not_found)
      failure = make_chat_error(errc::unavailable, "storage is not available");
    else if (!wants_fresh)
      failure = make_chat_error(errc::not_found, "no such conversation");
    if (failure) {
      for (auto& w : waiters)
        w.promise.deliver(failure);
      return;
    }
    auto actor = spawn_conversation(self->home_system(), st.ctx,
                                    caf::actor_cast<directory_api>(self), id, std::move(stored));
    self->monitor(actor);
    st.conversations.emplace(id, actor);
    for (auto& w : waiters)
      w.promise.deliver(actor);
  };
  read_then<activation_read>(self, st.pending, *st.ctx->reads, std::move(read), std::move(then),
                             [self, id](caf::error busy) {
                               auto& st = self->state;
                               for (auto& w : st.activating[id])
                                 w.promise.deliver(busy);
                               st.activating.erase(id);
                             });
  return rp;
}

/// Answers a user-wide list's part that this node holds, read on the pool.
template <class T, class Read>
caf::result<std::vector<T>> read_part(directory_actor self, Read read) {
  auto& st = self->state;
  auto rp = self->make_response_promise<std::vector<T>>();
  using part = std::optional<std::vector<T>>;
  read_then<part>(self, st.pending, *st.ctx->reads, std::move(read),
                  [rp](part p) mutable {
                    if (p)
                      rp.deliver(std::move(*p));
                    else
                      rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
                  },
                  [rp](caf::error busy) mutable { rp.deliver(std::move(busy)); });
  return rp;
}

/// Where a request about `id` goes: nullopt when this node owns it, else the
/// owning node's directory (invalid when that node is unreachable).
std::optional<directory_api> remote_owner(directory_actor self, const std::string& id,
                                          id_kind kind) {
  const auto& ctx = *self->state.ctx;
  auto shard = shard_of_id(id, kind, ctx.shards);
  if (!shard || ctx.peers->serves(*shard))
    return std::nullopt;
  return cluster::directory_for(ctx, *shard);
}

/// With replication, a group with no reachable leader is usually between
/// two: a request waits for the new one (rpc/ask.hpp's leader_wait),
/// polling the peer table, instead of failing at once.

template <class T, class... Ts>
void await_leader(directory_actor self, caf::typed_response_promise<T> rp, std::uint32_t shard,
                  std::chrono::steady_clock::time_point deadline, std::tuple<Ts...> msg) {
  auto id = self->state.pending.later([=]() mutable {
    const auto& ctx = *self->state.ctx;
    if (ctx.peers->serves(shard) || cluster::directory_for(ctx, shard)) {
      // Handled anew by this directory: locally or forwarded to the leader.
      auto me = caf::actor_cast<directory_api>(self);
      std::apply([&](auto&... xs) { rp.delegate(me, xs...); }, msg);
    } else if (std::chrono::steady_clock::now() >= deadline) {
      rp.deliver(make_chat_error(errc::unavailable, "no node leads this shard now; try again"));
    } else {
      await_leader(self, rp, shard, deadline, std::move(msg));
    }
  });
  self->delayed_send(self, find_poll, resume_atom::value, id);
}

/// Hands the current request about `id` to the owning node's directory and
/// relays the answer. A group between two leaders (no owner reachable, or
/// the owner lost with the request in flight: lost_request.hpp) waits for
/// the next leader when replicated, else fails at once.
template <class T, class... Ts>
caf::result<T> forward(directory_actor self, const directory_api& owner, const std::string& id,
                       id_kind kind, Ts&&... xs) {
  const auto& ctx = *self->state.ctx;
  auto shard = shard_of_id(id, kind, ctx.shards);
  const bool can_wait = shard && ctx.peers->layout().replicated();
  if (!owner && !can_wait)
    return make_chat_error(errc::unavailable, "the node owning this is unreachable; try again");
  auto rp = self->make_response_promise<T>();
  auto msg = std::make_tuple(std::forward<Ts>(xs)...);
  auto wait_for_leader = [self, rp, shard, msg]() mutable {
    await_leader(self, rp, *shard, std::chrono::steady_clock::now() + leader_wait, msg);
  };
  if (!owner) {
    wait_for_leader();
    return rp;
  }
  auto req = std::apply([&](auto&... a) { return self->request(owner, ask_timeout, a...); }, msg);
  auto guard = guard_remote_request(self, owner, req.id());
  req.then(
    [rp, guard](T& answer) mutable {
      guard.release();
      rp.deliver(std::move(answer));
    },
    [rp, guard, can_wait, wait_for_leader](caf::error& err) mutable {
      guard.release();
      // Finding an actor is idempotent: asked again of the next leader.
      if (can_wait && (err == lost_request_error() || err == caf::sec::request_receiver_down))
        wait_for_leader();
      else
        rp.deliver(std::move(err));
    });
  metrics::node().cross_node_sends.inc();
  return rp;
}

/// Ends the conversation and user actors of `group`'s shards on this node.
void end_group(directory_actor self, std::uint32_t group) {
  auto& st = self->state;
  const auto& layout = st.ctx->peers->layout();
  auto in_group = [&](const std::string& id, id_kind kind) {
    auto shard = shard_of_id(id, kind, st.ctx->shards);
    return shard && layout.group_of(*shard) == group;
  };
  auto end = [&](auto& map, id_kind kind) {
    for (auto it = map.begin(); it != map.end();) {
      if (!in_group(it->first, kind)) {
        ++it;
        continue;
      }
      self->demonitor(it->second.address());
      self->send_exit(it->second, caf::exit_reason::user_shutdown);
      it = map.erase(it);
    }
  };
  end(st.conversations, id_kind::conversation);
  end(st.users, id_kind::user);
}

directory_impl::behavior_type directory(directory_actor self, node_ref ctx) {
  self->state.ctx = std::move(ctx);
  auto me = caf::actor_cast<directory_api>(self);
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
  return {
    [self](resume_atom, std::uint64_t op) { self->state.pending.resume(op); },
    [self](conv_atom, const std::string& id) -> caf::result<conversation_api> {
      if (auto owner = remote_owner(self, id, id_kind::conversation))
        return forward<conversation_api>(self, *owner, id, id_kind::conversation, conv_atom::value, id);
      if (!shard_of_id(id, id_kind::conversation, self->state.ctx->shards))
        return make_chat_error(errc::not_found, "no such conversation");
      return find_or_activate(self, id, false);
    },
    // Creation goes to the live or stored conversation if there is one (a
    // direct conversation created twice), else to a fresh actor.
    [self](create_atom, const std::string& id) -> caf::result<conversation_api> {
      if (auto owner = remote_owner(self, id, id_kind::conversation))
        return forward<conversation_api>(self, *owner, id, id_kind::conversation, create_atom::value, id);
      return find_or_activate(self, id, true);
    },
    [self, me](user_atom, const std::string& id) -> caf::result<user_api> {
      if (auto owner = remote_owner(self, id, id_kind::user))
        return forward<user_api>(self, *owner, id, id_kind::user, user_atom::value, id);
      auto& st = self->state;
      if (auto it = st.users.find(id); it != st.users.end())
        return it->second;
      auto actor = spawn_user(self->home_system(), st.ctx, me, id);
      self->monitor(actor);
      st.users.emplace(id, actor);
      return actor;
    },
    // Both go to a user's actor only if it is live: a user without
    // connections has nobody to tell.
    [self](push_atom, const std::string& user_id, const wire_frame& frame) {
      if (auto owner = remote_owner(self, user_id, id_kind::user)) {
        if (*owner)
          self->send(*owner, push_atom::value, user_id, frame);
        return;
      }
      auto& st = self->state;
      if (auto it = st.users.find(user_id); it != st.users.end())
        self->send(it->second, push_atom::value, frame);
    },
    [self](ended_atom, const std::string& user_id, const std::string& session_id) {
      if (auto owner = remote_owner(self, user_id, id_kind::user)) {
        if (*owner)
          self->send(*owner, ended_atom::value, user_id, session_id);
        return;
      }
      auto& st = self->state;
      if (auto it = st.users.find(user_id); it != st.users.end())
        self->send(it->second, ended_atom::value, session_id);
    },
    [self](blocks_atom, const std::string& user_id) {
      if (auto owner = remote_owner(self, user_id, id_kind::user)) {
        if (*owner)
          self->send(*owner, blocks_atom::value, user_id);
        return;
      }
      auto& st = self->state;
      if (auto it = st.users.find(user_id); it != st.users.end())
        self->send(it->second, blocks_atom::value);
    },
    // This node's part of a user's memberships and pending invitations (each
    // node indexes the conversations it owns); callers gather every node's.
    [self](mships_atom, const std::string& user) -> caf::result<std::vector<std::string>> {
      return read_part<std::string>(self, [ctx = self->state.ctx, user] {
        return local_memberships(*ctx, user);
      });
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
      auto& ctx = *self->state.ctx;
      auto home = ctx.store_for(shard_of_id(user, id_kind::user, ctx.shards).value_or(0));
      home.commit(std::move(batch), [user, conv](errc e) {
        if (e != errc::ok)
          log::warn("directory", "membership copy not stored",
                    {{"user", user}, {"conversation", conv}});
      });
    },
    [self](invites_atom, const std::string& user) -> caf::result<std::vector<invitation_view>> {
      return read_part<invitation_view>(self, [ctx = self->state.ctx, user] {
        return local_invitations(*ctx, user);
      });
    },
    // The admin shell: a user's live connections (none if the user has no
    // actor: nobody is connected), asked of the user's home node.
    [self](conns_atom, const std::string& user_id)
      -> caf::result<std::vector<connection_info>> {
      if (auto owner = remote_owner(self, user_id, id_kind::user))
        return forward<std::vector<connection_info>>(self, *owner, user_id, id_kind::user,
                                                    conns_atom::value, user_id);
      auto it = self->state.users.find(user_id);
      if (it == self->state.users.end())
        return std::vector<connection_info>{};
      auto rp = self->make_response_promise<std::vector<connection_info>>();
      rp.delegate(it->second, conns_atom::value);
      return rp;
    },
    // The admin shell: this node's live conversation actors.
    [self](list_atom) -> std::vector<conversation_api> {
      std::vector<conversation_api> out;
      for (const auto& [id, actor] : self->state.conversations)
        out.push_back(actor);
      return out;
    },
    [self](list_atom, user_atom) -> std::vector<user_api> {
      std::vector<user_api> out;
      for (const auto& [id, actor] : self->state.users)
        out.push_back(actor);
      return out;
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
    // Another replica leads the group now: its actors here hold state that
    // may fall behind, so they end (sessions resolve them again, elsewhere).
    [self](leader_atom, std::uint32_t group, bool serving) {
      if (!serving)
        end_group(self, group);
    },
    [self](retire_atom, const std::string& id) -> bool {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto forget = [&](auto& map) {
        auto it = map.find(id);
        if (it == map.end() || it->second.address() != sender)
          return false;
        self->demonitor(it->second.address());
        map.erase(it);
        return true;
      };
      return forget(st.conversations) || forget(st.users);
    },
  };
}

} // namespace

directory_api spawn_directory(caf::actor_system& sys, node_ref ctx) {
  return sys.spawn(directory, std::move(ctx));
}

} // namespace chat
