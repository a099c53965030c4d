#include "actors/replication/replicator.hpp"

#include <functional>
#include <optional>
#include <chrono>
#include <map>
#include <memory>
#include <random>

#include <caf/all.hpp>

#include "actors/replication/inbox.hpp"
#include "actors/rpc/errors.hpp"
#include "cluster/peer_table.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "replication/batch_codec.hpp"
#include "replication/rocks_log_store.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"

namespace chat {
namespace {

namespace repl = replication;
using clock_type = std::chrono::steady_clock;

// How long a graceful stop waits for its leaderships to move.
constexpr auto handoff_limit = std::chrono::seconds(3);
// Leaders repeat their announcement this often (ticks), so a node that
// (re)joined learns every leader within a fraction of a second.
constexpr unsigned announce_every_ticks = 5;
// A replica this many entries behind the leader's commit still counts as
// caught up (entries in flight under load).
constexpr std::uint64_t caught_up_slack = 256;
// How long a leader serves before handing a group back to its preferred
// leader (no ping-pong while a node is still settling after a restart).
constexpr auto preferred_leader_delay = std::chrono::seconds(3);
// How long commits wait for a leadership transfer (C Raft's own limit is
// one election timeout).
constexpr auto transfer_limit = std::chrono::milliseconds(1500);
// How long after a majority's last answer a leader may still serve reads
// from its own state (the election timeout is 1 s at least).
constexpr auto read_lease = std::chrono::milliseconds(700);

using replicator_impl = replicator_api::extend<caf::reacts_to<tick_atom>,
                                               caf::reacts_to<resume_atom>>;
struct replicator_state;
using replicator_actor = replicator_impl::stateful_pointer<replicator_state>;

/// Raft ids are cluster.conf positions plus one (0 means "nobody").
std::uint64_t raft_id(std::size_t node) { return node + 1; }
std::size_t node_of(std::uint64_t id) { return static_cast<std::size_t>(id - 1); }

struct member;

/// The replica's view of the world: peers' replicators, the clock, dice.
class member_host final : public repl::replica_host {
public:
  member_host(replicator_actor self, member& m) : self_(self), m_(m), dice_(std::random_device{}()) {}
  void send(std::uint64_t to, std::string bytes) override;
  std::uint64_t now_ms() override { return cluster::peer_table::now_ms(); } // the leases' clock
  int random(int min, int max) override { return std::uniform_int_distribution<int>{min, max}(dice_); }
  void on_change(repl::role, std::uint64_t, std::uint64_t) override;

private:
  replicator_actor self_;
  member& m_;
  std::mt19937 dice_;
};

/// This node's member of one group.
struct member {
  std::uint32_t group = 0;
  std::size_t scope = 0;
  std::unique_ptr<repl::rocks_log_store> log;
  std::unique_ptr<repl::rocks_state_machine> fsm;
  std::unique_ptr<member_host> host;
  std::unique_ptr<repl::replica> raft; // declared last: destroyed first
  bool serving = false;
  bool barrier_pending = false;
  bool reaction_queued = false;
  std::uint64_t serving_term = 0;
  auth_api authority;
  // The leader's commit index in its last two announcements: a follower is
  // caught up once it has applied what the leader had committed a moment ago.
  std::uint64_t leader_commit_prev = 0;
  std::uint64_t leader_commit_last = 0;
  unsigned announcements = 0;
  clock_type::time_point serving_since;
  /// Since when the preferred leader has been reachable and caught up
  /// without a break (epoch: it is not).
  clock_type::time_point preferred_ready_since{};
  repl::replica_counters reported; ///< counters already added to the metrics
  /// While this member hands its leadership over, new commits wait here
  /// rather than fail: once the new leader serves they are told to `retry`
  /// (never proposed, so safe to send again), or proposed if it stayed.
  struct held_commit {
    std::string bytes;
    std::function<void(errc)> done;
  };
  std::vector<held_commit> held;
  std::optional<clock_type::time_point> transfer_started;
  /// When each follower (raft id) was last seen `recent`, while leading:
  /// C Raft clears that flag every election timeout, so one reading of it
  /// can call a live follower silent.
  std::map<std::uint64_t, clock_type::time_point> heard;
  /// Whether follower `f` answered within an election timeout plus two
  /// heartbeats (how often the leader clears the flag, and how soon a live
  /// follower sets it again).
  bool alive(const repl::follower_progress& f) const {
    if (f.recent)
      return true;
    auto seen = heard.find(f.id);
    const auto& c = raft->config();
    auto window = std::chrono::milliseconds(c.election_timeout_ms + 2 * c.heartbeat_ms);
    return seen != heard.end() && clock_type::now() - seen->second < window;
  }

