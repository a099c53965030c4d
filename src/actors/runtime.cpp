#include "actors/runtime.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <caf/all.hpp>

#include "actors/admin/admin_actor.hpp"
#include "actors/auth/auth_authority.hpp"
#include "actors/auth/auth_client_impl.hpp"
#include "cluster/gate.hpp"
#include "cluster/peer_manager.hpp"
#include "cluster/peer_table.hpp"
#include "actors/conversation/conversation_client_impl.hpp"
#include "actors/directory/directory.hpp"
#include "actors/live_registry.hpp"
#include "actors/relay/relay.hpp"
#include "actors/replication/replicator.hpp"
#include "actors/rpc/read_pool.hpp"
#include "actors/session/session_gateway_impl.hpp"
#include "actors/supervisor.hpp"
#include "actors/system_config.hpp"

namespace chat {

namespace {

cluster::placement layout_of(const runtime_settings& s) {
  cluster::placement p;
  p.shards = s.shards;
  p.replicas = s.replicas;
  for (const auto& n : s.nodes)
    p.nodes.push_back({n.id, n.host, n.cluster_port, n.http_port});
  if (p.nodes.empty()) // a runtime without a cluster (unit tests): this node alone
    p.nodes.push_back({s.node_id, "127.0.0.1", 0});
  p.replicas = std::max<std::size_t>(1, std::min(p.replicas, p.nodes.size()));
  p.self = p.index_of(s.node_id);
  if (p.self == p.nodes.size())
    throw std::invalid_argument("node " + s.node_id + " is not in the cluster");
  return p;
}

} // namespace

struct actor_runtime::state {
  read_pool reads; // outlives the actor system: actors hold a pointer to it
  node_system_config cfg;
  caf::actor_system sys;
  relay_api relay;
  directory_api directory;
  auth_api authority;     ///< without replication: the node's one authority
  replicator_api replicator; ///< with replication: hosts the groups and their authorities
  admin_api admin;
  cluster::peer_manager_api peer_manager;
  supervisor_api supervisor;
  std::shared_ptr<supervision_report> report = std::make_shared<supervision_report>();
  std::shared_ptr<replication_health> health; ///< null without replication
  std::function<void(const std::string&, const std::string&)> on_fatal;
  std::shared_ptr<cluster::peer_table> peers;
  std::shared_ptr<live_registry> live = std::make_shared<live_registry>();
  std::shared_ptr<cluster::gate> gate;
  std::string cluster_key;
  cluster::gate_settings gate_settings;
  std::shared_ptr<auth_client::impl> auth;
  std::shared_ptr<conversation_client::impl> conversations;
  std::shared_ptr<session_gateway::impl> sessions;
  bool stopped = false;

  // Spawned in dependency order: relay, directory (which spawns
  // conversations and users on demand), then the auth authority.
  state(const runtime_settings& s, storage::database& db, security::password_hasher& hasher)
    : reads(s.read_threads, s.read_queue), cfg(s.scheduler_threads, s.scheduler_policy), sys(cfg), on_fatal(s.on_fatal),
      cluster_key(s.cluster_key), gate_settings(s.gate) {
    peers = std::make_shared<cluster::peer_table>(layout_of(s));
    relay = spawn_relay(sys);
    auto ctx = std::make_shared<node_context>();
    ctx->node_id = s.node_id;
    ctx->shards = s.shards;
    ctx->db = &db;
    ctx->settings = s.chat;
    ctx->relay = relay;
    ctx->peers = peers;
    ctx->live = live;
    ctx->reads = &reads;
    node_ref shared = ctx;
    directory = spawn_directory(sys, shared);

    auth_settings as;
    as.hasher = &hasher;
    as.jwt_key = s.jwt_key;
    as.refresh_key = s.refresh_key;
    as.dummy_hash = s.dummy_hash;
    as.shards = s.shards;
    as.access_token_ttl = s.access_token_ttl;
    as.ticket_ttl = s.ticket_ttl;
    as.tickets_per_session = s.tickets_per_session;
    as.max_blocks = s.max_blocks;
    as.directory = directory;
    if (peers->layout().replicated()) {
      replicator_settings rs;
      rs.ctx = shared;
      rs.directory = directory;
      rs.sync_log = s.sync_log;
      health = rs.health;
      rs.spawn_authority = [this, as](std::uint32_t, storage::store store) {
        auto group_as = as;
        group_as.db = store;
        return spawn_auth_authority(sys, std::move(group_as));
      };
      replicator = spawn_replicator(sys, std::move(rs));
    } else {
      as.db = db.at(0);
      authority = spawn_auth_authority(sys, std::move(as));
    }
    admin = spawn_admin(sys, admin_deps{shared, directory, relay, authority, s.http_address,
                                        address_of(peers->layout().nodes[peers->layout().self])});
    peers->mark_up(peers->layout().self, local_actors());

    auth = std::make_shared<auth_client::impl>(sys, peers, s.jwt_key, s.shards);
    conversations = std::make_shared<conversation_client::impl>(sys, shared, directory, authority);
    sessions = std::make_shared<session_gateway::impl>(sys, session_deps{shared, directory, authority});
  }

