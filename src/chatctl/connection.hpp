#pragma once
// chatctl's link to the cluster: dials a node's cluster port, proves the
// cluster secret (as nodes do), and asks that node's admin actor. The only
// part of chatctl that sees CAF. Every call is bounded by a timeout, so a
// down or hung node never makes chatctl hang.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "chatctl/answer.hpp"
#include "config/cluster_config.hpp"

namespace chat::ctl {

inline constexpr std::chrono::milliseconds connect_timeout{5000};
inline constexpr std::chrono::milliseconds command_timeout{10000};

/// The answer to one admin request.
struct admin_answer {
  bool ok = false;
  admin_reply reply; ///< ok: what the admin actor answered
  std::string error; ///< !ok: one line saying what failed
  std::string notice; ///< e.g. that chatctl moved to another node
};

class admin_connection {
public:
  /// `node`: the node to talk to, or empty for the first of cluster.conf
  /// that answers. `secret`: the cluster secret.
  admin_connection(cluster_config config, const std::string& secret, std::string node);
  ~admin_connection();
  admin_connection(const admin_connection&) = delete;
  admin_connection& operator=(const admin_connection&) = delete;

  /// Connects unless connected. False with *error (one line) on failure.
  bool connect(std::string* error);
  bool connected() const;
  /// The id of the node connected to (empty when not connected).
  const std::string& node_id() const;
  /// Asks the admin actor the typed request for `command` (a request of
  /// parse_line: its name and arguments); connects first if needed. A lost
  /// connection is dropped, so the next call dials again.
  admin_answer ask(const std::string& command, const std::vector<std::string>& args);

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace chat::ctl
