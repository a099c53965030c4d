#include "replication/replica.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>

#include "replication/wire.hpp"

// Notes on libraft 0.15 that shape this file (checked in its source):
// - io->send must not run the send callback before returning: the library
//   still touches the request afterwards (sendAppendEntries updates progress
//   after send). Every callback into the library is therefore deferred to the
//   end of the current entry point (`scope`), never run from inside it.
// - 0.15 lacks several later safety fixes; the glue works around the ones our
//   I/O can trigger (see tick(), receive() and complete_append()):
//   * a leader may commit an entry of an older term by counting replicas
//     (fixed upstream by 524f735 + 29bb302): we append a barrier as soon as we
//     lead and drop AppendEntries results while our last stored entry is from
//     an older term (dropping a message is always safe);
//   * a follower may start an election, or obey TimeoutNow, while its own
//     appends or a snapshot install are still in flight, and a re-elected
//     leader would then count old-term appends (634cb11, f65b6e7, 4fbd3c0):
//     we hold ticks and TimeoutNow back while store writes are pending;
//   * a follower answers for an append that finished after its term changed,
//     possibly to a new leader whose log differs (35479fc): we drop that answer;
//   * a leader's append that fails (or is cancelled at close) truncates the
//     log from its first index even when an earlier failure already did
//     (8b9c95c checks the index): io_close cancels appends newest first;
//   * a follower whose term is bumped by a vote request keeps its old
//     current_leader, so raft_leader() names a member that does not lead the
//     new term: we report a follower's leader only for the term we heard
//     from it in (current_leader());
//   * a follower rejects AppendEntries whose previous index lies behind its
//     own snapshot (the entry is compacted away), the leader then backs off
//     to index 1 and the follower appends entries at indices its snapshot
//     already covers, corrupting its log (a duplicated or late AppendEntries
//     after a compaction is enough; still so upstream in 0.17): receive()
//     trims such a message to start at the snapshot (trim_to_snapshot());
//   * a member refusing a pre-vote answers with the request's term even when
//     its own is higher (also upstream), so a pre-candidate with the longest
//     log but a stale term never learns the term it must exceed, while those
//     with the higher term have shorter logs: no one can win (simulation, 5
//     members, seed 756). io_send answers such a refusal with our term; the
//     library's pre-candidate already adopts a higher term from a result.
//   * a follower accepting AppendEntries without new entries reports its whole
//     log as matching (last_log_index = last_stored), stale entries past the
//     leader's included; the leader then takes them for matched, ignores the
//     rejections that follow and never repairs that follower (also in 0.17):
//     io_send caps the reported index at what the message matched.

namespace chat::replication {

const char* role_name(role r) noexcept {
  switch (r) {
    case role::unavailable: return "unavailable";
    case role::follower: return "follower";
    case role::candidate: return "candidate";
    case role::leader: return "leader";
  }
  return "?";
}

namespace {

using transfer_req = struct raft_transfer; // the struct, not the function

// The marker a compaction snapshot carries instead of data (see log_store.hpp).
constexpr char snapshot_marker[] = "in-place";

outcome map_status(int status, bool closing) {
  if (closing) return outcome::failed;
  switch (status) {
    case 0: return outcome::applied;
    case RAFT_NOTLEADER: return outcome::not_leader;
    case RAFT_LEADERSHIPLOST: return outcome::leadership_lost;
    default: return outcome::failed;
  }
}

role to_role(int state) {
  switch (state) {
    case RAFT_FOLLOWER: return role::follower;
    case RAFT_CANDIDATE: return role::candidate;
    case RAFT_LEADER: return role::leader;
    default: return role::unavailable;
  }
}

// Entries in the library's in-memory log (struct raft_log is public in 0.15).
std::size_t log_size(const raft_log& l) {
  return l.back >= l.front ? l.back - l.front : l.size - l.front + l.back;
}

// Term of `index` in the library's in-memory log; 0 when unknown.
raft_term term_of(const raft_log& l, raft_index index) {
  if (index == 0) return 0;
  if (index == l.snapshot.last_index) return l.snapshot.last_term;
  const std::size_t n = log_size(l);
  if (index <= l.offset || index > l.offset + n) return 0;
  return l.entries[(l.front + (index - 1 - l.offset)) % l.size].term;
}

// Entries up to a follower's snapshot are committed, so every leader's log
// holds the same ones: an AppendEntries reaching back behind the snapshot is
// cut down to the part after it, with the snapshot as its previous entry.
void trim_to_snapshot(const raft_log& l, raft_append_entries& a) {
  const raft_index s = l.snapshot.last_index;
  if (s == 0 || a.prev_log_index >= s) return;
  const std::size_t k = std::min<std::size_t>(a.n_entries, s - a.prev_log_index);
  if (k == a.n_entries) {
    if (a.entries) raft_free(a.entries[0].batch), raft_free(a.entries);
    a.entries = nullptr;
    a.n_entries = 0;
  } else {
    std::memmove(a.entries, a.entries + k, (a.n_entries - k) * sizeof(raft_entry));
    a.n_entries -= static_cast<unsigned>(k);
  }
  a.prev_log_index = s;
  a.prev_log_term = l.snapshot.last_term;
}

bool to_raft_configuration(const std::string& bytes, raft_configuration& out) {
  raft_configuration_init(&out);
  return wire::decode_configuration(bytes, out);
}

} // namespace

struct replica::impl {
  struct apply_req {
    struct raft_apply req{};
    impl* self = nullptr;
    done_fn done;
  };
  struct barrier_req {
    struct raft_barrier req{};
    impl* self = nullptr;
    done_fn done;
  };
  struct pending_append {
    raft_io_append* req;
    raft_io_append_cb cb;
    raft_term term;     // the term when submitted
    bool as_follower;   // submitted while following
    raft_index first;   // index of its first entry
  };
  struct pending_put {
    raft_io_snapshot_put* req;
    raft_io_snapshot_put_cb cb;
    unsigned trailing;
    raft_buffer* bufs; // install only: the array libraft leaks on failure
  };
  struct pending_get {
    raft_io_snapshot_get* req;
    raft_io_snapshot_get_cb cb;
  };