  cluster::node_actors local_actors() const {
    return {directory, relay, authority, admin, replicator};
  }

  std::vector<watched_actor> watched() const {
    std::vector<watched_actor> out{{"directory", directory}, {"relay", relay}};
    if (replicator)
      out.push_back({"replicator", replicator});
    else
      out.push_back({"authority", authority});
    out.push_back({"admin", admin});
    out.push_back({"peer_manager", peer_manager});
    return out;
  }

  static std::string address_of(const cluster::member& m) {
    return m.host + ":" + std::to_string(m.cluster_port);
  }
};

std::vector<std::string> storage_scopes(const runtime_settings& s) {
  return layout_of(s).scope_names();
}

actor_runtime::actor_runtime(runtime_settings settings, storage::database& db,
                             security::password_hasher& hasher)
  : state_(std::make_unique<state>(settings, db, hasher)) {}

actor_runtime::~actor_runtime() { stop(); }

auth_client actor_runtime::auth() const { return auth_client{state_->auth}; }

conversation_client actor_runtime::conversations() const {
  return conversation_client{state_->conversations};
}

session_gateway actor_runtime::sessions() const { return session_gateway{state_->sessions}; }

bool actor_runtime::join_cluster(std::string* error) {
  auto& st = *state_;
  st.gate = std::make_shared<cluster::gate>(st.peers->layout().self_id(), st.cluster_key,
                                            st.gate_settings);
  st.peer_manager = cluster::start_peer_manager(st.sys, st.peers, st.gate, st.local_actors(), error);
  if (!st.peer_manager)
    return false;
  caf::anon_send(st.admin, caf::put_atom::value, caf::actor_cast<caf::actor>(st.peer_manager));
  supervisor_settings ss;
  ss.on_fatal = st.on_fatal;
  st.supervisor = spawn_supervisor(st.sys, st.watched(), st.report, std::move(ss));
  return true;
}

std::vector<std::string> actor_runtime::missing_peers() const { return state_->peers->missing(); }

std::vector<std::string> actor_runtime::stuck_actors() const { return state_->report->stuck(); }

bool actor_runtime::catching_up() const {
  return state_->health && state_->health->catching_up.load();
}

bool actor_runtime::cluster_catching_up() const {
  return state_->health && state_->health->cluster_lagging.load();
}

bool actor_runtime::kill_for_test(const std::string& name) {
  for (const auto& w : state_->watched())
    if (w.name == name && w.handle) {
      caf::anon_send_exit(w.handle, caf::exit_reason::kill);
      return true;
    }
  return false;
}

std::uint32_t actor_runtime::hand_off() {
  if (!state_->replicator)
    return 0;
  caf::scoped_actor self{state_->sys};
  std::uint32_t left = 0;
  self->request(state_->replicator, std::chrono::seconds(5), handoff_atom::value)
    .receive([&](std::uint32_t n) { left = n; }, [&](caf::error&) { left = 1; });
  return left;
}

std::vector<std::pair<std::string, bool>> actor_runtime::peer_status() const {
  const auto& layout = state_->peers->layout();
  std::vector<std::pair<std::string, bool>> out;
  for (std::size_t i = 0; i < layout.nodes.size(); ++i)
    if (i != layout.self)
      out.emplace_back(layout.nodes[i].id, state_->peers->reachable(i));
  return out;
}

void actor_runtime::stop() {
  if (!state_ || state_->stopped)
    return;
  state_->stopped = true;
  // A deliberate stop is not a failure: end the watch first.
  if (state_->supervisor)
    caf::anon_send_exit(state_->supervisor, caf::exit_reason::user_shutdown);
  if (state_->gate)
    state_->gate->stop();
  if (state_->peer_manager)
    caf::anon_send_exit(state_->peer_manager, caf::exit_reason::user_shutdown);
  // Conversations, users and sessions are spawned by these; they end when
  // the system shuts down below.
  caf::anon_send_exit(state_->admin, caf::exit_reason::user_shutdown);
  if (state_->authority)
    caf::anon_send_exit(state_->authority, caf::exit_reason::user_shutdown);
  if (state_->replicator)
    caf::anon_send_exit(state_->replicator, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(state_->directory, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(state_->relay, caf::exit_reason::user_shutdown);
  // Sessions and users are not linked to anything (live_registry.hpp); one
  // may still be spawned by a request the directory handled before its exit,
  // so stop them until none is left.
  for (int round = 0; round < 50; ++round) {
    auto live = state_->live->snapshot();
    if (live.empty())
      break;
    for (const auto& a : live)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  state_->sys.await_all_actors_done();
  state_->reads.stop();
}

} // namespace chat
