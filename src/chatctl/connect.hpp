#pragma once
// How a tool outside the cluster (chatctl) reaches a node: dial its cluster
// port, prove the cluster key, hand the socket to CAF, and ask the node's
// peer manager for the node's actors. Blocks the calling thread; for
// command-line tools, never for actors.
#include <chrono>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "cluster/node_actors.hpp"

namespace chat::cluster {

/// The node's actors, or an error whose text says what failed (unreachable,
/// wrong secret, timeout). `key` is handshake::cluster_key(secret); `name`
/// identifies the caller in the node's log (e.g. "chatctl").
caf::expected<node_actors> connect_to_node(caf::actor_system& sys, const std::string& host,
                                           std::uint16_t port, const std::string& key,
                                           const std::string& name,
                                           std::chrono::milliseconds timeout);

} // namespace chat::cluster