  replica_config cfg;
  replica_host& host;
  log_store& store;
  state_machine& sm;

  raft r{};
  raft_io io{};
  raft_fsm fsm{};
  bool inited = false;
  bool closing = false;
  // Completions the store runs after we are gone check this first.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  raft_io_tick_cb tick_cb = nullptr;
  raft_io_recv_cb recv_cb = nullptr;

  int depth = 0;
  std::deque<std::function<void()>> deferred;
  std::uint64_t next_seq = 1;
  std::map<std::uint64_t, pending_append> appends;
  std::map<std::uint64_t, pending_put> puts;
  std::map<std::uint64_t, pending_get> gets;
  bool drop_results = false; // set while a stale follower append completes
  raft_index match_cap = 0;  // while receiving AppendEntries: prev + entries
  // When each member last answered an AppendEntries of ours in our term
  // (host ms): the leader's read lease (replica_status::quorum_heard_ms).
  std::map<std::uint64_t, std::uint64_t> answered_ms;
  std::size_t in_flight = 0;
  std::string peer_address;

  // Term in which this follower last heard from its leader (see the notes).
  std::uint64_t leader_term = 0;
  // Fresh-member vote guard, see replica::receive(); lifted once a result
  // accepts entries up to `lift_at`, the highest commit index a leader told.
  // Mirrors the store's resyncing marker (set_resyncing), so that it outlives
  // restarts; `lift_at` need not: the next leader's message tells it again.
  bool fresh = false;
  raft_index lift_at = ~raft_index{0};

  replica_counters counters;
  role seen_role = role::unavailable;
  std::uint64_t seen_leader = 0, seen_term = 0;

  impl(replica_config c, replica_host& h, log_store& l, state_machine& s)
      : cfg(std::move(c)), host(h), store(l), sm(s) {}

  static impl* of(raft_io* io) { return static_cast<impl*>(io->impl); }
  static impl* of(raft_fsm* f) { return static_cast<impl*>(f->data); }

  // --- entry points -------------------------------------------------------

  // Runs `f` as an entry point: what it defers runs once the library has
  // returned, then role/leader/term changes are reported.
  template <class F>
  void scope(F&& f) {
    ++depth;
    f();
    if (depth == 1) {
      do { // check_change() may start a barrier, which defers more
        while (!deferred.empty()) {
          auto next = std::move(deferred.front());
          deferred.pop_front();
          next();
        }
        if (!closing) check_change();
      } while (!deferred.empty());
    }
    --depth;
  }

  // Runs `f` now if outside any entry point, else after the current one.
  void later(std::function<void()> f) {
    if (depth > 0) deferred.push_back(std::move(f));
    else scope(f);
  }

  // The leader of the current term as far as we know (0: unknown).
  raft_id current_leader() {
    raft_id leader = 0;
    const char* address = nullptr;
    raft_leader(&r, &leader, &address);
    if (r.state == RAFT_FOLLOWER && leader_term != r.current_term) return 0;
    return leader;
  }

