#include "cluster/peer_table.hpp"

#include <algorithm>
#include <chrono>

namespace chat::cluster {

peer_table::peer_table(placement layout)
  : layout_(std::move(layout)), nodes_(layout_.nodes.size()), leaders_(layout_.groups()) {}

std::uint64_t peer_table::now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now().time_since_epoch())
                                      .count());
}

std::size_t peer_table::serving_node(std::uint32_t shard) const {
  auto g = layout_.group_of(shard);
  if (!layout_.replicated())
    return g;
  const auto& l = leaders_[g];
  if (l.node == layout_.self && now_ms() >= l.lease_until_ms)
    return no_node; // our lease ran out: not safe to serve until renewed
  return l.node;
}

void peer_table::renew_lease(std::uint32_t g, std::uint64_t until_ms) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (g < leaders_.size() && leaders_[g].node == layout_.self)
    leaders_[g].lease_until_ms = std::max(leaders_[g].lease_until_ms, until_ms);
}

std::optional<node_actors> peer_table::node(std::size_t index) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return index < nodes_.size() ? nodes_[index] : std::nullopt;
}

std::optional<node_actors> peer_table::owner(std::uint32_t shard) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto n = serving_node(shard);
  return n < nodes_.size() ? nodes_[n] : std::nullopt;
}

auth_api peer_table::authority(std::uint32_t shard) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto n = serving_node(shard);
  if (n >= nodes_.size() || !nodes_[n])
    return {};
  return layout_.replicated() ? leaders_[layout_.group_of(shard)].authority : nodes_[n]->authority;
}

std::size_t peer_table::server_of(std::uint32_t shard) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return serving_node(shard);
}

bool peer_table::serves(std::uint32_t shard) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return serving_node(shard) == layout_.self;
}

void peer_table::set_leader(std::uint32_t g, std::size_t node, std::uint64_t term,
                            auth_api authority) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (g >= leaders_.size() || term < leaders_[g].term)
    return;
  leaders_[g] = leader{node, term, std::move(authority)};
}

void peer_table::forget_leader(std::uint32_t g, std::size_t node, std::uint64_t term) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (g >= leaders_.size())
    return;
  auto& l = leaders_[g];
  if (l.node == node || term > l.term) {
    l.node = no_node;
    l.authority = nullptr;
    l.term = std::max(l.term, term);
  }
}

std::vector<peer_table::leader> peer_table::leaders() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return leaders_;
}

std::vector<relay_api> peer_table::relays() const {
  std::vector<relay_api> out;
  std::lock_guard<std::mutex> guard{mtx_};
  out.reserve(nodes_.size());
  if (nodes_[layout_.self])
    out.push_back(nodes_[layout_.self]->relay);
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (i != layout_.self && nodes_[i])
      out.push_back(nodes_[i]->relay);
  return out;
}

std::vector<std::string> peer_table::missing() const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> guard{mtx_};
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (!nodes_[i])
      out.push_back(layout_.nodes[i].id);
  return out;
}

bool peer_table::reachable(std::size_t index) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return index < nodes_.size() && nodes_[index].has_value();
}

void peer_table::mark_up(std::size_t index, node_actors actors) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (index < nodes_.size())
    nodes_[index] = std::move(actors);
}

void peer_table::mark_down(std::size_t index) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (index >= nodes_.size() || index == layout_.self)
    return;
  nodes_[index].reset();
  // Its leaderships went with it: a restarted process leads nothing until
  // it announces so, and the old authority handles name dead actors. The
  // term stays, so an older announcement still cannot win.
  for (auto& l : leaders_)
    if (l.node == index) {
      l.node = no_node;
      l.authority = nullptr;
    }
}

} // namespace chat::cluster
