#pragma once
// How many live WebSocket connections each auth session has on this node,
// so one session cannot multiply its per-connection budgets by opening
// sockets without end. Thread-safe: tickets are redeemed and sockets opened
// and closed on the Asio threads.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace chat {

class socket_quota : public std::enable_shared_from_this<socket_quota> {
public:
  explicit socket_quota(std::size_t per_session) : per_session_(per_session) {}

  /// The session's count reached the bound (checked before an upgrade).
  bool full(const std::string& session_id) const {
    std::lock_guard lock{mutex_};
    auto it = live_.find(session_id);
    return it != live_.end() && it->second >= per_session_;
  }

  /// One socket's place in the count, given back when destroyed.
  class slot {
  public:
    slot(std::shared_ptr<socket_quota> quota, std::string session_id)
      : quota_(std::move(quota)), session_id_(std::move(session_id)) {}
    ~slot() { quota_->release(session_id_); }
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;

  private:
    std::shared_ptr<socket_quota> quota_;
    std::string session_id_;
  };

  /// One more socket, if the bound allows; null when the session is at it.
  std::unique_ptr<slot> acquire(const std::string& session_id) {
    {
      std::lock_guard lock{mutex_};
      auto& n = live_[session_id];
      if (n >= per_session_)
        return nullptr;
      ++n;
    }
    return std::make_unique<slot>(shared_from_this(), session_id);
  }

private:
  void release(const std::string& session_id) {
    std::lock_guard lock{mutex_};
    if (auto it = live_.find(session_id); it != live_.end() && --it->second == 0)
      live_.erase(it);
  }

  const std::size_t per_session_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> live_;
};

} // namespace chat
