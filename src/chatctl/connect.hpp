#pragma once
// How a tool outside the cluster (chatctl) reaches a node: dial its cluster
// port through a gate (TLS when the gate has a client context, then the
// cluster key's proof), hand the connection to CAF, and ask the node's peer
// manager for the node's actors. The gate must outlive the connection: with
// TLS its thread pumps the bytes. Blocks the calling thread; for
// command-line tools, never for actors.
#include <chrono>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "cluster/node_actors.hpp"

namespace chat::cluster {

class gate;

/// The node's actors, or an error whose text says what failed (unreachable,
/// wrong secret, TLS refused, timeout). The gate's name identifies the
/// caller in the node's log (e.g. "chatctl").
caf::expected<node_actors> connect_to_node(caf::actor_system& sys, gate& dialer,
                                           const std::string& host, std::uint16_t port,
                                           std::chrono::milliseconds timeout);

} // namespace chat::cluster
