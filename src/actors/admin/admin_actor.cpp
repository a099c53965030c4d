#include "actors/admin/admin_actor.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>

#include "actors/admin/admin_local.hpp"
#include "actors/atoms.hpp"
#include "actors/cluster/gather.hpp"
#include "actors/cluster/peer_table.hpp"
#include "actors/cluster/routing.hpp"
#include "actors/errors.hpp"
#include "schema/clock.hpp"
#include "schema/ids.hpp"
#include "schema/wire.hpp"

namespace chat {
namespace {

namespace json = boost::json;
using args_t = std::vector<std::string>;
constexpr auto admin_timeout = std::chrono::seconds(4);

using admin_actor = caf::stateful_actor<admin_local_state>;
using text_promise = caf::typed_response_promise<std::string>;

const cluster::placement& layout(admin_actor* self) {
  return self->state.deps.ctx->peers->layout();
}

json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

json::array parse_array(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return !ec && v.is_array() ? v.as_array() : json::array{};
}

json::object down_node(const cluster::member& m) {
  return {{"id", m.id}, {"address", m.host + ":" + std::to_string(m.http_port)},
          {"cluster_address", m.host + ":" + std::to_string(m.cluster_port)}, {"status", "down"}};
}

/// Asks every node's admin (or only node `only`, when given) for its part of
/// `command`; `done` gets one entry per node asked, in cluster.conf order
/// (down nodes as {"status":"down"}).
void each_node(admin_actor* self, const std::string& command, const args_t& args,
               std::function<void(std::vector<json::object>)> done,
               const std::string& only = {}) {
  const auto& nodes = layout(self).nodes;
  std::vector<std::size_t> asked;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (only.empty() || nodes[i].id == only)
      asked.push_back(i);
  if (asked.empty())
    return done({});
  auto parts = std::make_shared<std::vector<json::object>>(asked.size());
  auto left = std::make_shared<std::size_t>(asked.size());
  auto finish = [parts, left, done] {
    if (--*left == 0)
      done(std::move(*parts));
  };
  for (std::size_t slot = 0; slot < asked.size(); ++slot) {
    const auto i = asked[slot];
    (*parts)[slot] = down_node(nodes[i]);
    auto peer = self->state.deps.ctx->peers->node(i);
    if (!peer || !peer->admin) {
      finish();
      continue;
    }
    self->request(peer->admin, admin_timeout, admin_local_atom::value, command, args)
      .then([parts, slot, finish](std::string& text) {
              (*parts)[slot] = parse_object(text);
              finish();
            },
            [finish](caf::error&) { finish(); });
  }
}

/// A user given by id or username, resolved at the user's home authority.
void resolve_user(admin_actor* self, const std::string& who, std::function<void(caf::expected<user_view>)> done) {
  const auto& ctx = *self->state.deps.ctx;
  bool by_id = shard_of_id(who, id_kind::user, ctx.shards).has_value();
  auto authority = by_id ? cluster::authority_for_user(ctx, who)
                         : cluster::authority_for(ctx, shard_of_key(who, ctx.shards));
  if (!authority)
    return done(make_chat_error(errc::unavailable, "the user's home node is unreachable"));
  auto req = by_id ? self->request(authority, admin_timeout, get_user_atom::value, who)
                   : self->request(authority, admin_timeout, find_user_atom::value, who);
  req.then([done](user_view& u) { done(std::move(u)); },
           [done](caf::error& err) { done(std::move(err)); });
}

/// The user's live connections on every node (JSON objects).
void connections_of(admin_actor* self, const std::string& user_id,
                    std::function<void(json::array)> done) {
  self->request(self->state.deps.directory, admin_timeout, conns_atom::value, user_id)
    .then(
      [done](std::vector<std::string>& conns) {
        json::array out;
        for (const auto& c : conns)
          out.push_back(parse_object(c));
        done(std::move(out));
      },
      [done](caf::error&) { done({}); });
}

/// Asks the authority owning a session's shard (session ids name it).
void ask_session_owner(admin_actor* self, const std::string& what, const std::string& sid,
                       std::function<void(caf::expected<std::string>)> done) {
  const auto& ctx = *self->state.deps.ctx;
  auto shard = shard_of_id(sid, id_kind::session, ctx.shards);
  if (!shard)
    return done(make_chat_error(errc::not_found, "no such session"));
  auto authority = cluster::authority_for(ctx, *shard);
  if (!authority)
    return done(make_chat_error(errc::unavailable, "the session's home node is unreachable"));
  self->request(authority, admin_timeout, admin_atom::value, what, sid)
    .then([done](std::string& text) { done(std::move(text)); },
          [done](caf::error& err) { done(std::move(err)); });
}

void cmd_sessions(admin_actor* self, const args_t& args, text_promise rp) {
  resolve_user(self, args.at(0), [self, rp](caf::expected<user_view> user) mutable {
    if (!user)
      { rp.deliver(user.error()); return; }
    auto authority = cluster::authority_for_user(*self->state.deps.ctx, user->id);
    if (!authority)
      { rp.deliver(make_chat_error(errc::unavailable, "the user's home node is unreachable")); return; }
    auto u = *user;
    self->request(authority, admin_timeout, admin_atom::value, std::string{"sessions"}, u.id)
      .then(
        [self, rp, u](std::string& text) mutable {
          auto sessions = parse_array(text);
          connections_of(self, u.id, [rp, u, sessions](json::array conns) mutable {
            for (auto& s : sessions) {
              json::array mine;
              for (const auto& c : conns)
                if (c.as_object().if_contains("session")
                    && c.at("session") == s.at("id"))
                  mine.push_back(c);
              s.as_object()["connections"] = std::move(mine);
            }
            rp.deliver(json::serialize(json::object{
              {"user", {{"id", u.id}, {"username", u.username}}},
              {"sessions", std::move(sessions)}}));
          });
        },
        [rp](caf::error& err) mutable { rp.deliver(err); });
  });
}

void cmd_inspect_conversation(admin_actor* self, const std::string& conv, text_promise rp) {
  self->request(self->state.deps.directory, admin_timeout, conv_atom::value, conv)
    .then(
      [self, rp, conv](caf::actor target) mutable {
        self->request(target, admin_timeout, inspect_atom::value)
          .then(
            [self, rp, conv](std::string& text) mutable {
              auto view = std::make_shared<json::object>(parse_object(text));
              const auto& nodes = layout(self).nodes;
              auto subscribers = std::make_shared<json::object>();
              auto left = std::make_shared<std::size_t>(nodes.size());
              auto finish = [rp, view, subscribers, left]() mutable {
                if (--*left > 0)
                  return;
                (*view)["subscribers"] = std::move(*subscribers);
                rp.deliver(json::serialize(*view));
              };
              for (std::size_t i = 0; i < nodes.size(); ++i) {
                auto peer = self->state.deps.ctx->peers->node(i);
                if (!peer) {
                  finish();
                  continue;
                }
                auto id = nodes[i].id;
                self->request(peer->relay, admin_timeout, count_atom::value, conv)
                  .then([subscribers, id, finish](std::uint64_t n) mutable {
                          (*subscribers)[id] = n;
                          finish();
                        },
                        [finish](caf::error&) mutable { finish(); });
              }
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
      },
      [rp](caf::error& err) mutable { rp.deliver(err); });
}

void cmd_inspect_user(admin_actor* self, const std::string& who, text_promise rp) {
  resolve_user(self, who, [self, rp](caf::expected<user_view> user) mutable {
    if (!user)
      { rp.deliver(user.error()); return; }
    auto u = *user;
    auto& ctx = *self->state.deps.ctx;
    auto shard = *shard_of_id(u.id, id_kind::user, ctx.shards);
    auto view = std::make_shared<json::object>(json::object{
      {"kind", "user"}, {"id", u.id}, {"username", u.username},
      {"display_name", u.display_name},
      {"home", layout(self).nodes[layout(self).owner(shard)].id}});
    connections_of(self, u.id, [self, rp, u, view](json::array conns) mutable {
      (*view)["online"] = !conns.empty();
      (*view)["connections"] = std::move(conns);
      std::function<void(std::vector<std::string>)> got_convs
        = [self, rp, u, view](std::vector<std::string> convs) mutable {
            json::array list;
            for (auto& c : convs)
              list.emplace_back(c);
            (*view)["conversations"] = std::move(list);
            std::function<void(std::vector<invitation_view>)> got_invites
              = [rp, view](std::vector<invitation_view> invites) mutable {
                  json::array list;
                  for (const auto& inv : invites)
                    list.push_back(json::object{{"id", inv.id}, {"conv", inv.conv}, {"from", inv.from}});
                  (*view)["pending_invitations"] = std::move(list);
                  rp.deliver(json::serialize(*view));
                };
            cluster::gather_invitations(self, *self->state.deps.ctx, u.id, got_invites);
          };
      cluster::gather_memberships(self, *self->state.deps.ctx, u.id, got_convs);
    });
  });
}

void cmd_inspect_session(admin_actor* self, const std::string& sid, text_promise rp) {
  ask_session_owner(self, "session", sid, [self, rp, sid](caf::expected<std::string> text) mutable {
    if (!text)
      { rp.deliver(text.error()); return; }
    auto view = parse_object(*text);
    view["kind"] = "session";
    auto user = json::value_to<std::string>(view.at("user"));
    connections_of(self, user, [rp, view, sid](json::array conns) mutable {
      json::array mine;
      for (const auto& c : conns)
        if (c.as_object().if_contains("session") && c.at("session") == json::value(sid))
          mine.push_back(c);
      view["connections"] = std::move(mine);
      rp.deliver(json::serialize(view));
    });
  });
}

void cmd_kick(admin_actor* self, const std::string& sid, text_promise rp) {
  ask_session_owner(self, "session", sid, [self, rp, sid](caf::expected<std::string> text) mutable {
    if (!text)
      { rp.deliver(text.error()); return; }
    auto user = json::value_to<std::string>(parse_object(*text).at("user"));
    connections_of(self, user, [self, rp, sid, user](json::array conns) mutable {
      std::int64_t n = 0;
      for (const auto& c : conns)
        if (c.as_object().if_contains("session") && c.at("session") == json::value(sid))
          ++n;
      // The user's actor closes that session's sockets with 4001; the
      // session itself stays valid (revoke ends it).
      self->send(self->state.deps.directory, notify_atom::value, user,
                 caf::make_message(ended_atom::value, sid));
      rp.deliver(json::serialize(json::object{{"kicked", sid}, {"connections", n}}));
    });
  });
}

caf::behavior admin(admin_actor* self, admin_deps deps) {
  self->state.deps = std::move(deps);
  self->state.started_ms = now_ms();
  self->state.sample();
  self->send(self, tick_atom::value);
  return {
    [self](tick_atom) {
      self->state.sample();
      self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
    },
    // The runtime hands over the peer manager once the cluster port is open.
    [self](caf::put_atom, caf::actor peer_manager) { self->state.peer_manager = std::move(peer_manager); },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
    [self](admin_local_atom, const std::string& command, const args_t& args)
      -> caf::result<std::string> { return answer_local(self, command, args); },
    [self](admin_atom, const std::string& command, const args_t& args) -> text_promise {
      auto rp = self->make_response_promise<std::string>();
      auto need = [&](std::size_t n) {
        if (args.size() >= n)
          return true;
        rp.deliver(make_chat_error(errc::bad_request, command + " needs " + std::to_string(n)
                                                        + " argument(s)"));
        return false;
      };
      if (command == "nodes" || command == "actors" || command == "stats") {
        if (command == "actors" && !args.empty()
            && layout(self).index_of(args[0]) == layout(self).nodes.size()) {
          rp.deliver(make_chat_error(errc::not_found, "no node " + args[0] + " in cluster.conf"));
          return rp;
        }
        // `actors NODE` asks that node only: the others would probe every
        // actor they have for nothing.
        auto only = command == "actors" && !args.empty() ? args[0] : std::string{};
        each_node(
          self, command, args,
          [rp](std::vector<json::object> parts) mutable {
            json::array nodes;
            for (auto& p : parts)
              nodes.push_back(std::move(p));
            rp.deliver(json::serialize(json::object{{"nodes", std::move(nodes)}}));
          },
          only);
      } else if (command == "conversations") {
        bool hot = !args.empty() && args[0] == "hot";
        each_node(self, command, {}, [rp, hot](std::vector<json::object> parts) mutable {
          json::array all, down;
          for (auto& p : parts) {
            auto* convs = p.if_contains("conversations");
            if (!convs || !convs->is_array()) { // down, or an answer we cannot read
              if (auto* id = p.if_contains("id"))
                down.push_back(*id);
              continue;
            }
            for (auto& c : convs->as_array())
              all.push_back(std::move(c));
          }
          if (hot) {
            auto rate = [](const json::value& c) {
              const auto* r = c.is_object() ? c.as_object().if_contains("messages_per_s") : nullptr;
              return r && r->is_number() ? r->to_number<double>() : 0.0;
            };
            std::stable_sort(all.begin(), all.end(), [rate](const json::value& a, const json::value& b) {
              return rate(a) > rate(b);
            });
            if (all.size() > 20)
              all.resize(20);
          }
          rp.deliver(json::serialize(json::object{{"conversations", std::move(all)},
                                                  {"down", std::move(down)}}));
        });
      } else if (command == "sessions") {
        if (need(1))
          cmd_sessions(self, args, rp);
      } else if (command == "inspect") {
        if (!need(2))
          return rp;
        if (args[0] == "conv")
          cmd_inspect_conversation(self, args[1], rp);
        else if (args[0] == "user")
          cmd_inspect_user(self, args[1], rp);
        else if (args[0] == "session")
          cmd_inspect_session(self, args[1], rp);
        else
          rp.deliver(make_chat_error(errc::bad_request, "inspect conv|user|session ID"));
      } else if (command == "kick") {
        if (need(1))
          cmd_kick(self, args[0], rp);
      } else if (command == "revoke") {
        if (need(1))
          ask_session_owner(self, "revoke", args[0], [rp, sid = args[0]](caf::expected<std::string> r) mutable {
            if (!r)
              { rp.deliver(r.error()); return; }
            rp.deliver(json::serialize(json::object{{"revoked", sid}}));
          });
      } else if (command == "history") {
        if (!need(1))
          return rp;
        auto shard = shard_of_id(args[0], id_kind::conversation, self->state.deps.ctx->shards);
        if (!shard) {
          rp.deliver(make_chat_error(errc::not_found, "no such conversation"));
          return rp;
        }
        auto owner = self->state.deps.ctx->peers->owner(*shard);
        if (!owner || !owner->admin) {
          rp.deliver(make_chat_error(errc::unavailable, "the conversation's node is unreachable"));
          return rp;
        }
        self->request(owner->admin, admin_timeout, admin_local_atom::value, command, args)
          .then([rp](std::string& text) mutable { rp.deliver(std::move(text)); },
                [rp](caf::error& err) mutable { rp.deliver(err); });
      } else {
        rp.deliver(make_chat_error(errc::bad_request, "unknown command " + command));
      }
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_admin(caf::actor_system& sys, admin_deps deps) {
  return sys.spawn(admin, std::move(deps));
}

} // namespace chat