  void check_change() {
    if (!inited) return;
    const role now = to_role(r.state);
    const raft_id leader = current_leader();
    if (now == seen_role && leader == seen_leader && r.current_term == seen_term) return;
    if (now == role::leader && seen_role != role::leader) {
      ++counters.elections_won;
      lift_guard(); // a majority's logs were no longer than ours: nothing lost
      // A fresh leader commits nothing of older terms until an entry of its
      // own term is committed: append one now (upstream 29bb302 does this).
      start_barrier(nullptr);
    }
    if (leader != 0 && leader != seen_leader) ++counters.leader_changes;
    seen_role = now;
    seen_leader = leader;
    seen_term = r.current_term;
    host.on_change(now, leader, r.current_term);
  }

  // Ends the fresh-member guard, durably first: should the marker not clear,
  // the guard stays (dropping votes is safe) and the next chance retries.
  void lift_guard() {
    if (!fresh || !store.set_resyncing(false)) return;
    fresh = false;
    lift_at = ~raft_index{0};
  }

  // --- raft_io ------------------------------------------------------------

  static int io_init(raft_io*, raft_id, const char*) { return 0; }

  static void io_close(raft_io* io, raft_io_close_cb cb) {
    auto* self = of(io);
    // Cancel what the store has not finished; its late completions find
    // nothing in the maps (and `alive` false once we are gone).
    auto appends = std::move(self->appends);
    auto puts = std::move(self->puts);
    auto gets = std::move(self->gets);
    // Newest first: a cancelled leader append truncates from its index on.
    // That truncation has no bounds check (asserts only): when the log no
    // longer reaches the append's index (it stepped down and a new leader's
    // entries replaced its own), it would run off the log. Such an append is
    // reported done instead: with the library closing, that only releases
    // its entries.
    for (auto it = appends.rbegin(); it != appends.rend(); ++it) {
      const auto& p = it->second;
      const raft_index offset = self->r.log.offset, last = offset + log_size(self->r.log);
      const bool in_log = p.first > offset && p.first <= last;
      p.cb(p.req, !p.as_follower && !in_log ? 0 : RAFT_CANCELED);
    }
    for (auto& [seq, p] : puts) {
      p.cb(p.req, RAFT_CANCELED);
      // installSnapshotCb's failure path frees data and configuration but
      // not the buffer array it allocated.
      if (p.bufs) raft_free(p.bufs);
    }
    for (auto& [seq, p] : gets) p.cb(p.req, nullptr, RAFT_CANCELED);
    while (!self->deferred.empty()) {
      auto next = std::move(self->deferred.front());
      self->deferred.pop_front();
      next();
    }
    cb(io);
  }

  static int io_load(raft_io* io, raft_term* term, raft_id* vote, raft_snapshot** snapshot,
                     raft_index* start_index, raft_entry* entries[], size_t* n_entries) {
    auto* self = of(io);
    persisted_state st;
    std::string error;
    if (!self->store.load(&st, &error)) {
      std::snprintf(io->errmsg, sizeof io->errmsg, "load: %s", error.c_str());
      return RAFT_IOERR;
    }
    *term = st.term;
    *vote = st.vote;
    *snapshot = nullptr;
    *start_index = st.start_index;
    *entries = nullptr;
    *n_entries = 0;
    if (st.snapshot) {
      // Restored through fsm restore, which frees the one buffer.
      auto* s = static_cast<raft_snapshot*>(raft_calloc(1, sizeof(raft_snapshot)));
      s->index = st.snapshot->index;
      s->term = st.snapshot->term;
      s->configuration_index = st.snapshot->configuration_index;
      if (!to_raft_configuration(st.snapshot->configuration, s->configuration)) {
        raft_free(s);
        std::snprintf(io->errmsg, sizeof io->errmsg, "load: bad snapshot configuration");
        return RAFT_CORRUPT;
      }
      s->bufs = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
      s->bufs[0].len = sizeof snapshot_marker;
      s->bufs[0].base = raft_malloc(sizeof snapshot_marker);
      std::memcpy(s->bufs[0].base, snapshot_marker, sizeof snapshot_marker);
      s->n_bufs = 1;
      *snapshot = s;
    }
    if (!st.entries.empty()) {
      // One batch for all payloads: the log frees it once no entry uses it.
      std::size_t total = 0;
      for (const auto& e : st.entries) total += e.data.size();
      auto* batch = static_cast<char*>(raft_malloc(total ? total : 1));
      auto* es = static_cast<raft_entry*>(raft_calloc(st.entries.size(), sizeof(raft_entry)));
      char* cursor = batch;
      for (std::size_t i = 0; i < st.entries.size(); ++i) {
        const auto& e = st.entries[i];
        es[i].term = e.term;
        es[i].type = e.type;
        std::memcpy(cursor, e.data.data(), e.data.size());
        es[i].buf.base = cursor;
        es[i].buf.len = e.data.size();
        es[i].batch = batch;
        cursor += e.data.size();
      }
      *entries = es;
      *n_entries = st.entries.size();
    }
    return 0;
  }

