#include "storage/database.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include "storage/group_writer.hpp"
#include "storage/rocks_db.hpp"
#include "storage/rocks_status.hpp"

namespace chat::storage {

struct database::impl {
  options opts;
  std::unique_ptr<rocks_db> rocks;
  std::unique_ptr<group_writer> writer; // null without group commit
  // Reads and inline commits hold it shared; close() holds it exclusively,
  // so RocksDB is never closed under a running read.
  mutable std::shared_mutex life;
  std::atomic<bool> closing{false};
  std::mutex close_once; // close() may race with the destructor's close()

  /// A commit without group commit, on the caller's thread.
  status write_inline(write_batch& batch);
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
  if (opts.group_commit)
    p->writer = std::make_unique<group_writer>(*p->rocks, opts);
  return std::unique_ptr<database>(new database(std::move(p)));
}

database::database(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

database::~database() { close(); }

namespace {
status closed_status() { return {status_code::closed, "the database is closed"}; }
} // namespace

status database::read(column c, std::string_view key, std::string* value) const {
  std::shared_lock lock(impl_->life);
  auto* db = impl_->rocks->db();
  if (!db)
    return closed_status();
  return checked(db->Get(rocksdb::ReadOptions{}, impl_->rocks->handle(c), slice(key), value), "get",
                 column_name(c));
}

status database::visit_prefix(column c, std::string_view prefix, const visitor& visit) const {
  std::shared_lock lock(impl_->life);
  auto* db = impl_->rocks->db();
  if (!db)
    return closed_status();
  const std::string end = prefix_end(prefix);
  const rocksdb::Slice upper = slice(end); // must outlive the iterator
  rocksdb::ReadOptions ro;
  if (!end.empty())
    ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, impl_->rocks->handle(c)));
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
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, impl_->rocks->handle(c)));
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

status database::impl::write_inline(write_batch& batch) {
  std::shared_lock lock(life);
  if (closing.load() || !rocks->db())
    return closed_status();
  rocksdb::WriteBatch wb;
  rocks->append(wb, batch);
  return checked(rocks->write(wb, opts.mode == durability::sync), "write");
}

void database::write(write_batch batch, std::function<void(const status&)> done) {
  if (impl_->writer) {
    if (status st = impl_->writer->submit(batch, done); !st.ok())
      done(st);
    return;
  }
  done(impl_->write_inline(batch));
}

errc database::get(column c, std::string_view key, std::string* value) const {
  return to_errc(read(c, key, value));
}

errc database::scan_prefix(column c, std::string_view prefix, const visitor& visit) const {
  return to_errc(visit_prefix(c, prefix, visit));
}

errc database::scan_range(column c, std::string_view from, std::string_view to, bool reverse,
                          std::size_t limit, const visitor& visit) const {
  return to_errc(visit_range(c, from, to, reverse, limit, visit));
}

void database::commit(write_batch batch, std::function<void(errc)> done) {
  if (impl_->writer) {
    if (status st = impl_->writer->submit(batch, done); !st.ok())
      done(commit_errc(st));
    return;
  }
  done(commit_errc(impl_->write_inline(batch)));
}

void database::close() {
  std::lock_guard once(impl_->close_once);
  impl_->closing.store(true);
  if (impl_->writer)
    impl_->writer->stop(); // drains: queued batches are written and answered
  std::unique_lock lock(impl_->life);
  impl_->rocks->close();
}

database::stats database::get_stats() const { return impl_->rocks->stats(); }

} // namespace chat::storage
