#pragma once
#include <mutex>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/auth/auth_api.hpp"
#include "actors/conversation/conversation_client.hpp"
#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"
#include "actors/session/rate_limiter.hpp"

namespace chat {

class conversation_client::impl {
public:
  impl(caf::actor_system& sys, node_ref ctx, directory_api directory, auth_api auth)
    : sys(sys), ctx(std::move(ctx)), directory(std::move(directory)), auth(std::move(auth)) {}

  /// HTTP message posts share the WebSocket limits, per auth session.
  bool allow_post(const std::string& session_id, int* retry_after);

  caf::actor_system& sys;
  node_ref ctx;
  directory_api directory;
  auth_api auth;

private:
  std::mutex limiter_mutex_;
  std::unordered_map<std::string, rate_limiter> limiters_;
};

} // namespace chat
