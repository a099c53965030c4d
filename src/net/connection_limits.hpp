#pragma once
// Caps on open HTTP/WebSocket connections, per node and per source address
// (an idle WebSocket costs a descriptor and a little memory; without caps a
// single client could take every descriptor the node has). A connection
// holds its slot from accept until it closes, across the WebSocket upgrade.
#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace chat::net {

class connection_limits;

/// One admitted connection; gives its place back when destroyed.
class connection_slot {
public:
  connection_slot() = default;
  connection_slot(connection_slot&& other) noexcept;
  connection_slot& operator=(connection_slot&& other) noexcept;
  ~connection_slot();

  explicit operator bool() const noexcept { return owner_ != nullptr; }

private:
  friend class connection_limits;
  connection_slot(connection_limits* owner, std::string key) noexcept;
  void release() noexcept;

  connection_limits* owner_ = nullptr;
  std::string key_; ///< the address counted against, empty when exempt
};

class connection_limits {
public:
  /// `per_node`/`per_address`: 0 means no cap. Loopback peers (a local
  /// proxy, benchmarks, tests) count against the node cap only when
  /// `exempt_loopback`.
  connection_limits(std::size_t per_node, std::size_t per_address, bool exempt_loopback);

  /// A slot for a connection from `peer`, or an empty slot when a cap is
  /// reached (*which says which: "node" or "address").
  connection_slot admit(const boost::asio::ip::address& peer, const char** which);

  std::size_t open() const noexcept { return open_.load(std::memory_order_relaxed); }

private:
  friend class connection_slot;
  void release(const std::string& key) noexcept;

  const std::size_t per_node_;
  const std::size_t per_address_;
  const bool exempt_loopback_;
  std::atomic<std::size_t> open_{0};
  std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> by_address_;
};

} // namespace chat::net
