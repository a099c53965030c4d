#pragma once
// Scatter-gather over the nodes: each node indexes what it owns (a user's
// memberships and pending invitations live with the conversations), so a
// user-wide list collects every reachable node's part from that node's
// directory, which reads it on its read pool (this node's included).
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include <caf/all.hpp>

#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/gather.hpp"
#include "cluster/peer_table.hpp"
#include "schema/ids.hpp"
#include "schema/wire.hpp"

namespace chat {

inline constexpr std::chrono::seconds gather_timeout{3};

/// This node's part: the conversations it indexes for `user`, or nothing if
/// storage failed.
std::optional<std::vector<std::string>> local_memberships(const node_context& ctx,
                                                          const std::string& user);
/// This node's part: `user`'s pending invitations to conversations it owns.
std::optional<std::vector<invitation_view>> local_invitations(const node_context& ctx,
                                                              const std::string& user);

/// Every node's answer to (atom, user), in cluster.conf order; nullopt for
/// a node that is unreachable or failed (policy: a missing part is marked,
/// and each list decides what stands in for it).
template <class T>
using node_parts = std::vector<std::optional<std::vector<T>>>;

template <class T, class Self, class Atom>
void collect_parts(Self* self, const node_context& ctx, Atom atom, const std::string& user,
                   std::function<void(node_parts<T>)> done) {
  const auto& layout = ctx.peers->layout();
  std::function<void(std::size_t, rpc::reply_to<std::vector<T>>)> ask
    = [self, &ctx, atom, user](std::size_t i, rpc::reply_to<std::vector<T>> reply) {
        auto node = ctx.peers->node(i);
        rpc::request_into<std::vector<T>>(self, node ? node->directory : directory_api{},
                                          gather_timeout, std::move(reply), atom, user);
      };
  rpc::gather<std::vector<T>>(layout.nodes.size(), ask,
                              [done](rpc::answers<std::vector<T>> all) {
                                node_parts<T> parts;
                                for (auto& a : all)
                                  parts.push_back(a ? std::optional<std::vector<T>>{std::move(*a)}
                                                    : std::nullopt);
                                done(std::move(parts));
                              });
}

/// The conversations `user` belongs to, cluster-wide. A conversation's
/// owner indexes its members; the user's home node keeps a copy of the
/// user's entries, which stands in for an owner that is unreachable (so a
/// client still learns the conversation exists, with no last seq).
template <class Self>
void gather_memberships(Self* self, const node_context& ctx, const std::string& user,
                        std::function<void(std::vector<std::string>)> done) {
  std::function<void(node_parts<std::string>)> merge
    = [done, peers = ctx.peers](node_parts<std::string> parts) {
        const auto& layout = peers->layout();
        std::vector<std::string> out;
        std::unordered_set<std::string> seen;
        for (const auto& part : parts) {
          if (!part)
            continue;
          for (const auto& conv : *part) {
            auto shard = shard_of_id(conv, id_kind::conversation, layout.shards);
            if (!shard || seen.count(conv))
              continue;
            auto server = peers->server_of(*shard);
            const std::optional<std::vector<std::string>> none;
            const auto& owner = server < parts.size() ? parts[server] : none;
            if (!owner || std::find(owner->begin(), owner->end(), conv) != owner->end()) {
              seen.insert(conv);
              out.push_back(conv);
            }
          }
        }
        done(std::move(out));
      };
  collect_parts<std::string>(self, ctx, mships_atom::value, user, merge);
}

/// `user`'s pending invitations on every reachable node, oldest first (then
/// by id: a stable order that GET /invitations pages through).
template <class Self>
void gather_invitations(Self* self, const node_context& ctx, const std::string& user,
                        std::function<void(std::vector<invitation_view>)> done) {
  std::function<void(node_parts<invitation_view>)> merge
    = [done](node_parts<invitation_view> parts) {
        std::vector<invitation_view> out;
        for (auto& part : parts)
          if (part)
            out.insert(out.end(), part->begin(), part->end());
        std::sort(out.begin(), out.end(),
                  [](const auto& a, const auto& b) {
                    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
                  });
        done(std::move(out));
      };
  collect_parts<invitation_view>(self, ctx, invites_atom::value, user, merge);
}

} // namespace chat
