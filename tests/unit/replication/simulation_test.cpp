// Deterministic simulation of whole consensus groups (sim_world.hpp): seeded
// chaos (lossy network, partitions, crashes, restarts, lost disks, store
// stalls, leadership transfers) with clients proposing all along, then a heal
// and quiet run that must elect a leader, apply a proposal and converge.
//
//   SIM_SEED=n    run only seed n (per test case), tracing events to stderr
//   SIM_MSGS=t    with SIM_SEED: also trace every delivery after t ms
//   SIM_SEEDS=n   seeds for 3 members (5 members get n/3); default 300
//   SIM_FIRST=n   first seed of the range (default 1)
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "sim_world.hpp"

using namespace sim;

namespace {

struct run_result {
  std::vector<std::string> violations;
  std::size_t acked = 0;
};

std::uint64_t env(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// One fault, chosen at random.
void fault(world& w) {
  member& m = w.any();
  switch (w.uniform(0, 11)) {
    case 0: case 1: w.split(); w.trace("split", 0); break;
    case 2: w.isolate(w.leader_hint()); w.trace("isolate", w.leader_hint()); break;
    case 3: { // one way
      const auto a = w.any().id, b = w.any().id;
      w.cut[a][b] = true;
      w.trace("cut", a, b);
      break;
    }
    case 4: case 5: w.heal_network(); w.trace("heal", 0); break;
    case 6: w.stop(m, world::stop_mode::crash, w.uniform(1, 1500)); break;
    case 7: w.stop(m, world::stop_mode::restart); break;
    case 8: // lost disk: one member at a time, rebuilt from the others
      if (w.wipe_allowed()) w.stop(m, world::stop_mode::wipe, w.uniform(1, 1000));
      break;
    case 9: m.stall_until = w.now + w.uniform(10, 800); w.trace("stall", m.id); break;
    case 10:
      if (auto& l = w.at(w.leader_hint() ? w.leader_hint() : 1); l.r) {
        const auto to = w.chance(0.5) ? 0 : w.any().id;
        w.trace("transfer", l.id, to);
        l.r->transfer(to == l.id ? 0 : to);
      }
      break;
    case 11: w.p.loss = w.chance(0.5) ? 0.0 : 0.02 * static_cast<double>(w.uniform(1, 10)); break;
  }
}

// A client request to whoever seems to lead (sometimes to anyone).
void client(world& w) {
  member& m = w.leader_hint() && w.chance(0.85) ? w.at(w.leader_hint()) : w.any();
  if (w.chance(0.05)) w.barrier(m);
  else w.propose(m);
}

run_result simulate(std::uint64_t seed, unsigned members, bool trace) {
  std::mt19937_64 pick(seed * 1000003 + members);
  world_params p;
  p.members = members;
  p.loss = 0.01 * static_cast<double>(pick() % 10);
  p.duplicate = 0.01 * static_cast<double>(pick() % 6);
  p.max_delay_ms = 2 + static_cast<unsigned>(pick() % 40);
  p.store_step = 0.2 + 0.1 * static_cast<double>(pick() % 8);
  p.snapshot_threshold = 4 + static_cast<unsigned>(pick() % 40);
  p.snapshot_trailing = 1 + static_cast<unsigned>(pick() % 12);
  const double fault_rate = 1.0 / static_cast<double>(50 + pick() % 400);
  const double client_rate = 0.01 + 0.01 * static_cast<double>(pick() % 8);
  const std::uint64_t chaos_ms = 4000 + pick() % 8000;

  world w(seed, p);
  w.tracing = trace;
  if (trace) w.trace_messages_after = env("SIM_MSGS", 0);
  run_result out;
  auto fail = [&](std::string why) {
    w.violation(std::move(why));
    out.violations = w.violations;
    return out;
  };

  // Chaos.
  while (w.now < chaos_ms && w.violations.empty()) {
    if (w.chance(fault_rate)) fault(w);
    if (w.chance(client_rate)) client(w);
    w.step_ms();
  }

  // Heal: every member up and connected, no loss, stores keep up.
  w.heal_network();
  w.p.loss = 0;
  w.p.store_step = 0.9;
  for (auto& m : w.members) m->stall_until = 0, m->down_until = std::min(m->down_until, w.now + 1);
  w.trace("heal all", 0);

  // Liveness: a leader applies a proposal within bounded time.
  const std::uint64_t healed = w.now;
  const std::size_t acked_before = w.acked.size();
  while (w.acked.size() == acked_before && w.violations.empty()) {
    if (w.now > healed + 15000) return fail("no proposal applied within 15 s of the heal");
    if (w.now % 200 == 0) client(w);
    w.step_ms();
  }

  // Convergence: every member applies the same commands, within bounded time.
  const std::uint64_t quiet = w.now;
  for (;;) {
    if (!w.violations.empty()) break;
    if (w.now > quiet + 20000) return fail("no convergence within 20 s of the heal");
    w.step_ms();
    if (w.now % 50) continue;
    bool same = true;
    for (auto& m : w.members) {
      same = same && m->r && m->sm.data() == w.members[0]->sm.data() &&
             m->r->status().applied_index == w.members[0]->r->status().applied_index;
    }
    if (same) break;
  }

  // Every acked command is in every member's data, at its index, once.
  for (auto& m : w.members) {
    if (!w.violations.empty()) break;
    const auto& d = m->sm.data();
    std::unordered_map<std::string, std::uint64_t> where;
    for (const auto& [index, cmd] : d)
      if (!where.emplace(cmd, index).second) w.violation(cmd + " applied twice on m" + std::to_string(m->id));
    for (const auto& a : w.acked) {
      auto it = where.find(a.cmd);
      if (it == where.end() || it->second != a.index)
        w.violation("m" + std::to_string(m->id) + " lacks acked " + a.cmd + " at " + std::to_string(a.index));
    }
  }
  out.violations = w.violations;
  out.acked = w.acked.size();
  return out;
}

// Every failing seed is reported (a long run shows them all, not the first).
void run_seeds(unsigned members, std::uint64_t seeds) {
  const std::uint64_t only = env("SIM_SEED", 0);
  const std::uint64_t from = env("SIM_FIRST", 1);
  const std::uint64_t first = only ? only : from, last = only ? only : from + seeds - 1;
  std::size_t acked = 0;
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    auto r = simulate(seed, members, only != 0);
    acked += r.acked;
    INFO("members " << members << ", seed " << seed << " (re-run: SIM_SEED=" << seed << ")");
    if (!r.violations.empty()) FAIL_CHECK(r.violations.front());
  }
  CHECK(acked > 0);
}

} // namespace

TEST_CASE("simulated 3-member groups stay safe and live", "[replication][simulation]") {
  run_seeds(3, env("SIM_SEEDS", 300));
}

TEST_CASE("simulated 5-member groups stay safe and live", "[replication][simulation]") {
  run_seeds(5, env("SIM_SEEDS", 300) / 3);
}
