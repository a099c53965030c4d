#include "storage/rocks_db.hpp"

#include "metrics/metrics.hpp"

#include <chrono>
#include <filesystem>
#include <set>
#include <system_error>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "storage/keys.hpp"
#include "storage/rocks_status.hpp"

namespace chat::storage {

namespace {

rocksdb::DBOptions db_options() {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_background_jobs = 2; // the machine has 2 cores shared with the server
  // All columns share one WAL; bound it so a rarely written column cannot
  // keep old WAL files (and long recovery) alive.
  o.max_total_wal_size = 256ull << 20;
  o.db_write_buffer_size = 256ull << 20;
  return o;
}

// Message keys are <conversation id><u64 seq big-endian> and each
// conversation's seqs arrive in order: remembering the last insert position
// per conversation makes a memtable insert near O(1) instead of a full
// skiplist search, and that insert is on the path of every acknowledgement.
class strip_seq final : public rocksdb::SliceTransform {
public:
  const char* Name() const override { return "chat.strip_seq"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), key.size() - key_u64_size};
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() > key_u64_size; }
};

rocksdb::ColumnFamilyOptions cf_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10)); // point reads skip most files
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // A bloom filter over the memtable's keys too: every send with a
  // client_msg_id looks its key up, and it is almost never there, so the
  // miss should not cost a skiplist search (2 % of the write buffer).
  o.memtable_whole_key_filtering = true;
  o.memtable_prefix_bloom_size_ratio = 0.02;
  return o;
}

// Attachment chunks are large (up to 256 KiB), written once and read
// whole: kept in blob files, the LSM tree holds only small references, so
// compactions do not rewrite the bytes again and again (RocksDB's
// integrated BlobDB). Blob files whose chunks were deleted are reclaimed by
// blob garbage collection during compactions.
void enable_blobs(rocksdb::ColumnFamilyOptions& o) {
  o.enable_blob_files = true;
  o.min_blob_size = 4096;
  o.enable_blob_garbage_collection = true;
}

} // namespace

std::string family_name(std::string_view scope, column c) {
  if (scope.empty())
    return std::string(column_name(c)); // the layout from before scopes
  std::string name(scope);
  name += '/';
  name += column_name(c);
  return name;
}

std::unique_ptr<rocks_db> rocks_db::open(const options& opts, std::string* error) {
  auto fail = [&](std::string msg) {
    if (error)
      *error = std::move(msg);
    return nullptr;
  };
  if (opts.path.empty())
    return fail("storage path is empty");
  std::error_code ec;
  std::filesystem::create_directories(opts.path, ec);
  if (ec)
    return fail("cannot create storage directory '" + opts.path + "': " + ec.message());
  if (!std::filesystem::is_directory(opts.path, ec))
    return fail("storage path '" + opts.path + "' is not a directory");

  if (opts.scopes.empty())
    return fail("no storage scope");
  std::set<std::string_view> unique(opts.scopes.begin(), opts.scopes.end());
  if (unique.size() != opts.scopes.size())
    return fail("storage scope names are not unique");

  auto cache = rocksdb::NewLRUCache(opts.block_cache_mb << 20);
  const auto cf_opts = cf_options(cache);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::set<std::string> wanted{rocksdb::kDefaultColumnFamilyName};
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_opts);
  for (const auto& scope : opts.scopes) {
    for (std::size_t i = 0; i < column_count; ++i) {
      const auto c = static_cast<column>(i);
      auto o = cf_opts;
      // Search words and mentions too: "<conversation>/<term>/<seq>", the
      // seqs of each term arriving in order (measured: without the hint the
      // index doubled the storage thread's CPU per message).
      if (c == column::messages || c == column::search_terms || c == column::mentions)
        o.memtable_insert_with_hint_prefix_extractor = std::make_shared<strip_seq>();
      if (c == column::attachment_chunks)
        enable_blobs(o);
      descriptors.emplace_back(family_name(scope, c), o);
      wanted.insert(descriptors.back().name);
    }
  }
  const std::size_t opened = descriptors.size();

  std::unique_ptr<rocks_db> r(new rocks_db);
  auto dbo = db_options();
  if (opts.file_system) {
    r->env_ = rocksdb::NewCompositeEnv(opts.file_system);
    dbo.env = r->env_.get();
  }
  // RocksDB opens only if every family on disk is named: those of scopes
  // not in `opts` (a group this node no longer hosts) are opened and left be.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(dbo, opts.path, &existing).ok())
    for (auto& name : existing)
      if (!wanted.count(name))
        descriptors.emplace_back(name, cf_opts);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(rocksdb::Options(dbo, cf_opts), opts.path, descriptors, &handles,
                             &raw);
  if (!s.ok())
    return fail("cannot open storage at '" + opts.path + "': " + one_line(s));

  r->db_.reset(raw);
  r->default_cf_ = handles[0];
  r->cfs_.resize(opts.scopes.size());
  for (std::size_t scope = 0; scope < opts.scopes.size(); ++scope)
    for (std::size_t i = 0; i < column_count; ++i)
      r->cfs_[scope][i] = handles[1 + scope * column_count + i];
  r->unused_.assign(handles.begin() + static_cast<std::ptrdiff_t>(opened), handles.end());
  return r;
}

rocks_db::~rocks_db() { close(); }

void rocks_db::append(rocksdb::WriteBatch& out, std::size_t scope, const write_batch& batch) const {
  for (const auto& op : batch.ops()) {
    auto* cf = handle(scope, op.col);
    if (op.op == write_op::kind::put)
      out.Put(cf, op.key, op.value);
    else
      out.Delete(cf, op.key);
  }
}

rocksdb::Status rocks_db::write(rocksdb::WriteBatch& wb, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  const auto start = std::chrono::steady_clock::now();
  auto s = db_->Write(wo, &wb);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - start);
  batches_.fetch_add(1, std::memory_order_relaxed);
  ops_.fetch_add(static_cast<std::uint64_t>(wb.Count()), std::memory_order_relaxed);
  write_ns_.fetch_add(static_cast<std::uint64_t>(ns.count()), std::memory_order_relaxed);
  auto& m = metrics::node();
  m.storage_write_seconds.observe(static_cast<double>(ns.count()) / 1e9);
  m.storage_batch_ops.observe(static_cast<double>(wb.Count()));
  return s;
}

database::stats rocks_db::stats() const noexcept {
  return {batches_.load(std::memory_order_relaxed), ops_.load(std::memory_order_relaxed),
          write_ns_.load(std::memory_order_relaxed)};
}

void rocks_db::close() {
  if (!db_)
    return;
  // Async-mode writes sit unsynced in the WAL: make them durable on a clean
  // shutdown; flushing memtables spares the next open a WAL replay.
  db_->FlushWAL(true);
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (const auto& scope : cfs_)
    all.insert(all.end(), scope.begin(), scope.end());
  db_->Flush(rocksdb::FlushOptions{}, all);
  all.insert(all.end(), unused_.begin(), unused_.end());
  for (auto* cf : all)
    db_->DestroyColumnFamilyHandle(cf);
  cfs_.clear();
  unused_.clear();
  db_->DestroyColumnFamilyHandle(default_cf_);
  default_cf_ = nullptr;
  db_->Close();
  db_.reset();
}

} // namespace chat::storage
