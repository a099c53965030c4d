#include "storage/database.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>

#include "storage/group_writer.hpp"
#include "storage/rocks_db.hpp"
#include "storage/rocks_status.hpp"
#include "storage/scope_image.hpp"
#include "storage/store.hpp"

namespace chat::storage {

commit_route::~commit_route() = default;

// A scope's route. `set` is checked first so that an unrouted commit (the
// common case) costs one atomic load, not a shared_ptr copy under a lock.
struct route_slot {
  std::atomic<bool> set{false};
  std::mutex mutex;
  std::shared_ptr<commit_route> route;
};

struct database::impl {
  options opts;
  std::unique_ptr<route_slot[]> routes; // one per scope
  std::unique_ptr<rocks_db> rocks;
  std::unique_ptr<group_writer> writer; // null without group commit
  // Reads and inline commits hold it shared; close() holds it exclusively,
  // so RocksDB is never closed under a running read.
  mutable std::shared_mutex life;
  std::atomic<bool> closing{false};
  std::mutex close_once; // close() may race with the destructor's close()

  /// A write on the caller's thread (no group commit, write_now).
  status write_inline(std::size_t scope, const write_batch& batch, bool sync);

  /// The scope's route, or null.
  std::shared_ptr<commit_route> route_of(std::size_t scope) const;

  bool valid(std::size_t scope) const noexcept { return scope < opts.scopes.size(); }
};

namespace {

// The smallest key greater than every key starting with `prefix`; empty when
// there is none (prefix empty or all 0xff).
std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

} // namespace

std::unique_ptr<database> database::open(const options& opts, std::string* error) {
  auto p = std::make_unique<impl>();
  p->opts = opts;
  p->rocks = rocks_db::open(opts, error);
  if (!p->rocks)
    return nullptr;
  p->routes = std::make_unique<route_slot[]>(opts.scopes.size());
  if (opts.group_commit)
    p->writer = std::make_unique<group_writer>(*p->rocks, opts);
  return std::unique_ptr<database>(new database(std::move(p)));
}

database::database(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

database::~database() { close(); }

namespace {
status closed_status() { return {status_code::closed, "the database is closed"}; }
status no_scope(std::size_t scope) {
  return {status_code::invalid_argument, "no storage scope " + std::to_string(scope)};
}
} // namespace

std::shared_ptr<commit_route> database::impl::route_of(std::size_t scope) const {
  auto& slot = routes[scope];
  if (!slot.set.load(std::memory_order_acquire))
    return nullptr;
  std::lock_guard lock(slot.mutex);
  return slot.route;
}

status database::read(column c, std::string_view key, std::string* value) const {
  return read(0, c, key, value);
}

status database::read(std::size_t scope, column c, std::string_view key,
                      std::string* value) const {
  if (!impl_->valid(scope))
    return no_scope(scope);
  std::shared_lock lock(impl_->life);
  auto* db = impl_->rocks->db();
  if (!db)
    return closed_status();
  return checked(db->Get(rocksdb::ReadOptions{}, impl_->rocks->handle(scope, c), slice(key), value),
                 "get", column_name(c));
}

status database::visit_prefix(column c, std::string_view prefix, const visitor& visit) const {
  return visit_prefix(0, c, prefix, visit);
}

status database::visit_prefix(std::size_t scope, column c, std::string_view prefix,
                              const visitor& visit) const {
  if (!impl_->valid(scope))
    return no_scope(scope);
  std::shared_lock lock(impl_->life);
  auto* db = impl_->rocks->db();
  if (!db)
    return closed_status();
  const std::string end = prefix_end(prefix);
  const rocksdb::Slice upper = slice(end); // must outlive the iterator
  rocksdb::ReadOptions ro;
  if (!end.empty())
    ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, impl_->rocks->handle(scope, c)));
  for (it->Seek(slice(prefix)); it->Valid(); it->Next()) {
    if (!it->key().starts_with(slice(prefix)))
      break;
    if (!visit(view(it->key()), view(it->value())))
      break;
  }
  return checked(it->status(), "scan_prefix", column_name(c));
}

