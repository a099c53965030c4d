#include "replication/rocks_log_store.hpp"

#include <algorithm>
#include <future>

#include <raft.h>

#include "log/log.hpp"
#include "replication/background.hpp"
#include "replication/batch_codec.hpp"
#include "replication/raft_records.hpp"
#include "storage/write_batch.hpp"

namespace chat::replication {

using storage::column;

namespace {

// Reads a u64 record: ok (0 when absent) or false when unreadable.
bool read_u64(storage::database& db, std::size_t scope, std::string_view key, std::uint64_t* v,
              std::string* error) {
  std::string bytes;
  const storage::status st = db.read(scope, column::raft, key, &bytes);
  if (st.is_not_found()) {
    *v = 0;
    return true;
  }
  if (!st.ok()) {
    *error = "cannot read raft record '" + std::string(key) + "': " + st.to_string();
    return false;
  }
  if (!records::decode_u64(bytes, v)) {
    *error = "raft record '" + std::string(key) + "' is corrupt";
    return false;
  }
  return true;
}

bool read_snapshot(storage::database& db, std::size_t scope, std::optional<snapshot_meta>* out,
                   std::string* error) {
  std::string bytes;
  const storage::status st = db.read(scope, column::raft, records::snapshot_key, &bytes);
  out->reset();
  if (st.is_not_found())
    return true;
  if (!st.ok()) {
    *error = "cannot read the snapshot record: " + st.to_string();
    return false;
  }
  snapshot_meta m;
  if (!records::decode_snapshot(bytes, &m)) {
    *error = "the snapshot record is corrupt";
    return false;
  }
  *out = std::move(m);
  return true;
}

} // namespace

rocks_log_store::rocks_log_store(storage::database& db, std::size_t scope,
                                 storage::durability log_durability, post_fn post)
    : db_(db),
      scope_(scope),
      durability_(log_durability),
      post_(std::move(post)),
      bounds_(std::make_shared<log_bounds>()),
      worker_(std::make_unique<background>()) {}

rocks_log_store::~rocks_log_store() = default;

bool rocks_log_store::load(persisted_state* out, std::string* error) {
  std::string ignored;
  if (!error)
    error = &ignored;
  persisted_state st;
  std::uint64_t resyncing = 0;
  if (!read_u64(db_, scope_, records::term_key, &st.term, error) ||
      !read_u64(db_, scope_, records::vote_key, &st.vote, error) ||
      !read_u64(db_, scope_, records::resyncing_key, &resyncing, error) ||
      !read_snapshot(db_, scope_, &st.snapshot, error))
    return false;
  st.resyncing = resyncing != 0;

  std::uint64_t first = 0, last = 0; // stored entries; 0: none
  bool bad = false;
  const storage::status scan = db_.visit_prefix(
      scope_, column::raft, records::entry_prefix, [&](std::string_view key, std::string_view v) {
        std::uint64_t index = 0;
        log_entry e;
        if (!records::parse_entry_key(key, &index) || index == 0 || !records::decode_entry(v, &e)) {
          *error = "a raft log entry is corrupt";
          return !(bad = true);
        }
        if (first == 0) {
          first = index;
        } else if (index != last + 1) {
          *error = "the raft log has a gap after entry " + std::to_string(last);
          return !(bad = true);
        }
        last = index;
        st.entries.push_back(std::move(e));
        return true;
      });
  if (!scan.ok()) {
    *error = "cannot read the raft log: " + scan.to_string();
    return false;
  }
  if (bad)
    return false;

  const std::uint64_t snap = st.snapshot ? st.snapshot->index : 0;
  if (first != 0 && first > snap + 1) {
    *error = "the raft log starts at " + std::to_string(first) + ", after a gap behind " +
             (snap ? "the snapshot at " + std::to_string(snap) : std::string("entry 0"));
    return false;
  }
  if (first != 0 && last < snap) {
    // Only entries the snapshot covers (no write of this store leaves that,
    // but C Raft would restart its log before the snapshot): drop them.
    storage::write_batch drop;
    delete_entries(drop, first, last);
    if (const auto w = db_.write_now(scope_, drop, true); !w.ok()) {
      *error = "cannot drop stale raft log entries: " + w.to_string();
      return false;
    }
    st.entries.clear();
    first = 0;
  }
  st.start_index = first != 0 ? first : snap + 1;

  auto& b = *bounds_;
  b.known = true;
  b.snapshot = st.snapshot;
  b.first = st.start_index;
  b.last = first != 0 ? last : b.first - 1;
  *out = std::move(st);
  return true;
}

bool rocks_log_store::know_bounds() {
  if (bounds_->known)
    return true;
  persisted_state ignored;
  std::string error;
  if (load(&ignored, &error))
    return true;
  log::error("replication", "cannot read the raft log", {{"cause", error}});
  return false;
}

void rocks_log_store::fail_later(done_fn done) {
  post_([done = std::move(done)] { done(false); });
}

void rocks_log_store::delete_entries(storage::write_batch& batch, std::uint64_t from,
                                     std::uint64_t to) {
  for (std::uint64_t i = from; i <= to && i != 0; ++i)
    batch.del(column::raft, records::entry_key(i));
}

void rocks_log_store::write_log(storage::write_batch batch, done_fn done) {
  db_.write(scope_, std::move(batch), durability_,
            [post = post_, done = std::move(done)](const storage::status& st) {
              post([done, ok = st.ok()] { done(ok); });
            });
}

bool rocks_log_store::bootstrap(const std::string& configuration) {
  if (!know_bounds())
    return false;
  std::string error;
  std::uint64_t term = 0, vote = 0;
  if (!read_u64(db_, scope_, records::term_key, &term, &error) ||
      !read_u64(db_, scope_, records::vote_key, &vote, &error))
    return false;
  auto& b = *bounds_;
  if (term != 0 || vote != 0 || b.snapshot || b.last >= b.first)
    return false; // not empty
  storage::write_batch batch;
  batch.put(column::raft, records::entry_key(1),
            records::encode_entry(log_entry{1, RAFT_CHANGE, configuration}));
  batch.put(column::raft, std::string(records::term_key), records::encode_u64(1));
  if (!db_.write_now(scope_, batch, true).ok())
    return false;
  b.first = 1;
  b.last = 1;
  return true;
}

bool rocks_log_store::set_term(std::uint64_t term) {
  storage::write_batch batch;
  batch.put(column::raft, std::string(records::term_key), records::encode_u64(term));
  batch.del(column::raft, std::string(records::vote_key));
  return db_.write_now(scope_, batch, true).ok();
}

bool rocks_log_store::set_vote(std::uint64_t server_id) {
  storage::write_batch batch;
  batch.put(column::raft, std::string(records::vote_key), records::encode_u64(server_id));
  return db_.write_now(scope_, batch, true).ok();
}

bool rocks_log_store::set_resyncing(bool on) {
  storage::write_batch batch;
  if (on)
    batch.put(column::raft, std::string(records::resyncing_key), records::encode_u64(1));
  else
    batch.del(column::raft, std::string(records::resyncing_key));
  return db_.write_now(scope_, batch, true).ok();
}

void rocks_log_store::append(std::uint64_t first_index, std::vector<log_entry> entries,
                             done_fn done) {
  auto& b = *bounds_;
  if (!know_bounds() || first_index == 0 || first_index > b.last + 1)
    return fail_later(std::move(done)); // a gap would make the log unloadable
  storage::write_batch batch;
  for (std::size_t i = 0; i < entries.size(); ++i)
    batch.put(column::raft, records::entry_key(first_index + i), records::encode_entry(entries[i]));
  if (!entries.empty()) {
    if (b.last < b.first || first_index < b.first)
      b.first = first_index;
    b.last = std::max(b.last, first_index + entries.size() - 1);
  }
  write_log(std::move(batch), std::move(done));
}

void rocks_log_store::truncate(std::uint64_t from_index) {
  auto& b = *bounds_;
  if (!know_bounds() || from_index > b.last)
    return;
  const std::uint64_t from = std::max(from_index, b.first);
  storage::write_batch batch;
  delete_entries(batch, from, b.last);
  b.last = from - 1;
  // No completion to give: a failure is logged by storage, and the entries
  // left behind are truncated again by the next leader's append.
  write_log(std::move(batch), [](bool) {});
}

void rocks_log_store::put_snapshot(snapshot_meta meta, std::string data, unsigned trailing,
                                   done_fn done) {
  if (!know_bounds())
    return fail_later(std::move(done));
  auto& b = *bounds_;
  storage::write_batch batch;
  batch.put(column::raft, std::string(records::snapshot_key), records::encode_snapshot(meta));
  b.snapshot = meta;

  if (trailing > 0) {
    // Compaction: the data is in place; the log before the trailing entries goes.
    const std::uint64_t cut = meta.index > trailing ? meta.index - trailing : 0;
    const std::uint64_t to = std::min(cut, b.last);
    if (to >= b.first) {
      delete_entries(batch, b.first, to);
      b.first = to + 1;
    }
    return write_log(std::move(batch), std::move(done));
  }

  // Installed: the data and the whole log are replaced in one write, after
  // every write queued before (the empty write is the barrier), on the
  // worker: the image may be large.
  delete_entries(batch, b.first, b.last);
  b.first = meta.index + 1;
  b.last = meta.index;
  worker_->run([&db = db_, scope = scope_, post = post_, bounds = bounds_,
                data = std::move(data), extra = std::move(batch), done = std::move(done)] {
    std::promise<void> queued_before;
    db.write(scope, {}, [&](const storage::status&) { queued_before.set_value(); });
    queued_before.get_future().wait();
    const storage::status st = db.replace_scope(scope, data, extra, true);
    if (!st.ok())
      log::error("replication", "cannot install a snapshot",
                 {{"scope", scope}, {"cause", st.to_string()}});
    post([bounds, done, ok = st.ok()] {
      if (!ok)
        bounds->known = false; // the bounds above were not written: read them again
      done(ok);
    });
  });
}

void rocks_log_store::get_snapshot(snapshot_fn done) {
  if (!know_bounds() || !bounds_->snapshot) {
    post_([done = std::move(done)] { done(false, {}, {}); });
    return;
  }
  // After any install queued before (the worker runs in order): the image is
  // then the data the snapshot describes, or newer.
  worker_->run([&db = db_, scope = scope_, post = post_, meta = *bounds_->snapshot,
                done = std::move(done)]() mutable {
    std::string image;
    const storage::status st = db.export_scope(scope, &image);
    if (!st.ok())
      image.clear();
    post([done = std::move(done), meta = std::move(meta), image = std::move(image),
          ok = st.ok()]() mutable { done(ok, std::move(meta), std::move(image)); });
  });
}

rocks_state_machine::rocks_state_machine(storage::database& db, std::size_t scope)
    : db_(db), scope_(scope) {}

bool rocks_state_machine::apply(std::uint64_t index, std::string_view command) {
  storage::write_batch batch;
  if (!decode_batch(command, &batch)) {
    log::error("replication", "a committed command does not decode",
               {{"scope", scope_}, {"index", index}, {"bytes", command.size()}});
    return false;
  }
  return db_.write_now(scope_, batch, false).ok();
}

bool rocks_state_machine::make_durable() { return db_.sync_wal().ok(); }

} // namespace chat::replication
