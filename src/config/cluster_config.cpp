#include "config/cluster_config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace chat {
namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return {};
  auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// Comments start with ';' or '#' at the line start or after white space, so
// values may still contain those characters when glued to other text.
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if ((line[i] == ';' || line[i] == '#') && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
      return line.substr(0, i);
  return line;
}

template <class Int>
bool parse_int(std::string_view text, Int min, Int max, Int& out) {
  Int v{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || v < min || v > max)
    return false;
  out = v;
  return true;
}

std::string resolve(const fs::path& base, std::string_view value) {
  fs::path p{std::string{value}};
  return p.is_absolute() ? p.string() : (base / p).lexically_normal().string();
}

// Attachment and message lifetimes: nothing when `key` is not one of
// them, else whether its value is valid (and stored).
std::optional<bool> lifetime_key(std::string_view key, std::string_view value,
                                 cluster_config& cfg) {
  if (key == "attachment_grace")
    return parse_int<std::int64_t>(value, 1, 86400 * 365, cfg.attachment_grace);
  if (key == "retention_min")
    return parse_int<std::int64_t>(value, 1, 86400 * 365, cfg.retention_min);
  if (key == "presence_max_members")
    return parse_int<std::size_t>(value, 0, 1'000'000, cfg.presence_max_members);
  return std::nullopt;
}

