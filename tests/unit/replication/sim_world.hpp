#pragma once
// The deterministic world the simulation runs groups in: a simulated clock
// in 1 ms steps, one seeded PRNG behind every choice (network, faults,
// store progress, the replicas' own randomness), a network that loses,
// duplicates, delays and reorders, and members built on memory_log_store
// that crash, restart and lose their disk. No threads: the same seed always
// gives the same run.
//
// The world checks safety as it goes and records the first violation (the
// test reports it with the seed):
// - election safety: one leader per term, as reported through on_change by
//   leaders and by the followers that learned of them;
// - committed entries: an index holds one command wherever it is applied,
//   a command sits at one index, and no member sees a replay conflict;
// - read barriers: a leader's applied barrier covers every earlier ack.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "replication/memory_log_store.hpp"
#include "replication/replica.hpp"
#include "replication/wire.hpp"

namespace sim {

using namespace chat::replication;

struct world_params {
  unsigned members = 3;
  double loss = 0.05, duplicate = 0.03;
  unsigned max_delay_ms = 20;     ///< usual delay; a few messages take much longer
  double store_step = 0.5;        ///< chance a store carries out an op, per try
  unsigned snapshot_threshold = 16, snapshot_trailing = 4;
};

class world;

struct member final : replica_host {
  member(world& w, std::uint64_t id) : w(w), id(id) {}

  void send(std::uint64_t to, std::string bytes) override;
  std::uint64_t now_ms() override;
  int random(int min, int max) override;
  void on_change(role r, std::uint64_t leader, std::uint64_t term) override;

  world& w;
  const std::uint64_t id;
  memory_state_machine sm;
  memory_log_store store{sm};
  std::unique_ptr<replica> r; // null while down
  std::uint64_t down_until = 0, stall_until = 0, next_tick = 0;
  std::uint64_t resync_to = 0; // after a wipe: caught up once applied this far
  bool resyncing = false;
  std::size_t checked = 0;     // sm items already checked against the world
};

struct acked_command {
  std::string cmd;
  std::uint64_t index;
};

class world {
public:
  world(std::uint64_t seed, world_params p) : p(p), rng(seed) {
    for (unsigned k = 1; k <= p.members; ++k) members.push_back(std::make_unique<member>(*this, k));
    cut.assign(p.members + 1, std::vector<bool>(p.members + 1, false));
    for (auto& m : members) start(*m);
  }

  // --- randomness ---------------------------------------------------------
  bool chance(double q) { return std::uniform_real_distribution<double>(0, 1)(rng) < q; }
  std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
  }
  member& any() { return *members[uniform(0, members.size() - 1)]; }
  member& at(std::uint64_t id) { return *members[id - 1]; }

  void trace(const char* what, std::uint64_t id, std::uint64_t x = 0) {
    if (tracing) std::fprintf(stderr, "%8llu %-14s m%llu %llu\n", (unsigned long long)now,
                              what, (unsigned long long)id, (unsigned long long)x);
  }
  void dump() {
    for (auto& m : members) {
      if (!m->r) { std::fprintf(stderr, "m%llu down\n", (unsigned long long)m->id); continue; }
      auto st = m->r->status();
      std::fprintf(stderr, "m%llu %s term %llu leader %llu commit %llu applied %llu last %llu snap %llu pending %zu store last %llu\n",
                   (unsigned long long)m->id, role_name(st.state), (unsigned long long)st.term,
                   (unsigned long long)st.leader, (unsigned long long)st.commit_index,
                   (unsigned long long)st.applied_index, (unsigned long long)st.last_index,
                   (unsigned long long)st.snapshot_index, m->store.pending(),
                   (unsigned long long)m->store.last_index());
    }
  }
  void violation(std::string what) {
    if (tracing && violations.empty()) dump();
    if (violations.empty()) violations.push_back("t=" + std::to_string(now) + "ms: " + what);
    trace(what.c_str(), 0);
  }

