// The replication commands of the admin actor: `shards` (every group's
// state, from its leader's view) and `transfer` (moving a group's
// leadership), plus the groups each node leads for `nodes`. The leaders
// come from this node's peer table (kept current by the replicators'
// announcements); the progress figures from the replicators themselves.
#include <algorithm>
#include <tuple>

#include <caf/all.hpp>

#include "actors/admin/admin_local.hpp"
#include "actors/atoms.hpp"
#include "cluster/peer_table.hpp"

namespace chat {
namespace {

/// How often a waiting transfer looks at the peer table.
constexpr auto transfer_poll = std::chrono::milliseconds(100);

using statuses = std::vector<group_status>;

cluster::peer_table& peers(admin_self self) { return *self->state.deps.ctx->peers; }

std::string group_name(std::uint32_t g) { return "group " + std::to_string(g); }

/// Which of two members' views of a group to show: the newest term, and in
/// it the leader's (only the leader knows its followers' progress).
bool better(const group_status& a, const group_status& b) {
  return std::make_tuple(a.term, a.role == "leader", a.commit_index)
         > std::make_tuple(b.term, b.role == "leader", b.commit_index);
}

group_report report_of(const cluster::placement& layout, std::uint32_t g,
                       const group_status* view) {
  group_report out;
  out.group = g;
  for (auto i : layout.replicas_of(g))
    out.replicas.push_back(layout.nodes[i].id);
  if (!view)
    return out; // none of its replicas answered
  bool leads = view->role == "leader";
  out.leader = leads ? view->node : view->leader;
  out.reported_by = view->node;
  out.serving = leads && view->serving;
  out.term = view->term;
  out.commit_index = view->commit_index;
  out.applied_index = view->applied_index;
  out.last_index = view->last_index;
  for (const auto& f : view->followers) {
    auto lag = view->last_index > f.match_index ? view->last_index - f.match_index : 0;
    out.followers.push_back({f.node, f.match_index, f.recent, lag});
  }
  return out;
}

shards_report assemble(const cluster::placement& layout, rpc::answers<statuses>& views) {
  shards_report out;
  out.replicas = static_cast<std::uint32_t>(layout.replicas);
  std::vector<const group_status*> best(layout.groups(), nullptr);
  for (std::size_t k = 0; k < views.size(); ++k) {
    if (!views[k]) {
      out.down.push_back(layout.nodes[k].id);
      continue;
    }
    for (const auto& s : *views[k])
      if (s.group < best.size() && (!best[s.group] || better(s, *best[s.group])))
        best[s.group] = &s;
  }
  for (std::uint32_t g = 0; g < layout.groups(); ++g)
    out.groups.push_back(report_of(layout, g, best[g]));
  return out;
}

/// Starts polling the peer table for `wait`'s new leader.
void await_leader(admin_self self, admin_state::transfer_wait wait) {
  auto& waits = self->state.transfers;
  bool idle = waits.empty();
  waits.push_back(std::move(wait));
  if (idle) // otherwise a poll is already scheduled
    self->delayed_send(self, transfer_poll, transfer_atom::value);
}

} // namespace

caf::result<shards_report> cmd_shards(admin_self self) {
  const auto& layout = peers(self).layout();
  if (!layout.replicated())
    return shards_report{}; // replicas = 1: nothing to list
  auto rp = self->make_response_promise<shards_report>();
  // Policy: every node's replicator is asked; a group is shown from the
  // best view among those that answered, and the silent nodes are named.
  rpc::gather<statuses>(
    layout.nodes.size(),
    [self](std::size_t i, rpc::reply_to<statuses> reply) {
      auto peer = peers(self).node(i);
      if (!peer)
        return reply(make_chat_error(errc::unavailable, "node is down"));
      rpc::request_into<statuses>(self, peer->replicator, admin_timeout, std::move(reply),
                                  shards_atom::value);
    },
    [self, rp](rpc::answers<statuses> views) mutable {
      rp.deliver(assemble(peers(self).layout(), views));
    });
  return rp;
}

caf::result<transfer_result> cmd_transfer(admin_self self, std::uint32_t g,
                                          const std::string& node) {
  const auto& layout = peers(self).layout();
  if (!layout.replicated())
    return make_chat_error(errc::bad_request, "replication is off (replicas = 1)");
  if (g >= layout.groups())
    return make_chat_error(errc::not_found, "no " + group_name(g) + " (groups 0 to " +
                                              std::to_string(layout.groups() - 1) + ")");
  auto target = layout.index_of(node);
  if (target == layout.nodes.size())
    return make_chat_error(errc::not_found, "no node " + node + " in cluster.conf");
  auto holders = layout.replicas_of(g);
  if (std::find(holders.begin(), holders.end(), target) == holders.end()) {
    std::string ids;
    for (auto i : holders)
      ids += (ids.empty() ? "" : ", ") + layout.nodes[i].id;
    return make_chat_error(errc::bad_request, node + " holds no replica of " + group_name(g) +
                                                " (replicas: " + ids + ")");
  }
  if (!peers(self).reachable(target))
    return make_chat_error(errc::unavailable, node + " is down");
  auto current = peers(self).leaders()[g];
  if (current.node >= layout.nodes.size())
    return make_chat_error(errc::unavailable, group_name(g) + " has no leader right now; try again");
  const auto& from = layout.nodes[current.node].id;
  transfer_result result{g, from, node, current.term};
  if (current.node == target)
    return result; // nothing to move
  auto leader = peers(self).node(current.node);
  auto rp = self->make_response_promise<transfer_result>();
  rpc::reply_to<done_atom> started = [self, rp, result, target, from](caf::expected<done_atom> r) mutable {
    if (r) {
      await_leader(self, {rp, result, target, std::chrono::steady_clock::now() + admin_transfer_wait});
      return;
    }
    // The leader's own refusals (it no longer leads, a transfer is running)
    // are passed on; a silent leader is said so, not left as a timeout.
    if (r.error().category() == chat_error_category)
      rp.deliver(r.error());
    else
      rp.deliver(make_chat_error(errc::unavailable, group_name(result.group) + "'s leader " +
                                                      from + " did not answer"));
  };
  rpc::request_into<done_atom>(self, leader ? leader->replicator : replicator_api{},
                               admin_timeout, std::move(started), transfer_atom::value, g, node);
  return rp;
}

void check_transfers(admin_self self) {
  auto& waits = self->state.transfers;
  auto leaders = peers(self).leaders();
  auto now = std::chrono::steady_clock::now();
  for (auto it = waits.begin(); it != waits.end();) {
    const auto& l = leaders[it->result.group];
    if (l.node == it->target) {
      it->result.term = l.term;
      it->promise.deliver(it->result);
    } else if (now >= it->until) {
      const auto& layout = peers(self).layout();
      auto leader = l.node < layout.nodes.size() ? layout.nodes[l.node].id : "none known";
      it->promise.deliver(make_chat_error(
        errc::unavailable, group_name(it->result.group) + " did not move to " + it->result.to +
                             " within " + std::to_string(admin_transfer_wait.count()) +
                             " s (leader now: " + leader + ")"));
    } else {
      ++it;
      continue;
    }
    it = waits.erase(it);
  }
  if (!waits.empty())
    self->delayed_send(self, transfer_poll, transfer_atom::value);
}

std::vector<std::uint32_t> groups_led(admin_self self) {
  const auto& layout = peers(self).layout();
  std::vector<std::uint32_t> out(layout.nodes.size(), 0);
  if (layout.replicated())
    for (const auto& l : peers(self).leaders())
      if (l.node < out.size())
        ++out[l.node];
  return out;
}

} // namespace chat
