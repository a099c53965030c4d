// chatnode: wires one node together. Storage starts first, then the actors,
// then the network; they stop in reverse order on SIGTERM/SIGINT.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include <algorithm>
#include <atomic>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <CLI/CLI.hpp>

#include "cluster/handshake.hpp"
#include "actors/runtime.hpp"
#include "config/cluster_config.hpp"
#include "log/log.hpp"
#include "net/http_server.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/password_hasher.hpp"
#include "security/tls_context.hpp"
#include "storage/database.hpp"

namespace {

struct cli_options {
  std::string config_path;
  std::string node_id;
  std::string log_level = "info";
  std::size_t http_threads = 0; ///< 0: [cluster] http_threads, itself 0 → automatic
  std::size_t actor_threads = 2;
  std::string scheduler_policy = "sharing";
  bool test_hooks = false;
  bool print_routes = false;
};

/// One clear line on stderr and a non-zero exit: how every startup problem ends.
// Which step a graceful stop is in: a stop that takes long says where it
// waits, so a hang can be told from a slow step.
std::atomic<const char*> g_stop_stage{"handing off leaderships"};

void watch_slow_stop() {
  std::thread([] {
    for (int waited = 10; waited <= 60; waited += 10) {
      std::this_thread::sleep_for(std::chrono::seconds(10));
      chat::log::warn("main", "still stopping", {{"stage", g_stop_stage.load()}, {"seconds", waited}});
    }
  }).detach();
}

int fail(const std::string& message) {
  std::fprintf(stderr, "chatnode: %s\n", message.c_str());
  return 1;
}

/// `chat_peer_up`: 1 for each connected peer, 0 for each unreachable one.
std::string peer_lines(const std::string& node_id,
                       const std::vector<std::pair<std::string, bool>>& peers) {
  std::string out = "# HELP chat_peer_up Whether this node is connected to a peer.\n"
                    "# TYPE chat_peer_up gauge\n";
  for (const auto& [peer, up] : peers)
    out += "chat_peer_up{node=\"" + node_id + "\",peer=\"" + peer + "\"} " + (up ? "1" : "0")
           + "\n";
  return out;
}

/// Raises the soft descriptor limit to the hard one (every connection is a
/// descriptor) and returns the soft limit now in force.
std::size_t raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20 : static_cast<std::size_t>(lim.rlim_cur);
}

/// The default cap on open HTTP/WebSocket connections: what the descriptor
/// limit leaves after a reserve for storage files, peers and the listeners.
std::size_t default_connection_cap(std::size_t fd_limit) {
  std::size_t reserve = std::clamp<std::size_t>(fd_limit / 4, 64, 4096);
  return fd_limit > reserve + 64 ? fd_limit - reserve : 64;
}

/// Logs the descriptor limit in force and warns when it cannot hold the
/// connections `http_max_connections` allows: past it, accepts fail with
/// "Too many open files" long before the cap turns clients away.
void check_fd_limit(std::size_t fd_limit, std::size_t configured_cap, std::size_t cap) {
  rlimit lim{};
  const bool known = getrlimit(RLIMIT_NOFILE, &lim) == 0;
  const auto hard = !known || lim.rlim_max == RLIM_INFINITY ? std::int64_t{-1} : static_cast<std::int64_t>(lim.rlim_max);
  if (configured_cap == 0) {
    chat::log::info("main", "descriptor limit",
                    {{"nofile", fd_limit}, {"hard", hard}, {"max_connections", cap}});
    return;
  }
  const std::size_t need = configured_cap + std::clamp<std::size_t>(configured_cap / 4, 64, 4096);
  if (fd_limit >= need) {
    chat::log::info("main", "descriptor limit", {{"nofile", fd_limit}, {"hard", hard}, {"max_connections", cap}});
    return;
  }
  chat::log::warn("main",
                  "descriptor limit below what http_max_connections needs: raise the hard limit "
                  "(ulimit -n, systemd LimitNOFILE; README \"A million connections\")",
                  {{"nofile", fd_limit}, {"hard", hard}, {"needed", need}, {"http_max_connections", configured_cap}});
}