  // --- members ------------------------------------------------------------
  void start(member& m) {
    replica_config cfg;
    cfg.group = 1;
    cfg.self = m.id;
    for (auto& o : members) cfg.voters.push_back(o->id);
    cfg.tick_ms = tick_ms;
    cfg.heartbeat_ms = 50;
    cfg.election_timeout_ms = 300;
    cfg.snapshot_threshold = p.snapshot_threshold;
    cfg.snapshot_trailing = p.snapshot_trailing;
    m.r = std::make_unique<replica>(cfg, m, m.store, m.sm);
    m.checked = 0;
    std::string error;
    if (!m.r->start(&error)) violation("m" + std::to_string(m.id) + " start: " + error);
    m.next_tick = now + uniform(1, tick_ms);
    trace("start", m.id, m.store.last_index());
  }

  enum class stop_mode { restart, crash, wipe };
  // restart: a clean stop (queued store work finishes) and an immediate start;
  // crash: queued work is lost, down for `down_ms`; wipe: the disk is lost too.
  void stop(member& m, stop_mode how, std::uint64_t down_ms = 0) {
    if (!m.r) return;
    if (how == stop_mode::restart)
      while (m.store.step()) {}
    m.r.reset(); // pending done callbacks run with `failed`
    if (how != stop_mode::restart) m.store.crash();
    if (how == stop_mode::wipe) {
      m.store.wipe();
      m.resyncing = true;
      m.resync_to = 0; // as far as any log reached: everything committed so far
      for (auto& o : members) m.resync_to = std::max(m.resync_to, o->store.last_index());
    }
    m.checked = 0;
    trace(how == stop_mode::restart ? "restart" : how == stop_mode::crash ? "crash" : "wipe", m.id, down_ms);
    if (how == stop_mode::restart) start(m);
    else m.down_until = now + down_ms;
  }

  // The fault model a lost disk stays safe in: one member at a time, rebuilt
  // from the others before the next loss, in a group past its first entry
  // (members still at the bootstrap entry vote for each other by design).
  // Rebuilt as the world sees it (applied what was there at the loss) and as
  // the member itself does (its durable resyncing marker is gone): until
  // then it refuses votes, and a second loss could leave no majority that
  // can elect anyone.
  bool wipe_allowed() const {
    for (auto& m : members)
      if (m->resyncing || m->store.resyncing() ||
          (m->store.last_index() <= 1 && !m->store.snapshot_index()))
        return false;
    return true;
  }

