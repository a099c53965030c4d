#include "cluster/peer_table.hpp"

namespace chat::cluster {

peer_table::peer_table(placement layout)
  : layout_(std::move(layout)), nodes_(layout_.nodes.size()) {}

std::optional<node_actors> peer_table::node(std::size_t index) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return index < nodes_.size() ? nodes_[index] : std::nullopt;
}

std::optional<node_actors> peer_table::owner(std::uint32_t shard) const {
  return node(layout_.owner(shard));
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
  if (index < nodes_.size() && index != layout_.self)
    nodes_[index].reset();
}

} // namespace chat::cluster
