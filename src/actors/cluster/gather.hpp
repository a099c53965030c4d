#pragma once
// Scatter-gather over the nodes: each node indexes what it owns (a user's
// memberships and pending invitations live with the conversations), so a
// user-wide list asks every reachable node's directory for its part.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/cluster/peer_table.hpp"
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

} // namespace chat::cluster