  // --- network ------------------------------------------------------------
  void post(std::uint64_t from, std::uint64_t to, std::string bytes) {
    if (cut[from][to] || chance(p.loss)) return;
    const int copies = chance(p.duplicate) ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      const std::uint64_t delay = chance(0.03) ? uniform(1, 400) : uniform(1, p.max_delay_ms);
      wire.push({now + delay, rng(), from, to, bytes});
    }
  }

  void heal_network() {
    for (auto& row : cut) row.assign(row.size(), false);
  }
  void isolate(std::uint64_t id) {
    for (std::uint64_t k = 1; k <= p.members; ++k) cut[id][k] = cut[k][id] = k != id;
  }
  void split() {
    std::vector<int> side(p.members + 1);
    for (auto& s : side) s = static_cast<int>(uniform(0, 1));
    for (std::uint64_t a = 1; a <= p.members; ++a)
      for (std::uint64_t b = 1; b <= p.members; ++b) cut[a][b] = side[a] != side[b];
  }

  // --- clients --------------------------------------------------------------
  std::uint64_t leader_hint() const { return hint; }

  void propose(member& m) {
    if (!m.r) return;
    std::string cmd = "c" + std::to_string(next_cmd++);
    m.r->propose(cmd, [this, id = m.id, cmd](outcome o) {
      if (o != outcome::applied) return;
      // Applied here: find where (the end of the data, give or take).
      const auto& d = at(id).sm.data();
      for (auto it = d.rbegin(); it != d.rend(); ++it)
        if (it->second == cmd) return acked.push_back({cmd, it->first});
      violation("m" + std::to_string(id) + " acked " + cmd + " it did not apply");
    });
  }

  // A read barrier: once applied, every command acked before it is applied here.
  void barrier(member& m) {
    if (!m.r) return;
    m.r->barrier([this, id = m.id, before = acked.size()](outcome o) {
      if (o != outcome::applied) return;
      ++barriers_applied;
      const auto& d = at(id).sm.data();
      for (std::size_t k = 0; k < before; ++k) {
        auto it = std::lower_bound(d.begin(), d.end(), acked[k].index,
                                   [](const auto& a, std::uint64_t i) { return a.first < i; });
        if (it == d.end() || it->first != acked[k].index || it->second != acked[k].cmd)
          return violation("m" + std::to_string(id) + " barrier misses " + acked[k].cmd);
      }
    });
  }

  struct in_flight;
  // Debugging aid (SIM_MSGS=<ms> with SIM_SEED): each delivery and its receiver.
  void trace_message(const in_flight& msg, member& m) {
    auto u = [](std::uint64_t x) { return static_cast<unsigned long long>(x); };
    chat::replication::wire::header h;
    raft_message rm;
    if (!chat::replication::wire::decode(msg.bytes, h, rm)) return;
    std::fprintf(stderr, "%8llu msg %llu->%llu type %d", u(now), u(msg.from), u(msg.to), rm.type);
    if (rm.type == RAFT_IO_REQUEST_VOTE) {
      const auto& a = rm.request_vote;
      std::fprintf(stderr, " rv term %llu last %llu/%llu pre %d", u(a.term), u(a.last_log_index), u(a.last_log_term), a.pre_vote);
    } else if (rm.type == RAFT_IO_REQUEST_VOTE_RESULT) {
      const auto& a = rm.request_vote_result;
      std::fprintf(stderr, " rvr term %llu granted %d", u(a.term), a.vote_granted);
    } else if (rm.type == RAFT_IO_APPEND_ENTRIES) {
      const auto& a = rm.append_entries;
      std::fprintf(stderr, " ae term %llu prev %llu/%llu n %u commit %llu", u(a.term), u(a.prev_log_index),
                   u(a.prev_log_term), a.n_entries, u(a.leader_commit));
    } else if (rm.type == RAFT_IO_APPEND_ENTRIES_RESULT) {
      const auto& a = rm.append_entries_result;
      std::fprintf(stderr, " aer term %llu rej %llu last %llu", u(a.term), u(a.rejected), u(a.last_log_index));
    } else if (rm.type == RAFT_IO_INSTALL_SNAPSHOT) {
      const auto& a = rm.install_snapshot;
      std::fprintf(stderr, " is term %llu last %llu/%llu", u(a.term), u(a.last_index), u(a.last_term));
    }
    if (m.r) {
      auto st = m.r->status();
      std::fprintf(stderr, " [%s t%llu c%llu a%llu l%llu s%llu p%zu]", role_name(st.state), u(st.term),
                   u(st.commit_index), u(st.applied_index), u(st.last_index), u(st.snapshot_index), m.store.pending());
    }
    std::fprintf(stderr, m.r ? "\n" : " (down)\n");
    chat::replication::wire::release(rm);
  }

  // --- time -------------------------------------------------------------------
  // One millisecond: deliveries, ticks, store progress, restarts, checks.
  void step_ms() {
    ++now;
    while (!wire.empty() && wire.top().at <= now) {
      auto msg = wire.top();
      wire.pop();
      auto& m = at(msg.to);
      if (trace_messages_after && now > trace_messages_after) trace_message(msg, m);
      if (m.r && !cut[msg.from][msg.to]) m.r->receive(msg.bytes);
    }
    for (auto& m : members) {
      if (!m->r && m->down_until <= now) start(*m);
      if (!m->r) continue;
      if (m->next_tick <= now) {
        m->next_tick += tick_ms;
        m->r->tick();
      }
      if (m->stall_until > now) continue;
      for (int k = 0; k < 4 && m->r && m->store.pending() && chance(p.store_step); ++k) m->store.step();
    }
    for (auto& m : members) check(*m);
  }

  // Newly applied items agree with what every other member applied.
  void check(member& m) {
    const auto& d = m.sm.data();
    if (m.sm.conflict()) violation("m" + std::to_string(m.id) + " replay conflict");
    // Data replaced underneath (crash, installed snapshot): check it all again.
    if (m.checked > d.size() || (m.checked && d[m.checked - 1] != last_checked[m.id])) m.checked = 0;
    for (; m.checked < d.size(); ++m.checked) {
      const auto& [index, cmd] = d[m.checked];
      auto [it, fresh] = at_index.emplace(index, cmd);
      if (!fresh && it->second != cmd)
        violation("index " + std::to_string(index) + ": " + it->second + " vs " + cmd + " on m" +
                  std::to_string(m.id));
      auto [jt, fresh2] = index_of.emplace(cmd, index);
      if (!fresh2 && jt->second != index) violation(cmd + " at two indices");
    }
    if (m.checked) last_checked[m.id] = d[m.checked - 1];
    if (m.resyncing && m.r && m.r->status().applied_index >= m.resync_to) m.resyncing = false;
  }

  void on_change(member& m, role r, std::uint64_t leader, std::uint64_t term) {
    if (tracing)
      std::fprintf(stderr, "%8llu m%llu %s of term %llu, leader m%llu\n", (unsigned long long)now,
                   (unsigned long long)m.id, role_name(r), (unsigned long long)term, (unsigned long long)leader);
    if (leader == 0) return;
    auto [it, fresh] = leader_of.emplace(term, leader);
    if (!fresh && it->second != leader)
      violation("term " + std::to_string(term) + " has leaders m" + std::to_string(it->second) +
                " and m" + std::to_string(leader) + " (seen by m" + std::to_string(m.id) + ")");
    if (term >= hint_term) hint = leader, hint_term = term;
  }

  struct in_flight {
    std::uint64_t at, order, from, to;
    std::string bytes;
    bool operator<(const in_flight& o) const { return at != o.at ? at > o.at : order > o.order; }
  };

  static constexpr unsigned tick_ms = 10;
  world_params p;
  std::mt19937_64 rng;
  std::uint64_t now = 0;
  bool tracing = false;
  std::uint64_t trace_messages_after = 0;
  std::vector<std::unique_ptr<member>> members;
  std::vector<std::vector<bool>> cut; // cut[from][to]: messages dropped
  std::priority_queue<in_flight> wire;
  std::vector<std::string> violations;
  std::vector<acked_command> acked;
  std::uint64_t next_cmd = 1, barriers_applied = 0;
  std::map<std::uint64_t, std::uint64_t> leader_of; // term -> leader
  std::uint64_t hint = 0, hint_term = 0;
  std::unordered_map<std::uint64_t, std::string> at_index;
  std::unordered_map<std::string, std::uint64_t> index_of;
  std::unordered_map<std::uint64_t, memory_state_machine::item> last_checked;
};

inline void member::send(std::uint64_t to, std::string bytes) { w.post(id, to, std::move(bytes)); }
inline std::uint64_t member::now_ms() { return w.now; }
inline int member::random(int min, int max) {
  return static_cast<int>(w.uniform(0, static_cast<std::uint64_t>(max - min))) + min;
}
inline void member::on_change(role r, std::uint64_t leader, std::uint64_t term) {
  w.on_change(*this, r, leader, term);
}

} // namespace sim
