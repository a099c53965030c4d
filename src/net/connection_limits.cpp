#include "net/connection_limits.hpp"

namespace chat::net {

connection_slot::connection_slot(connection_limits* owner, std::string key) noexcept
  : owner_(owner), key_(std::move(key)) {}

connection_slot::connection_slot(connection_slot&& other) noexcept
  : owner_(other.owner_), key_(std::move(other.key_)) {
  other.owner_ = nullptr;
}

connection_slot& connection_slot::operator=(connection_slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    key_ = std::move(other.key_);
    other.owner_ = nullptr;
  }
  return *this;
}

connection_slot::~connection_slot() { release(); }

void connection_slot::release() noexcept {
  if (owner_)
    owner_->release(key_);
  owner_ = nullptr;
}

connection_limits::connection_limits(std::size_t per_node, std::size_t per_address,
                                     bool exempt_loopback)
  : per_node_(per_node), per_address_(per_address), exempt_loopback_(exempt_loopback) {}

connection_slot connection_limits::admit(const boost::asio::ip::address& peer,
                                         const char** which) {
  if (per_node_ != 0 && open_.fetch_add(1, std::memory_order_relaxed) >= per_node_) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    *which = "node";
    return {};
  }
  if (per_node_ == 0)
    open_.fetch_add(1, std::memory_order_relaxed);
  std::string key;
  if (per_address_ != 0 && !(exempt_loopback_ && peer.is_loopback())) {
    // IPv4 and IPv4-mapped IPv6 count as the same address.
    auto v6 = peer.is_v4() ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped,
                                                              peer.to_v4())
                           : peer.to_v6();
    auto bytes = v6.to_bytes();
    key.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::lock_guard lock{mutex_};
    auto& n = by_address_[key];
    if (n >= per_address_) {
      if (n == 0)
        by_address_.erase(key);
      open_.fetch_sub(1, std::memory_order_relaxed);
      *which = "address";
      return {};
    }
    ++n;
  }
  return connection_slot{this, std::move(key)};
}

void connection_limits::release(const std::string& key) noexcept {
  open_.fetch_sub(1, std::memory_order_relaxed);
  if (key.empty())
    return;
  std::lock_guard lock{mutex_};
  auto it = by_address_.find(key);
  if (it != by_address_.end() && --it->second == 0)
    by_address_.erase(it);
}

} // namespace chat::net
