#pragma once
// The actors' CAF-free clients the network layer calls; main.cpp builds them
// once the actor system runs and hands them to http_server.
#include <functional> // session_gateway.hpp uses std::function
#include <string>
#include <vector>

#include "actors/auth/auth_client.hpp"
#include "actors/conversation/conversation_client.hpp"
#include "actors/session/session_gateway.hpp"

namespace chat::net {

struct services {
  chat::auth_client auth;
  chat::conversation_client conversations;
  chat::session_gateway sessions;
  /// More Prometheus text for GET /metrics (e.g. storage figures); may be empty.
  std::function<std::string()> extra_metrics = {};
  /// Ids of the cluster peers this node cannot reach (GET /readyz); may be empty.
  std::function<std::vector<std::string>()> missing_peers = {};
  /// Node-wide actors that stopped answering (GET /readyz); may be empty.
  std::function<std::vector<std::string>()> stuck_actors = {};
  /// This node's data is behind its groups' leaders (GET /readyz answers
  /// 503 catching_up); may be empty.
  std::function<bool()> catching_up = {};
  /// Some node's data is behind or a group has no leader (GET /readyz?all=1); may be empty.
  std::function<bool()> cluster_catching_up = {};
  /// Test hook (chatnode --test-hooks only): kills a node-wide actor by name.
  /// Empty: `POST /_test/kill/{actor}` is not registered at all.
  std::function<bool(const std::string&)> kill_actor_for_test = {};
};

} // namespace chat::net