/// `--print-routes`: the routes an http_server registers, one `METHOD
/// /pattern` line each. The server is built exactly as when serving, with
/// clients that name no actor (a handler is never called) and never started,
/// so the list cannot drift from what a node answers. Docs tests compare it
/// with docs/protocol.md and web/api/openapi.json.
int print_routes() {
  boost::asio::io_context ioc;
  chat::net::http_server http{ioc, chat::net::http_settings{},
                              chat::net::services{.auth = chat::auth_client{nullptr},
                                                  .conversations = chat::conversation_client{nullptr},
                                                  .sessions = chat::session_gateway{nullptr}}};
  for (const auto& [method, pattern] : http.routes())
    std::cout << method << ' ' << pattern << '\n';
  return std::cout.flush() ? 0 : 1;
}

/// The WebSocket abuse bounds of cluster.conf, for the actors.
void apply_ws_abuse_bounds(const chat::cluster_config& c, chat::runtime_settings& rs) {
  auto budget = [](std::size_t burst, std::size_t per_second) {
    return chat::frame_budget{static_cast<double>(burst), static_cast<double>(per_second)};
  };
  auto& f = rs.chat.ws_frames;
  // f.send: the session takes rate_burst/rate_per_second (shared with HTTP).
  f.sync = budget(c.ws_sync_burst, c.ws_sync_per_second);
  f.typing = budget(c.ws_typing_burst, c.ws_typing_per_second);
  f.read = budget(c.ws_read_burst, c.ws_read_per_second);
  f.ping = budget(c.ws_ping_burst, c.ws_ping_per_second);
  f.flood_refusals = c.ws_flood_refusals;
  f.flood_window = std::chrono::seconds(c.ws_flood_window);
  f.sync_in_flight = c.ws_sync_in_flight;
  rs.chat.ws_sockets_per_session = c.ws_sockets_per_session;
  rs.tickets_per_session = c.tickets_per_session;
  rs.max_blocks = c.max_blocks;
}

} // namespace