  static int io_start(raft_io* io, unsigned, raft_io_tick_cb tick, raft_io_recv_cb recv) {
    of(io)->tick_cb = tick;
    of(io)->recv_cb = recv;
    return 0;
  }

  static int io_bootstrap(raft_io* io, const raft_configuration* conf) {
    return of(io)->store.bootstrap(wire::encode_configuration(*conf)) ? 0 : RAFT_CANTBOOTSTRAP;
  }

  static int io_recover(raft_io*, const raft_configuration*) { return RAFT_INVALID; }

  static int io_set_term(raft_io* io, raft_term term) {
    return of(io)->store.set_term(term) ? 0 : RAFT_IOERR;
  }

  static int io_set_vote(raft_io* io, raft_id id) {
    return of(io)->store.set_vote(id) ? 0 : RAFT_IOERR;
  }

  static int io_send(raft_io* io, raft_io_send* req, const raft_message* m, raft_io_send_cb cb) {
    auto* self = of(io);
    const bool drop = self->drop_results && m->type == RAFT_IO_APPEND_ENTRIES_RESULT;
    raft_message out = *m;
    if (!drop && out.type == RAFT_IO_APPEND_ENTRIES_RESULT && out.append_entries_result.rejected == 0) {
      auto& last = out.append_entries_result.last_log_index;
      if (self->match_cap && last > self->match_cap) last = self->match_cap; // see the notes
      // Caught up with a leader's commit. The entries are durable: libraft
      // answers for new entries once stored, otherwise with at most last_stored.
      if (last >= self->lift_at) self->lift_guard();
    }
    // A pre-vote refused for a stale term: tell our term, not the request's
    // (see the notes; recvRequestVoteResult then moves the candidate up).
    if (out.type == RAFT_IO_REQUEST_VOTE_RESULT && out.request_vote_result.pre_vote == raft_tribool_true &&
        !out.request_vote_result.vote_granted && out.request_vote_result.term < self->r.current_term)
      out.request_vote_result.term = self->r.current_term;
    if (!drop) {
      if (out.type == RAFT_IO_INSTALL_SNAPSHOT) ++self->counters.snapshots_sent;
      self->host.send(out.server_id, wire::encode(self->cfg.group, self->cfg.self, out));
    }
    // The bytes are copied: the library may release what the message
    // references, but only after send returned.
    if (cb) self->later([req, cb] { cb(req, 0); });
    return 0;
  }

  static int io_append(raft_io* io, raft_io_append* req, const raft_entry entries[], unsigned n,
                       raft_io_append_cb cb) {
    auto* self = of(io);
    std::vector<log_entry> copy(n);
    for (unsigned i = 0; i < n; ++i) {
      copy[i].term = entries[i].term;
      copy[i].type = static_cast<std::uint8_t>(entries[i].type);
      copy[i].data.assign(static_cast<const char*>(entries[i].buf.base), entries[i].buf.len);
    }
    const auto seq = self->next_seq++;
    // First index: everything before this append is stored or queued.
    const raft_index first = raft_last_index(&self->r) - n + 1;
    self->appends[seq] = {req, cb, self->r.current_term, self->r.state == RAFT_FOLLOWER, first};
    std::weak_ptr<bool> alive = self->alive;
    self->store.append(first, std::move(copy), [self, alive, seq](bool ok) {
      if (alive.expired()) return;
      self->later([self, seq, ok] { self->complete_append(seq, ok); });
    });
    return 0;
  }

  void complete_append(std::uint64_t seq, bool ok) {
    auto it = appends.find(seq);
    if (it == appends.end()) return;
    auto p = it->second;
    appends.erase(it);
    // 35479fc: a follower append that outlived its term must not be
    // acknowledged to whoever leads now.
    drop_results = p.as_follower && r.current_term != p.term;
    p.cb(p.req, ok ? 0 : RAFT_IOERR);
    drop_results = false;
  }

  static int io_truncate(raft_io* io, raft_index index) {
    of(io)->store.truncate(index);
    return 0;
  }

