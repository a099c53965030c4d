#pragma once
// Scatter-gather over the nodes: each node indexes what it owns (a user's
// memberships and pending invitations live with the conversations), so a
// user-wide list asks every reachable node's directory for its part.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/cluster/peer_table.hpp"
#include "schema/ids.hpp"
#include "actors/node_context.hpp"

namespace chat::cluster {

inline constexpr std::chrono::seconds gather_timeout{3};

/// Sends `xs...` to every reachable directory, each answering a
/// std::vector<T>, and hands the concatenation to `done` inside `self`.
/// Unreachable or failing nodes contribute nothing; `complete` says whether
/// every node answered.
template <class T, class Self, class... Ts>
void gather(Self* self, const node_context& ctx,
            std::function<void(std::vector<T>, bool complete)> done, Ts... xs) {
  std::vector<caf::actor> directories;
  const auto& layout = ctx.peers->layout();
  bool complete = true;
  for (std::size_t i = 0; i < layout.nodes.size(); ++i) {
    if (auto n = ctx.peers->node(i))
      directories.push_back(n->directory);
    else
      complete = false;
  }
  struct pending {
    std::vector<T> items;
    std::size_t left;
    bool complete;
  };
  auto acc = std::make_shared<pending>(pending{{}, directories.size(), complete});
  auto one_done = [acc, done] {
    if (--acc->left == 0)
      done(std::move(acc->items), acc->complete);
  };
  if (directories.empty())
    return done({}, false);
  for (const auto& d : directories)
    self->request(d, gather_timeout, xs...)
      .then(
        [acc, one_done](std::vector<T>& part) {
          acc->items.insert(acc->items.end(), std::make_move_iterator(part.begin()),
                            std::make_move_iterator(part.end()));
          one_done();
        },
        [acc, one_done](caf::error&) {
          acc->complete = false;
          one_done();
        });
}

/// The conversations `user` belongs to, cluster-wide. A conversation's
/// owner indexes its members; the user's home node keeps a copy of the
/// user's entries, which stands in for an owner that is unreachable (so a
/// client still learns the conversation exists, with no last seq).
template <class Self>
void gather_memberships(Self* self, const node_context& ctx, const std::string& user,
                        std::function<void(std::vector<std::string>)> done) {
  const auto& layout = ctx.peers->layout();
  auto answers = std::make_shared<std::vector<std::optional<std::vector<std::string>>>>(
    layout.nodes.size());
  std::vector<std::pair<std::size_t, caf::actor>> asked;
  for (std::size_t i = 0; i < layout.nodes.size(); ++i)
    if (auto n = ctx.peers->node(i))
      asked.emplace_back(i, n->directory);
  auto left = std::make_shared<std::size_t>(asked.size());
  auto shards = ctx.shards;
  auto finish = [answers, done, layout_copy = layout, shards] {
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;
    for (const auto& answer : *answers) {
      if (!answer)
        continue;
      for (const auto& conv : *answer) {
        if (seen.count(conv))
          continue;
        auto shard = shard_of_id(conv, id_kind::conversation, shards);
        if (!shard)
          continue;
        const auto& owner_answer = (*answers)[layout_copy.owner(*shard)];
        bool owner_says_member = !owner_answer
                                 || std::find(owner_answer->begin(), owner_answer->end(), conv)
                                      != owner_answer->end();
        if (owner_says_member) {
          seen.insert(conv);
          out.push_back(conv);
        }
      }
    }
    done(std::move(out));
  };
  if (asked.empty())
    return finish();
  for (const auto& [idx, directory] : asked) {
    auto i = idx;
    self->request(directory, gather_timeout, mships_atom::value, user)
      .then(
        [answers, left, finish, i](std::vector<std::string>& part) {
          (*answers)[i] = std::move(part);
          if (--*left == 0)
            finish();
        },
        [left, finish](caf::error&) {
          if (--*left == 0)
            finish();
        });
  }
}

} // namespace chat::cluster