int main(int argc, char** argv) {
  cli_options opt;
  CLI::App app{"chatnode: one node of an actor-model chat cluster.\n"
               "Serves the HTTP/WebSocket API of docs/protocol.md on the node's http_port."};
  app.add_option("--config", opt.config_path,
                 "cluster.conf to read (INI; see docs/architecture.md); required");
  app.add_option("--node", opt.node_id, "id of this node: a section name in the config; required");
  app.add_option("--log-level", opt.log_level, "debug | info | warn | error")
    ->capture_default_str();
  app.add_option("--http-threads", opt.http_threads,
                 "threads running the HTTP/WebSocket I/O (0: http_threads of cluster.conf, "
                 "else hardware threads, at most 4)")
    ->capture_default_str()
    ->check(CLI::Range(0, 64));
  app.add_option("--actor-threads", opt.actor_threads, "CAF scheduler threads")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app.add_option("--scheduler-policy", opt.scheduler_policy,
                 "CAF scheduler: stealing (idle workers poll briefly) | sharing (they block)")
    ->capture_default_str()
    ->check(CLI::IsMember({"stealing", "sharing"}));
  app.add_flag("--test-hooks", opt.test_hooks,
               "failure tests only: serve POST /_test/kill/{actor} (never in production)");
  app.add_flag("--print-routes", opt.print_routes,
               "print every HTTP route this binary serves (METHOD /pattern) and exit");
  CLI11_PARSE(app, argc, argv);
  if (opt.print_routes)
    return print_routes();
  if (opt.config_path.empty() || opt.node_id.empty())
    return fail("--config and --node are required (see --help)");

  chat::log::level level;
  if (!chat::log::parse_level(opt.log_level, level))
    return fail("unknown --log-level '" + opt.log_level + "'");
  chat::log::configure(opt.node_id, level);

  std::string error;
  auto cluster = chat::load_cluster_config(opt.config_path, &error);
  if (!cluster)
    return fail(error);
  const auto* node = cluster->find(opt.node_id);
  if (!node)
    return fail("node '" + opt.node_id + "' is not in " + opt.config_path);
  auto secret = chat::read_cluster_secret(cluster->secret_file, &error);
  if (!secret)
    return fail(error);
  auto cost = chat::security::parse_password_cost(cluster->password_cost);
  chat::security::init();

  // HTTP I/O threads: one is a bottleneck once several cores serve
  // WebSockets (bench/RESULTS.md); past 4 the actors need the cores more.
  std::size_t http_threads = opt.http_threads != 0 ? opt.http_threads : cluster->http_threads;
  if (http_threads == 0)
    http_threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  const std::size_t fd_limit = raise_fd_limit();

  // Declared before the actors: their callbacks post to connections' strands.
  boost::asio::io_context ioc{static_cast<int>(http_threads)};

  // Actor settings (the storage scopes follow from the placement).
  chat::runtime_settings rs;
  rs.node_id = node->id;
  for (const auto& n : cluster->nodes)
    rs.nodes.push_back({n.id, n.host, n.cluster_port, n.http_port});
  rs.cluster_key = chat::cluster::handshake::cluster_key(*secret); // as chatctl derives it
  rs.gate.handshake_timeout = std::chrono::milliseconds(cluster->handshake_timeout_ms);
  rs.gate.pending_total = cluster->pending_handshakes;
  rs.gate.pending_per_source = cluster->pending_handshakes_per_source;
  if (cluster->tls()) { // mutual TLS: this node's certificate both ways, peers checked against the CA
    chat::security::tls_files files{node->tls_cert, node->tls_key, cluster->tls_ca};
    rs.gate.tls_server = chat::security::tls_server_context(files, &error);
    if (rs.gate.tls_server)
      rs.gate.tls_client = chat::security::tls_client_context(files, &error);
    if (!rs.gate.tls_client)
      return fail(error);
  }
  rs.http_address = node->host + ":" + std::to_string(node->http_port);
  rs.shards = cluster->shards;
  rs.replicas = cluster->replicas;
  rs.sync_log = cluster->durability != "async";
  rs.jwt_key = chat::security::derive_key(*secret, "jwt");
  rs.refresh_key = chat::security::derive_key(*secret, "refresh");
  rs.dummy_hash = chat::security::hash_password(chat::security::random_token(16), *cost);
  rs.access_token_ttl = cluster->access_token_ttl;
  rs.ticket_ttl = cluster->ticket_ttl;
  rs.scheduler_threads = opt.actor_threads;
  rs.read_threads = cluster->read_threads;
  rs.read_queue = cluster->read_queue;
  rs.scheduler_policy = opt.scheduler_policy;
  rs.chat.conversation_idle = std::chrono::seconds(cluster->conversation_idle);
  rs.chat.rate_burst = cluster->rate_burst;
  rs.chat.rate_per_second = static_cast<double>(cluster->rate_per_second);
  apply_ws_abuse_bounds(*cluster, rs);
  rs.chat.invites_per_minute = cluster->invites_per_minute;
  rs.chat.max_pending_invitations = cluster->max_pending_invitations;
  rs.chat.attachment_max_bytes = cluster->attachment_max_bytes;
  rs.chat.attachment_grace = std::chrono::seconds(cluster->attachment_grace);
  rs.chat.retention_min = cluster->retention_min;
  rs.chat.presence_max_members = cluster->presence_max_members;
  rs.chat.direct_id_key = chat::security::derive_key(*secret, "direct-conversation");
  // A node-wide actor that dies stops the node (actors/supervisor.hpp).
  std::atomic<int> exit_code{0};
  rs.on_fatal = [&ioc, &exit_code](const std::string&, const std::string&) {
    exit_code = 70; // EX_SOFTWARE
    boost::asio::post(ioc, [&ioc] { ioc.stop(); });
  };

  // Storage.
  chat::storage::options db_opts;
  db_opts.path = node->data_dir;
  db_opts.scopes = chat::storage_scopes(rs);
  db_opts.mode = cluster->durability == "async" ? chat::storage::durability::async
                                                : chat::storage::durability::sync;
  auto db = chat::storage::database::open(db_opts, &error);
  if (!db)
    return fail("cannot open storage in " + node->data_dir + ": " + error);

  // Actors.
  chat::security::password_hasher hasher{cluster->password_threads, cluster->password_queue,
                                         *cost};
  chat::actor_runtime actors{rs, *db, hasher};
  if (!actors.join_cluster(&error)) {
    actors.stop();
    return fail(error);
  }

  // Network.
  chat::net::http_settings hs;
  hs.node_id = node->id;
  hs.address = node->host;
  hs.port = node->http_port;
  hs.ws_queue_frames = cluster->ws_queue_frames;
  hs.ws_queue_bytes = cluster->ws_queue_bytes;
  hs.tls_cert = node->http_tls_cert;
  hs.tls_key = node->http_tls_key;
  hs.max_connections = cluster->http_max_connections != 0 ? cluster->http_max_connections
                                                           : default_connection_cap(fd_limit);
  hs.max_connections_per_address = cluster->http_max_connections_per_address;
  check_fd_limit(fd_limit, cluster->http_max_connections, hs.max_connections);
  hs.cap_loopback = cluster->http_cap_loopback;
  hs.ws_inbound_frames = cluster->ws_inbound_frames;
  hs.attachment_max_bytes = cluster->attachment_max_bytes;
  // Storage figures are histograms in metrics::node(); only the peers are
  // known here.
  auto extra_metrics = [&actors, node_id = node->id] {
    return peer_lines(node_id, actors.peer_status());
  };

  chat::net::services svc{actors.auth(), actors.conversations(), actors.sessions(),
                          extra_metrics, [&actors] { return actors.missing_peers(); },
                          [&actors] { return actors.stuck_actors(); },
                          [&actors] { return actors.catching_up(); },
                          [&actors] { return actors.cluster_catching_up(); }, {}};
  if (opt.test_hooks)
    svc.kill_actor_for_test = [&actors](const std::string& name) {
      return actors.kill_for_test(name);
    };
  chat::net::http_server http{ioc, hs, std::move(svc)};
  if (!http.start(&error)) {
    actors.stop();
    return fail(error);
  }

  // SIGHUP: read the HTTP certificate again (renewal without a restart).
  boost::asio::signal_set reload_signal{ioc, SIGHUP};
  std::function<void()> await_reload = [&] {
    reload_signal.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec)
        return;
      std::string why;
      if (http.reload_tls(&why))
        chat::log::info("main", "TLS certificate reloaded", {{"cert", node->http_tls_cert}});
      else
        chat::log::warn("main", "TLS reload failed; the previous certificate stays",
                        {{"reason", why}});
      await_reload();
    });
  };
  await_reload();

  // A graceful stop first hands this node's leaderships to other replicas
  // (off the I/O threads, which keep serving meanwhile), so that clients see
  // no error while the node goes away.
  std::thread stopper;
  boost::asio::signal_set signals{ioc, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec)
      return;
    chat::log::info("main", "stopping", {{"signal", sig}});
    watch_slow_stop();
    stopper = std::thread([&] {
      auto left = actors.hand_off();
      chat::log::info("main", "leaderships handed off", {{"still_leading", left}});
      g_stop_stage = "stopping HTTP";
      boost::asio::post(ioc, [&] {
        http.stop();
        reload_signal.cancel();
        ioc.stop();
      });
    });
  });

  const char* scheme = node->http_tls_cert.empty() ? "http://" : "https://";
  chat::log::info("main", "serving", {{"http", scheme + node->host + ":" + std::to_string(node->http_port)},
                                      {"data_dir", node->data_dir},
                                      {"durability", cluster->durability},
                                      {"http_threads", http_threads},
                                      {"max_connections", hs.max_connections}});
  std::vector<std::thread> io_threads;
  for (std::size_t i = 1; i < http_threads; ++i)
    io_threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  g_stop_stage = "joining I/O threads";
  for (auto& t : io_threads)
    t.join();
  if (stopper.joinable())
    stopper.join();

  g_stop_stage = "stopping actors";
  actors.stop();
  g_stop_stage = "stopping the password hasher";
  hasher.stop();
  g_stop_stage = "closing storage";
  db->close();
  chat::log::info("main", "stopped", {{"exit_code", exit_code.load()}});
  return exit_code;
}