  bool caught_up() const {
    if (serving)
      return true;
    auto s = raft->status();
    return s.state == replication::role::follower && s.leader != 0 && announcements >= 2
           && s.applied_index >= leader_commit_prev;
  }
};

struct handoff_wait {
  caf::typed_response_promise<std::uint32_t> promise;
  clock_type::time_point until;
};

struct replicator_state {
  static inline const char* name = "replicator";
  replicator_settings cfg;
  std::shared_ptr<inbox> box;
  std::map<std::uint32_t, std::unique_ptr<member>> members;
  std::vector<handoff_wait> handoffs;
  std::vector<bool> replicas_caught_up; ///< by group, as its leader last said
  unsigned ticks = 0;
  bool closing = false;

  const cluster::placement& layout() const { return cfg.ctx->peers->layout(); }

  ~replicator_state() {
    closing = true;
    for (auto& [g, m] : members) {
      m->raft.reset(); // pending proposals answer `failed` while the rest still exists
      // The group authorities it spawned end with it (nothing else stops them).
      if (m->authority)
        caf::anon_send_exit(m->authority, caf::exit_reason::user_shutdown);
    }
  }
};

/// Proposes an encoded batch; `done(ok)` once a majority holds it and it is
/// applied here. `retry` when it was refused before being appended (this
/// member does not lead: safe to send again), `unavailable` otherwise (it
/// may still be applied later).
void propose(member& m, std::string bytes, std::function<void(errc)> done) {
  auto t0 = clock_type::now();
  m.raft->propose(std::move(bytes), [t0, done = std::move(done)](repl::outcome o) {
    if (o == repl::outcome::applied)
      metrics::node().raft_commit_seconds.observe(
        std::chrono::duration<double>(clock_type::now() - t0).count());
    done(o == repl::outcome::applied      ? errc::ok
         : o == repl::outcome::not_leader ? errc::retry
                                          : errc::unavailable);
  });
}

/// Starts handing member `m`'s leadership to raft id `to` (0: any).
bool begin_transfer(member& m, std::uint64_t to) {
  if (!m.raft->transfer(to))
    return false;
  m.transfer_started = clock_type::now();
  return true;
}

/// Ends a transfer: the held commits are proposed if this member still
/// serves, or told to retry (with the new leader) if it does not.
void end_transfer(member& m) {
  m.transfer_started.reset();
  auto held = std::move(m.held);
  m.held.clear();
  for (auto& h : held) {
    if (m.serving)
      propose(m, std::move(h.bytes), std::move(h.done));
    else
      h.done(errc::retry);
  }
}

/// Commits of a replicated scope: encoded on the caller's thread, proposed
/// by the replicator. Acknowledged once a majority holds them and they are
/// applied here; anything else is `unavailable` (the write may still be
/// applied later: clients resend with the same idempotency key).
class replicated_commits final : public storage::commit_route {
public:
  replicated_commits(std::shared_ptr<inbox> box, replicator_state* st, std::uint32_t group)
    : box_(std::move(box)), st_(st), group_(group) {}