// WebSocket abuse bounds: nothing when `key` is not one of them, else
// whether its value is valid (and stored).
std::optional<bool> ws_abuse_key(std::string_view key, std::string_view value,
                                 cluster_config& cfg) {
  struct count_key {
    std::string_view name;
    std::size_t cluster_config::*field;
    std::size_t min, max;
  };
  static constexpr count_key counts[] = {
    {"ws_sync_burst", &cluster_config::ws_sync_burst, 1, 1'000'000},
    {"ws_sync_per_second", &cluster_config::ws_sync_per_second, 1, 1'000'000},
    {"ws_typing_burst", &cluster_config::ws_typing_burst, 1, 1'000'000},
    {"ws_typing_per_second", &cluster_config::ws_typing_per_second, 1, 1'000'000},
    {"ws_read_burst", &cluster_config::ws_read_burst, 1, 1'000'000},
    {"ws_read_per_second", &cluster_config::ws_read_per_second, 1, 1'000'000},
    {"ws_ping_burst", &cluster_config::ws_ping_burst, 1, 1'000'000},
    {"ws_ping_per_second", &cluster_config::ws_ping_per_second, 1, 1'000'000},
    {"ws_flood_refusals", &cluster_config::ws_flood_refusals, 1, 1'000'000},
    {"ws_sync_in_flight", &cluster_config::ws_sync_in_flight, 1, 1024},
    {"ws_inbound_frames", &cluster_config::ws_inbound_frames, 1, 1'000'000},
    {"ws_sockets_per_session", &cluster_config::ws_sockets_per_session, 1, 100'000},
    {"tickets_per_session", &cluster_config::tickets_per_session, 1, 100'000},
    {"max_blocks", &cluster_config::max_blocks, 1, 100'000},
  };
  for (const auto& k : counts)
    if (key == k.name)
      return parse_int<std::size_t>(value, k.min, k.max, cfg.*k.field);
  if (key == "ws_flood_window")
    return parse_int<std::int64_t>(value, 1, 3600, cfg.ws_flood_window);
  return std::nullopt;
}

struct parser {
  fs::path base;
  std::string file;
  cluster_config cfg;
  std::string error;

  bool fail(int line, const std::string& what) {
    error = file + ":" + std::to_string(line) + ": " + what;
    return false;
  }

  bool cluster_key(int line, std::string_view key, std::string_view value) {
    auto bad = [&] { return fail(line, "invalid value for " + std::string{key}); };
    if (key == "shards")
      return parse_int<std::uint32_t>(value, 1, 65535, cfg.shards) || bad();
    if (key == "secret_file") {
      cfg.secret_file = resolve(base, value);
      return true;
    }
    if (key == "password_cost") {
      if (value != "min" && value != "interactive" && value != "moderate" && value != "sensitive")
        return fail(line, "password_cost must be min, interactive, moderate or sensitive");
      cfg.password_cost = value;
      return true;
    }
    if (key == "durability") {
      if (value != "sync" && value != "async")
        return fail(line, "durability must be sync or async");
      cfg.durability = value;
      return true;
    }
    if (key == "access_token_ttl")
      return parse_int<std::int64_t>(value, 10, 86400, cfg.access_token_ttl) || bad();
    if (key == "ticket_ttl")
      return parse_int<std::int64_t>(value, 1, 3600, cfg.ticket_ttl) || bad();
    if (key == "password_threads")
      return parse_int<std::size_t>(value, 1, 64, cfg.password_threads) || bad();
    if (key == "replicas")
      return parse_int<std::size_t>(value, 1, 7, cfg.replicas) || bad();
    if (key == "read_threads")
      return parse_int<std::size_t>(value, 1, 64, cfg.read_threads) || bad();
    if (key == "read_queue")
      return parse_int<std::size_t>(value, 1, 1'000'000, cfg.read_queue) || bad();
    if (key == "password_queue")
      return parse_int<std::size_t>(value, 1, 100000, cfg.password_queue) || bad();
    if (key == "conversation_idle")
      return parse_int<std::int64_t>(value, 1, 86400 * 7, cfg.conversation_idle) || bad();
    if (key == "rate_burst")
      return parse_int<std::size_t>(value, 1, 1'000'000, cfg.rate_burst) || bad();
    if (key == "rate_per_second")
      return parse_int<std::size_t>(value, 1, 1'000'000, cfg.rate_per_second) || bad();
    if (key == "ws_queue_frames")
      return parse_int<std::size_t>(value, 1, 10'000'000, cfg.ws_queue_frames) || bad();
    if (key == "ws_queue_bytes")
      return parse_int<std::size_t>(value, 4096, std::size_t{1} << 34, cfg.ws_queue_bytes) || bad();
    if (key == "attachment_max_bytes")
      return parse_int<std::size_t>(value, 1, std::size_t{1} << 30, cfg.attachment_max_bytes)
             || bad();
    if (key == "invites_per_minute")
      return parse_int<std::size_t>(value, 1, 1'000'000, cfg.invites_per_minute) || bad();
    if (key == "max_pending_invitations")
      return parse_int<std::size_t>(value, 1, 1'000'000, cfg.max_pending_invitations) || bad();
    if (auto parsed = ws_abuse_key(key, value, cfg))
      return *parsed || bad();
    if (auto parsed = lifetime_key(key, value, cfg))
      return *parsed || bad();
    return tls_and_admission_key(line, key, value) || http_edge_key(line, key, value)
           || (error.empty() && bad_key(line, key, "cluster"));
  }

  bool bad_key(int line, std::string_view key, const std::string& section) {
    return fail(line, "unknown key '" + std::string{key} + "' in [" + section + "]");
  }

  // Cluster port: TLS and admission. False with `error` empty: not one of these keys.
  bool tls_and_admission_key(int line, std::string_view key, std::string_view value) {
    auto bad = [&] { return fail(line, "invalid value for " + std::string{key}); };
    for (auto [name, field] : {std::pair{"tls_ca", &cfg.tls_ca}, {"tls_cert", &cfg.tls_cert},
                               {"tls_key", &cfg.tls_key}, {"chatctl_cert", &cfg.chatctl_cert},
                               {"chatctl_key", &cfg.chatctl_key}})
      if (key == name) {
        *field = value.empty() ? std::string{} : resolve(base, value);
        return true;
      }
    if (key == "handshake_timeout_ms")
      return parse_int<std::int64_t>(value, 100, 60'000, cfg.handshake_timeout_ms) || bad();
    if (key == "pending_handshakes")
      return parse_int<std::size_t>(value, 1, 100'000, cfg.pending_handshakes) || bad();
    if (key == "pending_handshakes_per_source")
      return parse_int<std::size_t>(value, 1, 100'000, cfg.pending_handshakes_per_source) || bad();
    return false;
  }

  // HTTP edge: TLS files, connection caps, I/O threads. False with `error` empty: not one of these keys.
  bool http_edge_key(int line, std::string_view key, std::string_view value) {
    auto bad = [&] { return fail(line, "invalid value for " + std::string{key}); };
    if (key == "http_tls_cert") {
      cfg.http_tls_cert = resolve(base, value);
      return true;
    }
    if (key == "http_tls_key") {
      cfg.http_tls_key = resolve(base, value);
      return true;
    }
    if (key == "http_max_connections")
      return parse_int<std::size_t>(value, 0, 100'000'000, cfg.http_max_connections) || bad();
    if (key == "http_max_connections_per_address")
      return parse_int<std::size_t>(value, 0, 100'000'000, cfg.http_max_connections_per_address)
             || bad();
    if (key == "http_cap_loopback") {
      if (value != "true" && value != "false")
        return fail(line, "http_cap_loopback must be true or false");
      cfg.http_cap_loopback = value == "true";
      return true;
    }
    if (key == "http_threads")
      return parse_int<std::size_t>(value, 0, 64, cfg.http_threads) || bad();
    return false;
  }

  bool node_key(int line, node_config& node, std::string_view key, std::string_view value) {
    auto bad = [&] { return fail(line, "invalid value for " + std::string{key}); };
    if (key == "host") {
      node.host = value;
      return true;
    }
    if (key == "cluster_port")
      return parse_int<std::uint16_t>(value, 1, 65535, node.cluster_port) || bad();
    if (key == "http_port")
      return parse_int<std::uint16_t>(value, 1, 65535, node.http_port) || bad();
    if (key == "data_dir") {
      node.data_dir = resolve(base, value);
      return true;
    }
    if (key == "tls_cert" || key == "tls_key") {
      (key == "tls_cert" ? node.tls_cert : node.tls_key) = resolve(base, value);
      return true;
    }
    if (key == "http_tls_cert") {
      node.http_tls_cert = resolve(base, value);
      return true;
    }
    if (key == "http_tls_key") {
      node.http_tls_key = resolve(base, value);
      return true;
    }
    return bad_key(line, key, node.id);
  }

  bool run(std::istream& in) {
    std::string raw;
    std::string section;
    int line_no = 0;
    while (std::getline(in, raw)) {
      ++line_no;
      auto line = trim(strip_comment(raw));
      if (line.empty())
        continue;
      if (line.front() == '[') {
        if (line.back() != ']')
          return fail(line_no, "malformed section header");
        section = trim(line.substr(1, line.size() - 2));
        if (section.empty())
          return fail(line_no, "empty section name");
        if (section != "cluster") {
          if (cfg.find(section))
            return fail(line_no, "node '" + section + "' is listed twice");
          cfg.nodes.push_back(node_config{section, "127.0.0.1", 0, 0, {}, {}, {}, {}, {}});
        }
        continue;
      }
      auto eq = line.find('=');
      if (eq == std::string_view::npos)
        return fail(line_no, "expected key = value");
      auto key = trim(line.substr(0, eq));
      auto value = trim(line.substr(eq + 1));
      if (section.empty())
        return fail(line_no, "key outside of a section");
      bool ok = section == "cluster" ? cluster_key(line_no, key, value)
                                     : node_key(line_no, cfg.nodes.back(), key, value);
      if (!ok)
        return false;
    }
    return check();
  }

  bool check() {
    if (cfg.secret_file.empty())
      return fail(0, "[cluster] needs secret_file");
    if (cfg.nodes.empty())
      return fail(0, "no node sections");
    for (const auto& n : cfg.nodes) {
      if (n.cluster_port == 0 || n.http_port == 0 || n.data_dir.empty())
        return fail(0, "node '" + n.id + "' needs cluster_port, http_port and data_dir");
    }
    if (!check_tls())
      return false;
    for (auto& n : cfg.nodes) {
      if (n.http_tls_cert.empty())
        n.http_tls_cert = cfg.http_tls_cert;
      if (n.http_tls_key.empty())
        n.http_tls_key = cfg.http_tls_key;
      if (n.http_tls_cert.empty() != n.http_tls_key.empty())
        return fail(0, "node '" + n.id + "': http_tls_cert and http_tls_key go together");
    }
    if (cfg.replicas == 0)
      cfg.replicas = std::min<std::size_t>(3, cfg.nodes.size());
    if (cfg.replicas > cfg.nodes.size())
      return fail(0, "replicas = " + std::to_string(cfg.replicas) + " but only "
                       + std::to_string(cfg.nodes.size()) + " nodes are listed");
    return true;
  }

  /// TLS is all or nothing: a CA, and a certificate and key for every node.
  bool check_tls() {
    bool any = !cfg.tls_cert.empty() || !cfg.tls_key.empty() || !cfg.chatctl_cert.empty()
               || !cfg.chatctl_key.empty();
    for (auto& n : cfg.nodes) {
      any = any || !n.tls_cert.empty() || !n.tls_key.empty();
      if (n.tls_cert.empty())
        n.tls_cert = cfg.tls_cert;
      if (n.tls_key.empty())
        n.tls_key = cfg.tls_key;
    }
    if (!cfg.tls())
      return !any || fail(0, "TLS certificates are named but [cluster] has no tls_ca");
    for (const auto& n : cfg.nodes)
      if (n.tls_cert.empty() || n.tls_key.empty())
        return fail(0, "tls_ca is set but node '" + n.id
                         + "' has no tls_cert and tls_key (in its section or in [cluster])");
    if (cfg.chatctl_cert.empty() != cfg.chatctl_key.empty())
      return fail(0, "chatctl_cert and chatctl_key go together");
    return true;
  }
};

} // namespace

const node_config* cluster_config::find(std::string_view id) const {
  for (const auto& n : nodes)
    if (n.id == id)
      return &n;
  return nullptr;
}

std::optional<cluster_config> load_cluster_config(const std::string& path, std::string* error) {
  std::ifstream in{path};
  if (!in) {
    *error = "cannot read config file " + path;
    return std::nullopt;
  }
  parser p;
  p.file = path;
  p.base = fs::absolute(fs::path{path}).parent_path();
  if (!p.run(in)) {
    *error = p.error;
    return std::nullopt;
  }
  return std::move(p.cfg);
}

std::optional<std::string> read_cluster_secret(const std::string& path, std::string* error) {
  std::error_code ec;
  auto perms = fs::status(path, ec).permissions();
  if (!ec && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(perms) & 07777);
    *error = "the cluster secret file " + path + " is accessible by group or others (mode "
             + mode + "); chmod 600 it";
    return std::nullopt;
  }
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    *error = "cannot read the cluster secret file " + path
             + " (create it, e.g. with scripts/start.sh, mode 0600)";
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string secret{trim(buf.str())};
  if (secret.size() < 32) {
    *error = "the cluster secret in " + path + " is shorter than 32 characters";
    return std::nullopt;
  }
  return secret;
}

} // namespace chat
