#pragma once
// Which pending handshakes the cluster port keeps (finding 3: a flood of
// empty connections must not lock real peers out). Limits apply per source
// address and in total; when one is reached the OLDEST pending handshake
// (of that source, else of all) is dropped to make room, never the new one.
// A real peer finishes its handshake in milliseconds, so it gets through as
// long as fewer than `total` connections arrive while it proves itself,
// whatever its address shares with the flood. Pure bookkeeping: the gate
// closes what this names.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace chat::cluster {

class admission {
public:
  admission(std::size_t total, std::size_t per_source);

  /// Registers a new pending handshake from `source`; returns its id and
  /// appends to *evicted the ids of older ones to drop now.
  std::uint64_t enter(const std::string& source, std::vector<std::uint64_t>* evicted);
  /// The handshake ended (admitted, rejected or evicted); unknown ids are ignored.
  void leave(std::uint64_t id);

  std::size_t pending() const { return order_.size(); }
  std::size_t pending_from(const std::string& source) const;

private:
  void drop(std::uint64_t id, std::vector<std::uint64_t>* evicted);

  std::size_t total_;
  std::size_t per_source_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::string> order_; ///< id → source, oldest first
  std::unordered_map<std::string, std::set<std::uint64_t>> by_source_;
};

} // namespace chat::cluster
