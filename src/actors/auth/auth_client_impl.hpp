#pragma once
// What an auth_client holds: the actor system, the key that verifies access
// tokens locally, and the way to the authority that owns a shard.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/auth/auth_api.hpp"
#include "actors/auth/auth_client.hpp"
#include "actors/rpc/ask.hpp"
#include "cluster/peer_table.hpp"

namespace chat {

class auth_client::impl {
public:
  impl(caf::actor_system& sys, std::shared_ptr<cluster::peer_table> peers, std::string jwt_key,
       std::uint32_t shards)
    : sys(sys), peers(std::move(peers)), jwt_key(std::move(jwt_key)), shards(shards) {}

  /// Asks the authority serving `shard`, on whichever node. With
  /// replication a group without a leader is waited for (up to 3 s); else an
  /// unreachable owner answers `unavailable` at once.
  template <class T, class... Ts>
  void ask_owner(std::uint32_t shard, std::function<void(outcome<T>)> done, Ts... xs) const {
    ask_owner_within<T>(ask_timeout, shard, std::move(done), std::move(xs)...);
  }

  /// ask_owner with its own timeout: a check that precedes the real work of
  /// a request (is this session live?) gets less than the whole budget.
  template <class T, class... Ts>
  void ask_owner_within(caf::timespan timeout, std::uint32_t shard,
                        std::function<void(outcome<T>)> done, Ts... xs) const {
    ask_owner_waiting<T>(timeout, leader_wait, shard, std::move(done), std::move(xs)...);
  }

  /// ask_owner_within waiting at most `wait` for a leader (when replicated).
  template <class T, class... Ts>
  void ask_owner_waiting(caf::timespan timeout, std::chrono::milliseconds wait,
                         std::uint32_t shard, std::function<void(outcome<T>)> done,
                         Ts... xs) const {
    if (!peers->layout().replicated())
      wait = std::chrono::milliseconds(0);
    ask_when_found<T>(sys, timeout, std::function<auth_api()>{[p = peers, shard] {
                        return p->authority(shard);
                      }},
                      wait, std::move(done), std::move(xs)...);
  }

  caf::actor_system& sys;
  std::shared_ptr<cluster::peer_table> peers;
  std::string jwt_key;
  std::uint32_t shards;
};

} // namespace chat
