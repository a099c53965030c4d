#include "actors/admin/admin_actor.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/admin/admin_local.hpp"
#include "actors/atoms.hpp"
#include "actors/directory/user_lists.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/gather.hpp"
#include "actors/rpc/routing.hpp"
#include "cluster/peer_table.hpp"
#include "schema/clock.hpp"
#include "schema/ids.hpp"
#include "schema/wire.hpp"

namespace chat {
namespace {

constexpr std::size_t hot_limit = 20;

template <class T>
using promise = caf::typed_response_promise<T>;

const cluster::placement& layout(admin_self self) {
  return self->state.deps.ctx->peers->layout();
}

/// The id of the node serving `shard` now; empty while its group has no leader.
std::string home_of(admin_self self, std::uint32_t shard) {
  auto node = self->state.deps.ctx->peers->server_of(shard);
  return node < layout(self).nodes.size() ? layout(self).nodes[node].id : std::string{};
}

/// A node as cluster.conf lists it, marked down.
node_address down_node(const cluster::member& m) {
  return {m.id, m.host + ":" + std::to_string(m.http_port),
          m.host + ":" + std::to_string(m.cluster_port), false};
}

/// Asks the admin of each node in `asked` (indexes into cluster.conf) for
/// its part: (admin_local_atom, what). `done` gets one answer per node, in
/// that order; a node that is not connected fails at once, without a
/// request. The caller applies the policy.
template <class Part, class Atom>
void each_node(admin_self self, std::vector<std::size_t> asked, Atom what,
               std::function<void(rpc::answers<Part>)> done) {
  rpc::gather<Part>(
    asked.size(),
    [self, asked, what](std::size_t k, rpc::reply_to<Part> reply) {
      auto peer = self->state.deps.ctx->peers->node(asked[k]);
      if (!peer) {
        reply(make_chat_error(errc::unavailable, "node is down"));
        return;
      }
      rpc::request_into<Part>(self, peer->admin, admin_timeout, std::move(reply),
                     admin_local_atom::value, what);
    },
    std::move(done));
}

std::vector<std::size_t> every_node(admin_self self) {
  std::vector<std::size_t> all(layout(self).nodes.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  return all;
}

/// Policy for `nodes`, `actors`, `stats`: a node that did not answer is
/// listed as down, with its addresses from cluster.conf.
template <class Part>
std::vector<Part> parts_or_down(admin_self self, const std::vector<std::size_t>& asked,
                                rpc::answers<Part>& answers) {
  std::vector<Part> out;
  for (std::size_t k = 0; k < answers.size(); ++k) {
    if (answers[k]) {
      out.push_back(std::move(*answers[k]));
    } else {
      Part down;
      down.node = down_node(layout(self).nodes[asked[k]]);
      out.push_back(std::move(down));
    }
  }
  return out;
}

template <class Report, class Part, class Atom>
promise<Report> node_report(admin_self self, std::vector<std::size_t> asked, Atom what) {
  auto rp = self->make_response_promise<Report>();
  each_node<Part>(self, asked, what, [self, rp, asked](rpc::answers<Part> answers) mutable {
    Report out;
    out.nodes = parts_or_down(self, asked, answers);
    rp.deliver(std::move(out));
  });
  return rp;
}

/// `nodes`: as node_report, with the groups each up node leads.
promise<nodes_report> cmd_nodes(admin_self self) {
  auto rp = self->make_response_promise<nodes_report>();
  auto asked = every_node(self);
  each_node<node_status>(self, asked, nodes_atom::value,
                         [self, rp, asked](rpc::answers<node_status> answers) mutable {
                           nodes_report out;
                           out.nodes = parts_or_down(self, asked, answers);
                           out.replicated = layout(self).replicated();
                           auto led = groups_led(self);
                           for (std::size_t k = 0; k < out.nodes.size(); ++k)
                             if (out.nodes[k].node.up)
                               out.nodes[k].leads = led[asked[k]];
                           rp.deliver(std::move(out));
                         });
  return rp;
}

/// Delivers `err` to `rp` when there is one; true if it did.
template <class T, class U>
bool failed(promise<T>& rp, const caf::expected<U>& x) {
  if (x)
    return false;
  rp.deliver(x.error());
  return true;
}

/// A user given by id or username, resolved at the user's home authority.
void resolve_user(admin_self self, const std::string& who,
                  std::function<void(caf::expected<user_view>)> done) {
  const auto& ctx = *self->state.deps.ctx;
  bool by_id = shard_of_id(who, id_kind::user, ctx.shards).has_value();
  auto authority = caf::actor_cast<auth_api>(
    by_id ? cluster::authority_for_user(ctx, who)
          : cluster::authority_for(ctx, shard_of_key(who, ctx.shards)));
  if (!authority)
    return done(make_chat_error(errc::unavailable, "the user's home node is unreachable"));
  auto answered = [done](user_view& u) { done(std::move(u)); };
  auto failed = [done](caf::error& err) { done(err); };
  if (by_id)
    self->request(authority, admin_timeout, get_user_atom::value, who).then(answered, failed);
  else
    self->request(authority, admin_timeout, find_user_atom::value, who).then(answered, failed);
}

/// The user's live connections on every node, asked of the user's home
/// directory. Policy: if it does not answer, the user is shown without
/// connections (the sessions themselves still come from the authority).
void connections_of(admin_self self, const std::string& user_id,
                    std::function<void(std::vector<connection_info>)> done) {
  self->request(self->state.deps.directory, admin_timeout, conns_atom::value, user_id)
    .then([done](std::vector<connection_info>& conns) { done(std::move(conns)); },
          [done](caf::error&) { done({}); });
}

std::vector<connection_info> of_session(std::vector<connection_info> conns,
                                        const std::string& sid) {
  conns.erase(std::remove_if(conns.begin(), conns.end(),
                             [&](const connection_info& c) { return c.session != sid; }),
              conns.end());
  return conns;
}

/// The authority owning a session's shard (session ids name it), or an error.
caf::expected<auth_api> session_owner(admin_self self, const std::string& sid) {
  const auto& ctx = *self->state.deps.ctx;
  auto shard = shard_of_id(sid, id_kind::session, ctx.shards);
  if (!shard)
    return make_chat_error(errc::not_found, "no such session");
  auto authority = caf::actor_cast<auth_api>(cluster::authority_for(ctx, *shard));
  if (!authority)
    return make_chat_error(errc::unavailable, "the session's home node is unreachable");
  return authority;
}

/// (admin_atom, what, sid) to the session's authority: an auth_session_info.
template <class What>
void ask_session_owner(admin_self self, What what, const std::string& sid,
                       std::function<void(caf::expected<auth_session_info>)> done) {
  auto authority = session_owner(self, sid);
  if (!authority)
    return done(authority.error());
  self->request(*authority, admin_timeout, admin_atom::value, what, sid)
    .then([done](auth_session_info& s) { done(std::move(s)); },
          [done](caf::error& err) { done(err); });
}

/// The auth authority of `user_id`'s home node; when it is unreachable,
/// `rp` is answered `unavailable` and the handle is null.
template <class T>
auth_api home_authority(admin_self self, const std::string& user_id, promise<T>& rp) {
  auto authority = caf::actor_cast<auth_api>(
    cluster::authority_for_user(*self->state.deps.ctx, user_id));
  if (!authority)
    rp.deliver(make_chat_error(errc::unavailable, "the user's home node is unreachable"));
  return authority;
}

promise<user_sessions> cmd_sessions(admin_self self, const std::string& who) {
  auto rp = self->make_response_promise<user_sessions>();
  resolve_user(self, who, [self, rp](caf::expected<user_view> user) mutable {
    if (failed(rp, user))
      return;
    auto authority = home_authority(self, user->id, rp);
    if (!authority)
      return;
    auto u = std::move(*user);
    self->request(authority, admin_timeout, admin_atom::value, sessions_atom::value, u.id)
      .then(
        [self, rp, u](std::vector<auth_session_info>& sessions) mutable {
          connections_of(self, u.id, [rp, u, sessions](std::vector<connection_info> conns) mutable {
            user_sessions out{u.id, u.username, {}};
            for (auto& s : sessions) {
              auto mine = of_session(conns, s.id);
              out.sessions.push_back({std::move(s), std::move(mine)});
            }
            rp.deliver(std::move(out));
          });
        },
        [rp](caf::error& err) mutable { rp.deliver(err); });
  });
  return rp;
}

promise<conversation_inspection> cmd_inspect_conversation(admin_self self,
                                                          const std::string& conv) {
  auto rp = self->make_response_promise<conversation_inspection>();
  self->request(self->state.deps.directory, admin_timeout, conv_atom::value, conv)
    .then(
      [self, rp, conv](conversation_api& target) mutable {
        self->request(target, admin_timeout, inspect_atom::value)
          .then(
            [self, rp, conv](conversation_info& info) mutable {
              auto nodes = every_node(self);
              // Policy: the subscribers of every relay that answers;
              // unreachable relays are skipped (their node is not listed).
              rpc::gather<std::uint64_t>(
                nodes.size(),
                [self, conv](std::size_t i, rpc::reply_to<std::uint64_t> reply) {
                  auto peer = self->state.deps.ctx->peers->node(i);
                  if (!peer)
                    return reply(make_chat_error(errc::unavailable, "node is down"));
                  rpc::request_into<std::uint64_t>(self, peer->relay, admin_timeout, std::move(reply),
                                          count_atom::value, conv);
                },
                [self, rp, info = std::move(info)](rpc::answers<std::uint64_t> counts) mutable {
                  conversation_inspection out{std::move(info), {}};
                  for (std::size_t i = 0; i < counts.size(); ++i)
                    if (counts[i])
                      out.subscribers.push_back({layout(self).nodes[i].id, *counts[i]});
                  rp.deliver(std::move(out));
                });
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
      },
      [rp](caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

promise<user_inspection> cmd_inspect_user(admin_self self, const std::string& who) {
  auto rp = self->make_response_promise<user_inspection>();
  resolve_user(self, who, [self, rp](caf::expected<user_view> user) mutable {
    if (failed(rp, user))
      return;
    const auto& ctx = *self->state.deps.ctx;
    auto shard = *shard_of_id(user->id, id_kind::user, ctx.shards);
    auto view = std::make_shared<user_inspection>();
    view->id = user->id;
    view->username = user->username;
    view->display_name = user->display_name;
    view->home = home_of(self, shard);
    // Each list keeps what the reachable nodes answered (user_lists.hpp).
    connections_of(self, view->id, [self, rp, view](std::vector<connection_info> conns) mutable {
      view->connections = std::move(conns);
      std::function<void(std::vector<std::string>)> got_convs
        = [self, rp, view](std::vector<std::string> convs) mutable {
            view->conversations = std::move(convs);
            std::function<void(std::vector<invitation_view>)> got_invites
              = [rp, view](std::vector<invitation_view> invites) mutable {
                  for (auto& inv : invites)
                    view->pending_invitations.push_back(
                      {std::move(inv.id), std::move(inv.conv), std::move(inv.from)});
                  rp.deliver(std::move(*view));
                };
            gather_invitations(self, *self->state.deps.ctx, view->id, got_invites);
          };
      gather_memberships(self, *self->state.deps.ctx, view->id, got_convs);
    });
  });
  return rp;
}

promise<session_inspection> cmd_inspect_session(admin_self self, const std::string& sid) {
  auto rp = self->make_response_promise<session_inspection>();
  ask_session_owner(self, inspect_atom::value, sid,
                    [self, rp, sid](caf::expected<auth_session_info> s) mutable {
                      if (failed(rp, s))
                        return;
                      auto user = s->user;
                      connections_of(self, user, [rp, sid, s = std::move(*s)](
                                                   std::vector<connection_info> conns) mutable {
                        rp.deliver(session_inspection{std::move(s), of_session(std::move(conns), sid)});
                      });
                    });
  return rp;
}

promise<kick_result> cmd_kick(admin_self self, const std::string& sid) {
  auto rp = self->make_response_promise<kick_result>();
  ask_session_owner(self, inspect_atom::value, sid,
                    [self, rp, sid](caf::expected<auth_session_info> s) mutable {
                      if (failed(rp, s))
                        return;
                      auto user = s->user;
                      connections_of(self, user, [self, rp, sid, user](
                                                   std::vector<connection_info> conns) mutable {
                        auto n = of_session(std::move(conns), sid).size();
                        // The user's actor closes that session's sockets with
                        // 4001; the session itself stays valid (revoke ends it).
                        self->send(self->state.deps.directory, ended_atom::value, user, sid);
                        rp.deliver(kick_result{sid, n});
                      });
                    });
  return rp;
}

promise<auth_session_info> cmd_revoke(admin_self self, const std::string& sid) {
  auto rp = self->make_response_promise<auth_session_info>();
  ask_session_owner(self, revoke_atom::value, sid,
                    [rp](caf::expected<auth_session_info> s) mutable {
                      if (!failed(rp, s))
                        rp.deliver(std::move(*s));
                    });
  return rp;
}

promise<conversations_report> cmd_conversations(admin_self self, bool hot) {
  auto rp = self->make_response_promise<conversations_report>();
  auto asked = every_node(self);
  each_node<node_conversations>(
    self, asked, convs_atom::value,
    [self, rp, asked, hot](rpc::answers<node_conversations> parts) mutable {
      // Policy: the nodes that did not answer are named in `down`; the
      // others' conversations are listed.
      conversations_report out;
      for (std::size_t k = 0; k < parts.size(); ++k) {
        if (!parts[k]) {
          out.down.push_back(layout(self).nodes[asked[k]].id);
          continue;
        }
        auto& convs = parts[k]->conversations;
        std::move(convs.begin(), convs.end(), std::back_inserter(out.conversations));
      }
      if (hot) {
        std::stable_sort(out.conversations.begin(), out.conversations.end(),
                         [](const auto& a, const auto& b) { return a.messages_per_s > b.messages_per_s; });
        if (out.conversations.size() > hot_limit)
          out.conversations.resize(hot_limit);
      }
      rp.deliver(std::move(out));
    });
  return rp;
}

caf::result<history_report> cmd_history(admin_self self, const std::string& conv,
                                        std::uint32_t n) {
  auto shard = shard_of_id(conv, id_kind::conversation, self->state.deps.ctx->shards);
  if (!shard)
    return make_chat_error(errc::not_found, "no such conversation");
  auto owner = self->state.deps.ctx->peers->owner(*shard);
  if (!owner || !owner->admin)
    return make_chat_error(errc::unavailable, "the conversation's node is unreachable");
  auto rp = self->make_response_promise<history_report>();
  self->request(owner->admin, admin_timeout, admin_local_atom::value, history_atom::value, conv, n)
    .then([rp](history_report& h) mutable { rp.deliver(std::move(h)); },
          [rp](caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

promise<moderation_result> cmd_delete_message(admin_self self, const std::string& conv,
                                              std::uint64_t seq) {
  auto rp = self->make_response_promise<moderation_result>();
  if (!shard_of_id(conv, id_kind::conversation, self->state.deps.ctx->shards)) {
    rp.deliver(make_chat_error(errc::not_found, "no such conversation"));
    return rp;
  }
  self->request(self->state.deps.directory, admin_timeout, conv_atom::value, conv)
    .then(
      [self, rp, conv, seq](conversation_api& target) mutable {
        self->request(target, admin_timeout, change_atom::value, admin_atom::value, seq)
          .then(
            [rp, conv, seq](send_receipt& r) mutable {
              rp.deliver(moderation_result{"deleted", conv, {}, seq, r.seq, 0});
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
      },
      [rp](caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

promise<moderation_result> cmd_block_user(admin_self self, const std::string& who, bool on) {
  auto rp = self->make_response_promise<moderation_result>();
  resolve_user(self, who, [self, rp, on](caf::expected<user_view> user) mutable {
    if (failed(rp, user))
      return;
    auto authority = home_authority(self, user->id, rp);
    if (!authority)
      return;
    auto u = std::move(*user);
    self->request(authority, admin_timeout, admin_atom::value, block_atom::value, u.id, on)
      .then(
        [rp, u, on](std::uint64_t ended) mutable {
          rp.deliver(moderation_result{on ? "blocked" : "unblocked", u.id, u.username, 0, 0,
                                       ended});
        },
        [rp](caf::error& err) mutable { rp.deliver(err); });
  });
  return rp;
}

admin_impl::behavior_type admin(admin_self self, admin_deps deps) {
  self->state.deps = std::move(deps);
  self->state.started_ms = now_ms();
  self->state.sample();
  self->send(self, tick_atom::value);
  return {
    [self](resume_atom, std::uint64_t op) { self->state.pending.resume(op); },
    [self](tick_atom) {
      self->state.sample();
      self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
    },
    [self](caf::put_atom, caf::actor peer_manager) {
      self->state.peer_manager = std::move(peer_manager);
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },

    // chatctl's commands.
    [self](nodes_atom) -> caf::result<nodes_report> {
      return cmd_nodes(self);
    },
    [self](actors_atom, const std::string& node) -> caf::result<actors_report> {
      // `actors NODE` asks that node only: the others would probe every
      // actor they have for nothing.
      std::vector<std::size_t> asked;
      if (node.empty()) {
        asked = every_node(self);
      } else {
        auto i = layout(self).index_of(node);
        if (i == layout(self).nodes.size())
          return make_chat_error(errc::not_found, "no node " + node + " in cluster.conf");
        asked.push_back(i);
      }
      return node_report<actors_report, node_actor_kinds>(self, asked, actors_atom::value);
    },
    [self](stats_atom) -> caf::result<stats_report> {
      return node_report<stats_report, node_stats>(self, every_node(self), stats_atom::value);
    },
    [self](convs_atom, bool hot) -> caf::result<conversations_report> {
      return cmd_conversations(self, hot);
    },
    [self](sessions_atom, const std::string& who) -> caf::result<user_sessions> {
      return cmd_sessions(self, who);
    },
    [self](inspect_atom, conv_atom, const std::string& id) -> caf::result<conversation_inspection> {
      return cmd_inspect_conversation(self, id);
    },
    [self](inspect_atom, user_atom, const std::string& who) -> caf::result<user_inspection> {
      return cmd_inspect_user(self, who);
    },
    [self](inspect_atom, session_atom, const std::string& id) -> caf::result<session_inspection> {
      return cmd_inspect_session(self, id);
    },
    [self](kick_atom, const std::string& sid) -> caf::result<kick_result> {
      return cmd_kick(self, sid);
    },
    [self](revoke_atom, const std::string& sid) -> caf::result<auth_session_info> {
      return cmd_revoke(self, sid);
    },
    [self](history_atom, const std::string& conv, std::uint32_t n) -> caf::result<history_report> {
      return cmd_history(self, conv, n);
    },
    [self](change_atom, const std::string& conv, std::uint64_t seq)
      -> caf::result<moderation_result> { return cmd_delete_message(self, conv, seq); },
    [self](block_atom, const std::string& who, bool on) -> caf::result<moderation_result> {
      return cmd_block_user(self, who, on);
    },
    [self](shards_atom) -> caf::result<shards_report> { return cmd_shards(self); },
    [self](transfer_atom, std::uint32_t g, const std::string& node) -> caf::result<transfer_result> {
      return cmd_transfer(self, g, node);
    },
    [self](transfer_atom) { check_transfers(self); },

    // This node's parts.
    [self](admin_local_atom, nodes_atom) -> node_status { return local_nodes(self); },
    [self](admin_local_atom, actors_atom) -> caf::result<node_actor_kinds> {
      return local_actors(self);
    },
    [self](admin_local_atom, stats_atom) -> node_stats { return local_stats(self); },
    [self](admin_local_atom, convs_atom) -> caf::result<node_conversations> {
      return local_conversations(self);
    },
    [self](admin_local_atom, history_atom, const std::string& conv,
           std::uint32_t n) -> caf::result<history_report> {
      return local_history(self, conv, n);
    },
  };
}

} // namespace

admin_api spawn_admin(caf::actor_system& sys, admin_deps deps) {
  return sys.spawn(admin, std::move(deps));
}

} // namespace chat
