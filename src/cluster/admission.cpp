#include "cluster/admission.hpp"

#include <algorithm>

namespace chat::cluster {

admission::admission(std::size_t total, std::size_t per_source)
  : total_(std::max<std::size_t>(total, 1)), per_source_(std::max<std::size_t>(per_source, 1)) {}

std::uint64_t admission::enter(const std::string& source, std::vector<std::uint64_t>* evicted) {
  if (auto it = by_source_.find(source); it != by_source_.end() && it->second.size() >= per_source_)
    drop(*it->second.begin(), evicted);
  if (order_.size() >= total_)
    drop(order_.begin()->first, evicted);
  auto id = next_id_++;
  order_.emplace(id, source);
  by_source_[source].insert(id);
  return id;
}

void admission::leave(std::uint64_t id) { drop(id, nullptr); }

void admission::drop(std::uint64_t id, std::vector<std::uint64_t>* evicted) {
  auto it = order_.find(id);
  if (it == order_.end())
    return;
  auto src = by_source_.find(it->second);
  src->second.erase(id);
  if (src->second.empty())
    by_source_.erase(src);
  order_.erase(it);
  if (evicted)
    evicted->push_back(id);
}

std::size_t admission::pending_from(const std::string& source) const {
  auto it = by_source_.find(source);
  return it == by_source_.end() ? 0 : it->second.size();
}

} // namespace chat::cluster