  static int io_snapshot_put(raft_io* io, unsigned trailing, raft_io_snapshot_put* req,
                             const raft_snapshot* s, raft_io_snapshot_put_cb cb) {
    auto* self = of(io);
    raft_configuration conf = s->configuration;
    snapshot_meta meta{s->index, s->term, wire::encode_configuration(conf), s->configuration_index};
    std::string data;
    if (trailing == 0) // installing a leader's image: the data goes with it
      for (unsigned i = 0; i < s->n_bufs; ++i)
        data.append(static_cast<const char*>(s->bufs[i].base), s->bufs[i].len);
    const auto seq = self->next_seq++;
    self->puts[seq] = {req, cb, trailing, trailing == 0 ? s->bufs : nullptr};
    std::weak_ptr<bool> alive = self->alive;
    self->store.put_snapshot(std::move(meta), std::move(data), trailing, [self, alive, seq](bool ok) {
      if (alive.expired()) return;
      self->later([self, seq, ok] {
        auto it = self->puts.find(seq);
        if (it == self->puts.end()) return;
        auto p = it->second;
        self->puts.erase(it);
        if (ok) ++(p.trailing == 0 ? self->counters.snapshots_installed : self->counters.snapshots_taken);
        p.cb(p.req, ok ? 0 : RAFT_IOERR);
        if (!ok && p.bufs) raft_free(p.bufs); // see io_close
      });
    });
    return 0;
  }

  static int io_snapshot_get(raft_io* io, raft_io_snapshot_get* req, raft_io_snapshot_get_cb cb) {
    auto* self = of(io);
    const auto seq = self->next_seq++;
    self->gets[seq] = {req, cb};
    std::weak_ptr<bool> alive = self->alive;
    self->store.get_snapshot([self, alive, seq](bool ok, snapshot_meta meta, std::string data) {
      if (alive.expired()) return;
      self->later([self, seq, ok, meta = std::move(meta), data = std::move(data)]() mutable {
        auto it = self->gets.find(seq);
        if (it == self->gets.end()) return;
        auto p = it->second;
        self->gets.erase(it);
        // The library owns what it gets: struct, array, buffer, configuration
        // (snapshotClose + raft_free after the send).
        raft_snapshot* s = nullptr;
        if (ok) {
          s = static_cast<raft_snapshot*>(raft_calloc(1, sizeof(raft_snapshot)));
          s->index = meta.index;
          s->term = meta.term;
          s->configuration_index = meta.configuration_index;
          if (!to_raft_configuration(meta.configuration, s->configuration)) {
            raft_free(s);
            s = nullptr;
            ok = false;
          }
        }
        if (!ok) return p.cb(p.req, nullptr, RAFT_IOERR);
        s->bufs = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
        s->bufs[0].len = data.size();
        s->bufs[0].base = raft_malloc(data.size() ? data.size() : 1);
        std::memcpy(s->bufs[0].base, data.data(), data.size());
        s->n_bufs = 1;
        p.cb(p.req, s, 0);
      });
    });
    return 0;
  }

  static raft_time io_time(raft_io* io) { return of(io)->host.now_ms(); }
  static int io_random(raft_io* io, int min, int max) { return of(io)->host.random(min, max); }

  static int io_async_work(raft_io*, raft_io_async_work* req, raft_io_async_work_cb cb) {
    // Unused with fsm version 2; run inline if ever called.
    const int status = req->work(req);
    cb(req, status);
    return 0;
  }

  // --- raft_fsm -----------------------------------------------------------

  static int fsm_apply(raft_fsm* f, const raft_buffer* buf, void** result) {
    auto* self = of(f);
    *result = nullptr;
    // replicationApply() raises last_applied only after this returns, and
    // calls us for commands only: the entry being applied is the next one.
    const std::uint64_t index = self->r.last_applied + 1;
    return self->sm.apply(index, {static_cast<const char*>(buf->base), buf->len}) ? 0 : RAFT_IOERR;
  }

  static int fsm_snapshot(raft_fsm* f, raft_buffer* bufs[], unsigned* n) {
    auto* self = of(f);
    if (!self->sm.make_durable()) return RAFT_BUSY; // retried at the next threshold
    // The data stays where it is; the snapshot only carries a marker.
    auto* b = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
    b->len = sizeof snapshot_marker;
    b->base = raft_malloc(sizeof snapshot_marker);
    std::memcpy(b->base, snapshot_marker, sizeof snapshot_marker);
    *bufs = b;
    *n = 1;
    return 0;
  }

  static int fsm_snapshot_finalize(raft_fsm*, raft_buffer* bufs[], unsigned* n) {
    // Version 2: the library leaves the buffers to us.
    for (unsigned i = 0; i < *n; ++i) raft_free((*bufs)[i].base);
    raft_free(*bufs);
    *bufs = nullptr;
    *n = 0;
    return 0;
  }