status database::visit_range(column c, std::string_view from, std::string_view to, bool reverse,
                             std::size_t limit, const visitor& visit) const {
  return visit_range(0, c, from, to, reverse, limit, visit);
}

status database::visit_range(std::size_t scope, column c, std::string_view from,
                             std::string_view to, bool reverse, std::size_t limit,
                             const visitor& visit) const {
  if (!impl_->valid(scope))
    return no_scope(scope);
  std::shared_lock lock(impl_->life);
  auto* db = impl_->rocks->db();
  if (!db)
    return closed_status();
  if (limit == 0 || (!to.empty() && to <= from))
    return {};
  const rocksdb::Slice lower = slice(from), upper = slice(to); // outlive the iterator
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower;
  if (!to.empty())
    ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, impl_->rocks->handle(scope, c)));
  if (reverse)
    it->SeekToLast(); // honours iterate_upper_bound: the last key below `to`
  else
    it->Seek(lower);
  for (std::size_t n = 0; it->Valid() && n < limit; ++n) {
    if (!visit(view(it->key()), view(it->value())))
      break;
    if (reverse)
      it->Prev();
    else
      it->Next();
  }
  return checked(it->status(), "scan_range", column_name(c));
}

status database::impl::write_inline(std::size_t scope, const write_batch& batch, bool sync) {
  std::shared_lock lock(life);
  if (closing.load() || !rocks->db())
    return closed_status();
  rocksdb::WriteBatch wb;
  rocks->append(wb, scope, batch);
  return checked(rocks->write(wb, sync), "write");
}

void database::write(write_batch batch, std::function<void(const status&)> done) {
  write(0, std::move(batch), durability::async, std::move(done));
}

void database::write(std::size_t scope, write_batch batch,
                     std::function<void(const status&)> done) {
  write(scope, std::move(batch), durability::async, std::move(done));
}

void database::write(std::size_t scope, write_batch batch, durability d,
                     std::function<void(const status&)> done) {
  if (!impl_->valid(scope))
    return done(no_scope(scope));
  // `d` only raises the mode: sync mode syncs every round anyway.
  const bool sync = d == durability::sync || impl_->opts.mode == durability::sync;
  if (impl_->writer) {
    if (status st = impl_->writer->submit(scope, batch, done, sync); !st.ok())
      done(st);
    return;
  }
  done(impl_->write_inline(scope, batch, sync));
}

errc database::get(column c, std::string_view key, std::string* value) const {
  return to_errc(read(0, c, key, value));
}

errc database::get(std::size_t scope, column c, std::string_view key, std::string* value) const {
  return to_errc(read(scope, c, key, value));
}

errc database::scan_prefix(column c, std::string_view prefix, const visitor& visit) const {
  return to_errc(visit_prefix(0, c, prefix, visit));
}

errc database::scan_prefix(std::size_t scope, column c, std::string_view prefix,
                           const visitor& visit) const {
  return to_errc(visit_prefix(scope, c, prefix, visit));
}

errc database::scan_range(column c, std::string_view from, std::string_view to, bool reverse,
                          std::size_t limit, const visitor& visit) const {
  return to_errc(visit_range(0, c, from, to, reverse, limit, visit));
}

errc database::scan_range(std::size_t scope, column c, std::string_view from,
                          std::string_view to, bool reverse, std::size_t limit,
                          const visitor& visit) const {
  return to_errc(visit_range(scope, c, from, to, reverse, limit, visit));
}

void database::commit(write_batch batch, std::function<void(errc)> done) {
  commit(0, std::move(batch), std::move(done));
}

void database::commit(std::size_t scope, write_batch batch, std::function<void(errc)> done) {
  if (!impl_->valid(scope))
    return done(commit_errc(no_scope(scope)));
  if (auto r = impl_->route_of(scope)) {
    if (impl_->closing.load())
      return done(errc::unavailable);
    return r->commit(std::move(batch), std::move(done));
  }
  if (impl_->writer) {
    if (status st = impl_->writer->submit(scope, batch, done); !st.ok())
      done(commit_errc(st));
    return;
  }
  done(commit_errc(impl_->write_inline(scope, batch, impl_->opts.mode == durability::sync)));
}

