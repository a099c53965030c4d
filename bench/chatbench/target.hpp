#pragma once
// The nodes chatbench talks to: `http://host:port` URLs (or the nodes of a
// cluster.conf), loopback only. A benchmark floods its target, so it refuses
// anything that could be another machine.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatbench {

struct node_url {
  std::string host;        ///< as written ("127.0.0.1", "localhost", "::1")
  std::uint16_t port = 0;
  std::string text() const;          ///< http://host:port
  std::string host_header() const;   ///< host:port, IPv6 in brackets
};

/// Parses `http://host[:port][/]`; the error (a sentence) otherwise.
/// Refuses https, paths, user info and any host that is not loopback:
/// 127.0.0.0/8, ::1, `localhost` (checked again after resolution).
struct parse_result {
  std::optional<node_url> url;
  std::string error;
};
parse_result parse_node_url(std::string_view text);

/// Whether an address literal is loopback (127.0.0.0/8 or ::1, also ::ffff:127.x).
bool is_loopback_literal(std::string_view host);

/// The nodes of a cluster.conf: every section but [cluster] with an
/// `http_port` (and `host`, default 127.0.0.1), in file order.
struct cluster_nodes {
  std::vector<node_url> nodes;
  std::string error;
};
cluster_nodes read_cluster_conf(const std::string& path);
cluster_nodes parse_cluster_conf(std::string_view text);

} // namespace chatbench