  void commit(storage::write_batch batch, std::function<void(errc)> done) override {
    auto bytes = repl::encode_batch(batch);
    box_->post([st = st_, g = group_, bytes = std::move(bytes), done = std::move(done)]() mutable {
      auto it = st->members.find(g);
      if (st->closing || it == st->members.end()) {
        done(errc::unavailable);
        return;
      }
      auto& m = *it->second;
      if (!m.serving) { // never proposed: the caller may ask the new leader
        done(errc::retry);
        return;
      }
      if (m.transfer_started) {
        m.held.push_back({std::move(bytes), std::move(done)});
        return;
      }
      propose(m, std::move(bytes), std::move(done));
    });
  }

private:
  std::shared_ptr<inbox> box_;
  replicator_state* st_; // only dereferenced inside the actor
  std::uint32_t group_;
};

/// Whether every replica of the group this member leads has (nearly) all
/// committed entries.
bool followers_caught_up(const member& m) {
  auto s = m.raft->status();
  for (const auto& f : s.followers)
    if (!m.alive(f) || f.match_index + caught_up_slack < s.commit_index)
      return false;
  return true;
}

void announce(replicator_actor self, const member& m) {
  const auto& layout = self->state.layout();
  auto commit = m.raft->status().commit_index;
  bool caught_up = followers_caught_up(m);
  self->state.replicas_caught_up[m.group] = caught_up;
  for (std::size_t i = 0; i < layout.nodes.size(); ++i) {
    if (i == layout.self)
      continue;
    if (auto node = self->state.cfg.ctx->peers->node(i); node && node->replicator)
      self->send(node->replicator, leader_atom::value, m.group, m.serving_term,
                 static_cast<std::uint64_t>(layout.self), m.authority, commit, caught_up);
  }
}

/// Extends the read lease of a group this node serves: until `lease` after
/// the moment a majority had last answered it. Shorter than the election
/// timeout, so it runs out before another member can be elected.
void renew_lease(replicator_actor self, member& m) {
  auto s = m.raft->status();
  if (s.state == repl::role::leader && s.quorum_heard_ms > 0)
    self->state.cfg.ctx->peers->renew_lease(m.group, s.quorum_heard_ms + read_lease.count());
}

void start_serving(replicator_actor self, member& m, std::uint64_t term) {
  auto& st = self->state;
  m.serving = true;
  m.serving_term = term;
  m.serving_since = clock_type::now();
  m.authority = st.cfg.spawn_authority(m.group, st.cfg.ctx->db->at(m.scope));
  st.cfg.ctx->peers->set_leader(m.group, st.layout().self, term, m.authority);
  renew_lease(self, m);
  announce(self, m);
  self->send(st.cfg.directory, leader_atom::value, m.group, true);
  log::info("replication", "serving group", {{"group", m.group}, {"term", term}});
}

void stop_serving(replicator_actor self, member& m) {
  auto& st = self->state;
  m.serving = false;
  st.cfg.ctx->peers->forget_leader(m.group, st.layout().self, m.serving_term);
  if (m.authority)
    caf::anon_send_exit(m.authority, caf::exit_reason::user_shutdown);
  m.authority = nullptr;
  self->send(st.cfg.directory, leader_atom::value, m.group, false);
  end_transfer(m);
  log::info("replication", "stopped serving group", {{"group", m.group}});
}

/// Turns the member's current role into service (or its end).
void react(replicator_actor self, member& m) {
  auto& st = self->state;
  if (st.closing)
    return;
  auto s = m.raft->status();
  if (s.state == repl::role::leader) {
    if (m.serving || m.barrier_pending)
      return;
    // Serve only once every entry of earlier terms is applied here: the
    // actors read the local data.
    m.barrier_pending = true;
    m.raft->barrier([self, &m](repl::outcome o) {
      if (self->state.closing)
        return;
      m.barrier_pending = false;
      auto now = m.raft->status();
      if (o == repl::outcome::applied && now.state == repl::role::leader)
        start_serving(self, m, now.term);
      else
        react(self, m);
    });
    return;
  }
  if (m.serving)
    stop_serving(self, m);
  // A newer term elsewhere makes an older leader entry stale.
  st.cfg.ctx->peers->forget_leader(m.group, cluster::peer_table::no_node, s.term);
}

void member_host::send(std::uint64_t to, std::string bytes) {
  if (to == 0)
    return;
  auto node = self_->state.cfg.ctx->peers->node(node_of(to));
  if (node && node->replicator)
    self_->send(node->replicator, raft_atom::value, m_.group, std::move(bytes));
}

void member_host::on_change(repl::role, std::uint64_t, std::uint64_t) {
  // Not from inside the replica's call: react after it returned.
  if (m_.reaction_queued)
    return;
  m_.reaction_queued = true;
  auto self = self_;
  auto& m = m_;
  self_->state.box->post([self, &m] {
    m.reaction_queued = false;
    react(self, m);
  });
}

/// Called every tick: remembers which followers answered lately.
void note_followers(member& m) {
  auto s = m.raft->status();
  if (s.state != repl::role::leader) {
    m.heard.clear(); // a later leadership starts afresh
    return;
  }
  auto now = clock_type::now();
  for (const auto& f : s.followers)
    if (f.recent)
      m.heard[f.id] = now;
}

group_status status_of(replicator_actor self, const member& m) {
  const auto& layout = self->state.layout();
  auto s = m.raft->status();
  group_status out;
  out.group = m.group;
  out.node = layout.self_id();
  out.role = repl::role_name(s.state);
  if (s.leader != 0 && node_of(s.leader) < layout.nodes.size())
    out.leader = layout.nodes[node_of(s.leader)].id;
  out.serving = m.serving;
  out.term = s.term;
  out.commit_index = s.commit_index;
  out.applied_index = s.applied_index;
  out.last_index = s.last_index;
  out.snapshot_index = s.snapshot_index;
  for (auto i : layout.replicas_of(m.group))
    out.replicas.push_back(layout.nodes[i].id);
  for (const auto& f : s.followers) {
    if (node_of(f.id) >= layout.nodes.size())
      continue;
    bool recent = m.alive(f);
    out.followers.push_back({layout.nodes[node_of(f.id)].id, f.match_index, recent});
  }
  return out;
}

std::uint32_t still_leading(replicator_actor self) {
  std::uint32_t n = 0;
  for (auto& [g, m] : self->state.members)
    if (m->raft->status().state == repl::role::leader)
      ++n;
  return n;
}

void settle_handoffs(replicator_actor self) {
  auto& waits = self->state.handoffs;
  auto left = still_leading(self);
  auto now = clock_type::now();
  for (auto it = waits.begin(); it != waits.end();) {
    if (left == 0 || now >= it->until) {
      it->promise.deliver(left);
      it = waits.erase(it);
    } else {
      ++it;
    }
  }
}

/// Adds the members' new counts to the metrics; sets the gauges.
void update_metrics(replicator_actor self) {
  auto& mx = metrics::node();
  std::int64_t led = 0;
  std::uint64_t lag = 0;
  for (auto& [g, m] : self->state.members) {
    const auto& now = m->raft->counters();
    auto& was = m->reported;
    mx.raft_elections_won.inc(now.elections_won - was.elections_won);
    mx.raft_leader_changes.inc(now.leader_changes - was.leader_changes);
    mx.raft_snapshots_taken.inc(now.snapshots_taken - was.snapshots_taken);
    mx.raft_snapshots_sent.inc(now.snapshots_sent - was.snapshots_sent);
    mx.raft_snapshots_installed.inc(now.snapshots_installed - was.snapshots_installed);
    was = now;
    if (!m->serving)
      continue;
    ++led;
    auto s = m->raft->status();
    for (const auto& f : s.followers)
      lag = std::max(lag, s.commit_index > f.match_index ? s.commit_index - f.match_index : 0);
  }
  mx.raft_groups_led.set(led);
  mx.raft_follower_lag.set(static_cast<std::int64_t>(lag));
}

/// Gives a group back to its preferred leader (cluster.conf's node g for
/// group g) once that node is back and has every committed entry, so that
/// in steady state each node leads its own group and the load is spread.
void return_to_preferred(replicator_actor self, member& m) {
  const auto& layout = self->state.layout();
  auto preferred = static_cast<std::size_t>(m.group);
  auto now = clock_type::now();
  bool ready = false;
  if (m.serving && preferred != layout.self && layout.holds(m.group)
      && self->state.cfg.ctx->peers->reachable(preferred)) {
    auto s = m.raft->status();
    for (const auto& f : s.followers)
      ready = ready || (f.id == raft_id(preferred) && m.alive(f) && f.match_index >= s.commit_index);
  }
  if (!ready) {
    m.preferred_ready_since = {};
    return;
  }
  // A node that just restarted is still loading and electing its other
  // groups: a handover then can stall until an election. Wait until it has
  // kept up for a while.
  if (m.preferred_ready_since == clock_type::time_point{})
    m.preferred_ready_since = now;
  if (now - m.serving_since < preferred_leader_delay
      || now - m.preferred_ready_since < preferred_leader_delay)
    return;
  m.preferred_ready_since = {};
  log::info("replication", "returning group to its preferred leader",
            {{"group", m.group}, {"to", layout.nodes[preferred].id}});
  begin_transfer(m, raft_id(preferred));
}

void update_health(replicator_actor self) {
  auto& st = self->state;
  bool behind = false;
  for (const auto& [g, m] : st.members)
    behind = behind || !m->caught_up();
  st.cfg.health->catching_up = behind;
  bool lagging = behind;
  auto leaders = st.cfg.ctx->peers->leaders();
  // Settled: every group has a reachable leader, its replicas caught up,
  // and is led by its preferred leader whenever that node is up.
  for (std::uint32_t g = 0; g < st.layout().groups() && !lagging; ++g)
    lagging = leaders[g].node == cluster::peer_table::no_node
              || !st.cfg.ctx->peers->reachable(leaders[g].node) || !st.replicas_caught_up[g]
              || (leaders[g].node != g && st.cfg.ctx->peers->reachable(g));
  st.cfg.health->cluster_lagging = lagging;
}

bool start_member(replicator_actor self, std::uint32_t g) {
  auto& st = self->state;
  const auto& layout = st.layout();
  auto m = std::make_unique<member>();
  m->group = g;
  m->scope = layout.scope_of(g);
  auto& db = *st.cfg.ctx->db;
  auto box = st.box;
  m->log = std::make_unique<repl::rocks_log_store>(
    db, m->scope, st.cfg.sync_log ? storage::durability::sync : storage::durability::async,
    [box](std::function<void()> f) { box->post(std::move(f)); });
  m->fsm = std::make_unique<repl::rocks_state_machine>(db, m->scope);
  m->host = std::make_unique<member_host>(self, *m);
  auto cfg = st.cfg.tuning;
  cfg.group = g;
  cfg.self = raft_id(layout.self);
  cfg.voters.clear();
  for (auto i : layout.replicas_of(g))
    cfg.voters.push_back(raft_id(i));
  m->raft = std::make_unique<repl::replica>(cfg, *m->host, *m->log, *m->fsm);
  std::string error;
  if (!m->raft->start(&error)) {
    log::error("replication", "cannot start group member", {{"group", g}, {"error", error}});
    return false;
  }
  db.route(m->scope, std::make_shared<replicated_commits>(st.box, &st, g));
  st.members.emplace(g, std::move(m));
  return true;
}

replicator_impl::behavior_type replicator(replicator_actor self, replicator_settings cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.box = std::make_shared<inbox>(self->address());
  const auto& layout = st.layout();
  st.replicas_caught_up.assign(layout.groups(), false);
  for (std::uint32_t g = 0; g < layout.groups(); ++g)
    if (layout.holds(g) && !start_member(self, g)) {
      self->quit(caf::exit_reason::user_shutdown); // the behavior below never runs
      break;
    }
  auto tick = std::chrono::milliseconds(st.cfg.tuning.tick_ms);
  self->delayed_send(self, tick, tick_atom::value);
  return {
    [self](raft_atom, std::uint32_t g, const std::string& bytes) {
      auto& members = self->state.members;
      if (auto it = members.find(g); it != members.end())
        it->second->raft->receive(bytes);
    },
    [self](leader_atom, std::uint32_t g, std::uint64_t term, std::uint64_t node,
           auth_api authority, std::uint64_t commit, bool caught_up) {
      auto& st = self->state;
      const auto& layout = st.layout();
      if (node == layout.self || node >= layout.nodes.size() || g >= layout.groups())
        return;
      st.cfg.ctx->peers->set_leader(g, static_cast<std::size_t>(node), term, std::move(authority));
      st.replicas_caught_up[g] = caught_up;
      if (auto it = st.members.find(g); it != st.members.end()) {
        auto& m = *it->second;
        m.leader_commit_prev = m.announcements > 0 ? m.leader_commit_last : 0;
        m.leader_commit_last = commit;
        ++m.announcements;
      }
    },
    [self](shards_atom) {
      std::vector<group_status> out;
      for (const auto& [g, m] : self->state.members)
        out.push_back(status_of(self, *m));
      return out;
    },
    [self](transfer_atom, std::uint32_t g, const std::string& node) -> caf::result<done_atom> {
      auto& st = self->state;
      auto it = st.members.find(g);
      if (it == st.members.end() || it->second->raft->status().state != repl::role::leader)
        return make_chat_error(errc::conflict, "this node does not lead group " + std::to_string(g));
      auto target = st.layout().index_of(node);
      auto holders = st.layout().replicas_of(g);
      if (std::find(holders.begin(), holders.end(), target) == holders.end())
        return make_chat_error(errc::bad_request, node + " holds no replica of group " + std::to_string(g));
      if (target == st.layout().self)
        return done_atom::value;
      if (!begin_transfer(*it->second, raft_id(target)))
        return make_chat_error(errc::conflict, "a transfer of group " + std::to_string(g) + " is running");
      return done_atom::value;
    },
    [self](handoff_atom) -> caf::result<std::uint32_t> {
      for (auto& [g, m] : self->state.members)
        if (m->raft->status().state == repl::role::leader)
          begin_transfer(*m, 0);
      auto rp = self->make_response_promise<std::uint32_t>();
      self->state.handoffs.push_back({rp, clock_type::now() + handoff_limit});
      settle_handoffs(self);
      return rp;
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
    [self](tick_atom) {
      auto& st = self->state;
      ++st.ticks;
      for (auto& [g, m] : st.members) {
        m->raft->tick();
        note_followers(*m);
        // C Raft gives a transfer up after an election timeout; past that
        // this member still leads and proposes what it held.
        if (m->transfer_started && clock_type::now() - *m->transfer_started > transfer_limit)
          end_transfer(*m);
        if (m->serving)
          renew_lease(self, *m);
        if (m->serving && st.ticks % announce_every_ticks == 0) {
          announce(self, *m);
          if (st.handoffs.empty())
            return_to_preferred(self, *m);
        }
      }
      if (st.ticks % announce_every_ticks == 0)
        update_metrics(self);
      if (!st.handoffs.empty())
        settle_handoffs(self);
      update_health(self);
      self->delayed_send(self, std::chrono::milliseconds(st.cfg.tuning.tick_ms), tick_atom::value);
    },
    [self](resume_atom) { self->state.box->drain(); },
  };
}

} // namespace

replicator_api spawn_replicator(caf::actor_system& sys, replicator_settings settings) {
  return caf::actor_cast<replicator_api>(sys.spawn(replicator, std::move(settings)));
}

} // namespace chat