  static int fsm_restore(raft_fsm*, raft_buffer* buf) {
    // The data is in place already (put_snapshot wrote an installed image;
    // a loaded snapshot's data never left); we own the buffer.
    raft_free(buf->base);
    return 0;
  }

  // --- requests -------------------------------------------------------------

  static void apply_cb(struct raft_apply* req, int status, void*) {
    auto* a = static_cast<apply_req*>(req->data);
    auto* self = a->self;
    --self->in_flight;
    const outcome o = map_status(status, self->closing);
    self->later([done = std::move(a->done), o] { done(o); });
    delete a;
  }

  static void barrier_cb(struct raft_barrier* req, int status) {
    auto* b = static_cast<barrier_req*>(req->data);
    auto* self = b->self;
    if (b->done) {
      const outcome o = map_status(status, self->closing);
      self->later([done = std::move(b->done), o] { done(o); });
    }
    delete b;
  }

  void start_barrier(done_fn done) {
    auto* b = new barrier_req{{}, this, std::move(done)};
    b->req.data = b;
    const int rv = raft_barrier(&r, &b->req, barrier_cb);
    if (rv != 0) {
      if (b->done) later([done = std::move(b->done), o = map_status(rv, closing)] { done(o); });
      delete b;
    }
  }

  bool writes_pending() const { return !appends.empty() || !puts.empty(); }
};

replica::replica(replica_config cfg, replica_host& host, log_store& log, state_machine& fsm)
    : impl_(std::make_unique<impl>(std::move(cfg), host, log, fsm)) {
  auto& i = *impl_;
  i.io.version = 2;
  i.io.impl = &i;
  i.io.init = impl::io_init;
  i.io.close = impl::io_close;
  i.io.load = impl::io_load;
  i.io.start = impl::io_start;
  i.io.bootstrap = impl::io_bootstrap;
  i.io.recover = impl::io_recover;
  i.io.set_term = impl::io_set_term;
  i.io.set_vote = impl::io_set_vote;
  i.io.send = impl::io_send;
  i.io.append = impl::io_append;
  i.io.truncate = impl::io_truncate;
  i.io.snapshot_put = impl::io_snapshot_put;
  i.io.snapshot_get = impl::io_snapshot_get;
  i.io.time = impl::io_time;
  i.io.random = impl::io_random;
  i.io.async_work = impl::io_async_work;
  i.fsm.version = 2;
  i.fsm.data = &i;
  i.fsm.apply = impl::fsm_apply;
  i.fsm.snapshot = impl::fsm_snapshot;
  i.fsm.restore = impl::fsm_restore;
  i.fsm.snapshot_finalize = impl::fsm_snapshot_finalize;
}

replica::~replica() {
  auto& i = *impl_;
  *i.alive = false;
  i.alive.reset(); // store completions from now on find an expired token
  if (!i.inited) return;
  i.closing = true;
  ++i.depth; // everything deferred runs inside io_close, before it returns
  raft_close(&i.r, nullptr);
  --i.depth;
}

bool replica::start(std::string* error) {
  auto& i = *impl_;
  const std::string address = std::to_string(i.cfg.self);
  int rv = raft_init(&i.r, &i.io, &i.fsm, i.cfg.self, address.c_str());
  if (rv != 0) {
    if (error) *error = raft_errmsg(&i.r);
    return false;
  }
  i.inited = true;
  raft_set_heartbeat_timeout(&i.r, i.cfg.heartbeat_ms);
  raft_set_election_timeout(&i.r, i.cfg.election_timeout_ms);
  raft_set_snapshot_threshold(&i.r, i.cfg.snapshot_threshold);
  raft_set_snapshot_trailing(&i.r, i.cfg.snapshot_trailing);
  raft_set_install_snapshot_timeout(&i.r, i.cfg.election_timeout_ms * 5);
  // Pre-vote: a member that was cut off does not disrupt a working leader
  // with a higher term when it comes back.
  raft_set_pre_vote(&i.r, true);

  persisted_state st;
  std::string err;
  if (!i.store.load(&st, &err)) {
    if (error) *error = "load: " + err;
    return false;
  }
  // Fresh: the store says so (a member that lost its disk and restarted
  // before it caught up), or it is empty, or it holds only the bootstrap
  // entry. The marker goes down before bootstrap writes anything: a crash
  // between the two leaves a store that is empty but for the marker, and
  // that one bootstraps again. A store with only the bootstrap entry and no
  // marker (a store from before the marker, or a member of a new group that
  // won an election, cleared it and crashed before its barrier was stored)
  // is marked too: only conservative, as such a member has nothing a
  // candidate could lack.
  i.fresh = st.resyncing || (!st.snapshot && st.start_index + st.entries.size() <= 2);
  if (i.fresh && !st.resyncing && !i.store.set_resyncing(true)) {
    if (error) *error = "cannot persist the resyncing marker";
    return false;
  }
  if (st.term == 0 && !st.snapshot && st.entries.empty()) {
    raft_configuration conf;
    raft_configuration_init(&conf);
    for (auto id : i.cfg.voters) raft_configuration_add(&conf, id, std::to_string(id).c_str(), RAFT_VOTER);
    rv = raft_bootstrap(&i.r, &conf);
    raft_configuration_close(&conf);
    if (rv != 0) {
      if (error) *error = std::string("bootstrap: ") + raft_errmsg(&i.r);
      return false;
    }
  }
  i.scope([&] { rv = raft_start(&i.r); });
  if (rv != 0) {
    if (error) *error = std::string("start: ") + raft_errmsg(&i.r);
    return false;
  }
  return true;
}

void replica::tick() {
  auto& i = *impl_;
  if (!i.tick_cb) return;
  // Hold a follower's election timer while its writes are in flight
  // (upstream 634cb11/4fbd3c0): it must not campaign on entries it has not
  // stored, nor lead while its old appends can still complete.
  if (i.r.state == RAFT_FOLLOWER && i.writes_pending()) return;
  // A fresh member partway through catching up (see receive()) does not
  // campaign either: with one lagging voter it could win without the
  // entries it held before its disk was lost. With only the bootstrap entry
  // it may (a brand-new group elects its first leader that way).
  if (i.fresh && i.r.state == RAFT_FOLLOWER && raft_last_index(&i.r) > 1) return;
  i.scope([&] { i.tick_cb(&i.io); });
}

void replica::receive(std::string_view bytes) {
  auto& i = *impl_;
  if (!i.recv_cb) return;
  wire::header h;
  raft_message m;
  if (!wire::decode(bytes, h, m)) return;
  bool drop = h.group != i.cfg.group || h.to != i.cfg.self || h.from == i.cfg.self;
  // f65b6e7: no election on TimeoutNow while writes are in flight.
  if (m.type == RAFT_IO_TIMEOUT_NOW && (i.writes_pending() || i.fresh)) drop = true;
  // 524f735: a leader whose last stored entry is from an older term would
  // count replicas of that entry; wait until its own barrier is stored.
  if (m.type == RAFT_IO_APPEND_ENTRIES_RESULT && i.r.state == RAFT_LEADER &&
      term_of(i.r.log, i.r.last_stored) != i.r.current_term)
    drop = true;
  // Fresh-member vote guard: a member that lost its disk restarts empty,
  // bootstraps (term 1, no vote) and could vote again in a term it already
  // voted in before the loss, electing a second leader in that term. Until it
  // has accepted a leader's entries (io_send) up to that leader's commit index
  // it refuses (pre-)votes to candidates whose log goes past the bootstrap
  // entry; in a brand-new group every candidate's last index is 1, so first
  // elections work. Not just any accepted message: a member whose installed
  // snapshot stops short of the commit index could elect a leader that lacks
  // the committed entries it held before the loss (the simulation found it).
  // The guard is durable (the store's resyncing marker, see start()): a
  // member restarting partway through has some entries but still not all.
  if (m.type == RAFT_IO_REQUEST_VOTE && i.fresh && m.request_vote.last_log_index > 1) drop = true;
  if (drop) {
    wire::release(m);
    return;
  }
  // A follower that lost its disk (or restarted on an older copy) answers a
  // leader that still counts it as matched up to some index: 0.15 takes the
  // rejection for a stale one and never repairs it. Its own last index tells
  // the truth, so the leader's record comes down to it (only ever making
  // commit counting more conservative).
  if (m.type == RAFT_IO_APPEND_ENTRIES_RESULT && i.r.state == RAFT_LEADER &&
      m.append_entries_result.rejected > 0) {
    for (unsigned k = 0; k < i.r.configuration.n; ++k) {
      auto& p = i.r.leader_state.progress[k];
      if (i.r.configuration.servers[k].id == h.from &&
          m.append_entries_result.last_log_index < p.match_index)
        p.match_index = m.append_entries_result.last_log_index;
    }
  }
  if (m.type == RAFT_IO_APPEND_ENTRIES_RESULT && i.r.state == RAFT_LEADER &&
      m.append_entries_result.term == i.r.current_term)
    i.answered_ms[h.from] = i.host.now_ms();
  if (m.type == RAFT_IO_APPEND_ENTRIES) {
    trim_to_snapshot(i.r.log, m.append_entries);
    i.match_cap = m.append_entries.prev_log_index + m.append_entries.n_entries;
    if (i.fresh) i.lift_at = i.lift_at == ~raft_index{0} ? m.append_entries.leader_commit
                                                         : std::max(i.lift_at, m.append_entries.leader_commit);
  }
  i.peer_address = std::to_string(h.from);
  m.server_address = i.peer_address.c_str();
  const bool from_leader = m.type == RAFT_IO_APPEND_ENTRIES || m.type == RAFT_IO_INSTALL_SNAPSHOT;
  const raft_term term = m.type == RAFT_IO_APPEND_ENTRIES ? m.append_entries.term : m.install_snapshot.term;
  i.scope([&] {
    i.recv_cb(&i.io, &m); // the library now owns the payloads
    i.match_cap = 0;
    if (from_leader && i.r.state == RAFT_FOLLOWER && term == i.r.current_term) i.leader_term = term;
  });
}

void replica::propose(std::string command, done_fn done) {
  auto& i = *impl_;
  i.scope([&] {
    if (!i.inited || i.closing) return i.later([done = std::move(done)] { done(outcome::failed); });
    if (i.r.state != RAFT_LEADER) return i.later([done = std::move(done)] { done(outcome::not_leader); });
    if (i.in_flight >= i.cfg.max_in_flight) return i.later([done = std::move(done)] { done(outcome::busy); });
    raft_buffer buf;
    buf.len = command.size();
    buf.base = raft_malloc(buf.len ? buf.len : 1);
    std::memcpy(buf.base, command.data(), command.size());
    auto* a = new impl::apply_req{{}, &i, std::move(done)};
    a->req.data = a;
    const int rv = raft_apply(&i.r, &a->req, &buf, 1, impl::apply_cb);
    if (rv != 0) {
      // Only NOTLEADER fails before the library took the buffer.
      if (rv == RAFT_NOTLEADER) raft_free(buf.base);
      i.later([done = std::move(a->done), o = map_status(rv, false)] { done(o); });
      delete a;
      return;
    }
    ++i.in_flight;
  });
}

void replica::barrier(done_fn done) {
  auto& i = *impl_;
  i.scope([&] {
    if (!i.inited || i.closing) return i.later([done = std::move(done)] { done(outcome::failed); });
    i.start_barrier(std::move(done));
  });
}

bool replica::transfer(std::uint64_t to) {
  auto& i = *impl_;
  if (!i.inited) return false;
  auto* t = new transfer_req{};
  int rv = 0;
  i.scope([&] {
    rv = raft_transfer(&i.r, t, to, [](transfer_req* req) { delete req; });
    if (rv != 0) delete t;
  });
  return rv == 0;
}

replica_status replica::status() const {
  auto& i = *impl_;
  replica_status s;
  s.group = i.cfg.group;
  if (!i.inited) return s;
  auto& r = const_cast<raft&>(i.r);
  s.state = to_role(r.state);
  s.leader = i.current_leader();
  s.term = r.current_term;
  s.commit_index = r.commit_index;
  s.applied_index = r.last_applied;
  s.last_index = r.state == RAFT_UNAVAILABLE ? 0 : raft_last_index(&r);
  s.snapshot_index = r.log.snapshot.last_index;
  if (r.state == RAFT_LEADER && r.leader_state.progress) {
    for (unsigned k = 0; k < r.configuration.n; ++k) {
      const auto id = r.configuration.servers[k].id;
      if (id == r.id) continue;
      const auto& p = r.leader_state.progress[k];
      auto heard = i.answered_ms.find(id);
      s.followers.push_back({id, p.match_index, p.recent_recv,
                             heard == i.answered_ms.end() ? 0 : heard->second});
    }
    // A majority counting this member: the (majority - 1)-th most recent answer.
    std::vector<std::uint64_t> times;
    for (const auto& f : s.followers) times.push_back(f.answered_ms);
    std::sort(times.rbegin(), times.rend());
    const std::size_t need = (r.configuration.n / 2 + 1) - 1;
    s.quorum_heard_ms = need == 0 ? i.host.now_ms() : need <= times.size() ? times[need - 1] : 0;
  }
  return s;
}

const replica_counters& replica::counters() const noexcept { return impl_->counters; }
const replica_config& replica::config() const noexcept { return impl_->cfg; }

} // namespace chat::replication