void database::route(std::size_t scope, std::shared_ptr<commit_route> r) {
  if (!impl_->valid(scope))
    return;
  auto& slot = impl_->routes[scope];
  std::lock_guard lock(slot.mutex);
  slot.set.store(r != nullptr, std::memory_order_release);
  slot.route = std::move(r); // the old route is released under the lock: cheap, it is a pointer
}

status database::write_now(std::size_t scope, const write_batch& batch, bool sync) {
  if (!impl_->valid(scope))
    return no_scope(scope);
  return impl_->write_inline(scope, batch, sync);
}

status database::sync_wal() {
  std::shared_lock lock(impl_->life);
  auto* db = impl_->rocks->db();
  if (!db)
    return closed_status();
  return checked(db->FlushWAL(true), "sync_wal");
}

status database::export_scope(std::size_t scope, std::string* image) const {
  if (!impl_->valid(scope))
    return no_scope(scope);
  std::shared_lock lock(impl_->life);
  auto* db = impl_->rocks->db();
  if (!db)
    return closed_status();
  // One snapshot for every column: the image is one point in time.
  const rocksdb::Snapshot* snap = db->GetSnapshot();
  std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>> release(
      snap, [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  ro.fill_cache = false; // a bulk read: keep the hot blocks cached
  image_writer out;
  for (std::size_t i = 0; i < column_count; ++i) {
    const auto c = static_cast<column>(i);
    if (!is_data_column(c))
      continue;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, impl_->rocks->handle(scope, c)));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out.add(c, view(it->key()), view(it->value()));
    if (status st = checked(it->status(), "export_scope", column_name(c)); !st.ok())
      return st;
  }
  *image = out.finish();
  return {};
}

status database::replace_scope(std::size_t scope, std::string_view image,
                               const write_batch& extra, bool sync) {
  if (!impl_->valid(scope))
    return no_scope(scope);
  std::shared_lock lock(impl_->life);
  auto* db = impl_->rocks->db();
  if (impl_->closing.load() || !db)
    return closed_status();
  rocksdb::WriteBatch wb;
  // Clear each data column with one range tombstone over [first key, last
  // key + "\0"): no point delete per key, and the puts below, later in the
  // same batch, win over it.
  for (std::size_t i = 0; i < column_count; ++i) {
    const auto c = static_cast<column>(i);
    if (!is_data_column(c))
      continue;
    auto* cf = impl_->rocks->handle(scope, c);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions{}, cf));
    it->SeekToLast();
    if (it->Valid()) {
      std::string end(view(it->key()));
      end.push_back('\0');
      it->SeekToFirst();
      wb.DeleteRange(cf, it->key(), end);
    }
    if (status st = checked(it->status(), "replace_scope", column_name(c)); !st.ok())
      return st;
  }
  std::string error;
  const bool parsed = parse_image(
      image,
      [&](column c, std::string_view key, std::string_view value) {
        wb.Put(impl_->rocks->handle(scope, c), slice(key), slice(value));
      },
      &error);
  if (!parsed)
    return {status_code::invalid_argument, error};
  impl_->rocks->append(wb, scope, extra);
  return checked(impl_->rocks->write(wb, sync), "replace_scope");
}

store database::at(std::size_t scope) {
  return impl_->valid(scope) ? store(this, scope) : store();
}

std::size_t database::scope_count() const noexcept { return impl_->opts.scopes.size(); }

std::size_t database::find_scope(std::string_view name) const noexcept {
  const auto& scopes = impl_->opts.scopes;
  for (std::size_t i = 0; i < scopes.size(); ++i)
    if (scopes[i] == name)
      return i;
  return scopes.size();
}

void database::close() {
  std::lock_guard once(impl_->close_once);
  impl_->closing.store(true);
  for (std::size_t i = 0; i < impl_->opts.scopes.size(); ++i)
    route(i, nullptr); // a route may hold what holds the database
  if (impl_->writer)
    impl_->writer->stop(); // drains: queued batches are written and answered
  std::unique_lock lock(impl_->life);
  impl_->rocks->close();
}

database::stats database::get_stats() const { return impl_->rocks->stats(); }

} // namespace chat::storage
