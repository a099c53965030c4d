#include "crash_fs.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <system_error>
#include <utility>

namespace chat::storage::test {

namespace fs = std::filesystem;
using rocksdb::IOStatus;

std::string normal_path(const std::string& p) {
  std::string s = fs::path(p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/')
    s.pop_back();
  return s;
}

namespace {

std::string parent_of(const std::string& normal) {
  return fs::path(normal).parent_path().string();
}


// A writable file whose appends and syncs are reported to the crash_fs.
class tracked_file final : public rocksdb::FSWritableFileOwnerWrapper {
public:
  tracked_file(std::unique_ptr<rocksdb::FSWritableFile> f, crash_fs& owner, std::string name,
               std::uint64_t pos)
      : FSWritableFileOwnerWrapper(std::move(f)), owner_(owner), name_(std::move(name)),
        pos_(pos) {}

  IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                  rocksdb::IODebugContext* dbg) override {
    auto s = target()->Append(data, o, dbg);
    return s.ok() ? advance(pos_ + data.size()) : s;
  }
  IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                  const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* dbg) override {
    auto s = target()->Append(data, o, v, dbg);
    return s.ok() ? advance(pos_ + data.size()) : s;
  }
  IOStatus PositionedAppend(const rocksdb::Slice& data, std::uint64_t offset,
                            const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    auto s = target()->PositionedAppend(data, offset, o, dbg);
    return s.ok() ? advance(offset + data.size()) : s;
  }
  IOStatus PositionedAppend(const rocksdb::Slice& data, std::uint64_t offset,
                            const rocksdb::IOOptions& o, const rocksdb::DataVerificationInfo& v,
                            rocksdb::IODebugContext* dbg) override {
    auto s = target()->PositionedAppend(data, offset, o, v, dbg);
    return s.ok() ? advance(offset + data.size()) : s;
  }
  IOStatus Truncate(std::uint64_t size, const rocksdb::IOOptions& o,
                    rocksdb::IODebugContext* dbg) override {
    if (owner_.crashed())
      return IOStatus::OK(); // the disk no longer changes
    auto s = target()->Truncate(size, o, dbg);
    if (!s.ok())
      return s;
    pos_ = size;
    return owner_.truncated(name_, size);
  }
  IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return sync([&] { return target()->Sync(o, dbg); });
  }
  IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return sync([&] { return target()->Fsync(o, dbg); });
  }
  // RangeSync is sync_file_range: it starts write-back but makes nothing
  // durable (no metadata, no device cache flush), so it is not recorded.

private:
  IOStatus advance(std::uint64_t end) {
    pos_ = end;
    return owner_.appended(name_, end);
  }
  template <class F>
  IOStatus sync(F&& really_sync) {
    const std::uint64_t upto = pos_; // what this fsync covers, at most
    auto s = really_sync();
    return s.ok() ? owner_.synced(name_, upto) : s;
  }

  crash_fs& owner_;
  std::string name_;
  std::atomic<std::uint64_t> pos_;
};

class tracked_dir final : public rocksdb::FSDirectoryWrapper {
public:
  tracked_dir(std::unique_ptr<rocksdb::FSDirectory> d, crash_fs& owner, std::string name)
      : FSDirectoryWrapper(std::move(d)), owner_(owner), name_(std::move(name)) {}

  IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    auto s = FSDirectoryWrapper::Fsync(o, dbg);
    return s.ok() ? owner_.dir_synced(name_) : s;
  }
  IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg,
                               const rocksdb::DirFsyncOptions& d) override {
    auto s = FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, d);
    return s.ok() ? owner_.dir_synced(name_) : s;
  }

private:
  crash_fs& owner_;
  std::string name_;
};

} // namespace

crash_fs::crash_fs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void crash_fs::crash() {
  std::lock_guard lock(mutex_);
  crashed_ = true;
}

bool crash_fs::crashed() const {
  std::lock_guard lock(mutex_);
  return crashed_;
}

std::uint64_t crash_fs::unsynced_bytes() const {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (const auto& [name, st] : files_)
    n += st.entry_durable ? st.size - std::min(st.size, st.synced) : st.size;
  return n;
}

std::uint64_t crash_fs::drop_unsynced() {
  std::lock_guard lock(mutex_);
  std::uint64_t dropped = 0;
  for (const auto& [name, st] : files_) {
    std::error_code ec;
    const auto on_disk = fs::file_size(name, ec);
    if (ec)
      continue; // gone already
    if (!st.entry_durable) {
      fs::remove(name, ec);
      dropped += on_disk;
    } else if (on_disk > st.synced) {
      fs::resize_file(name, st.synced, ec);
      dropped += on_disk - st.synced;
    }
  }
  // What is left is what a disk would hold after the power came back.
  files_.clear();
  crashed_ = false;
  return dropped;
}

IOStatus crash_fs::wrap(const std::string& f, IOStatus s, std::uint64_t initial_size,
                        bool keep_state, std::unique_ptr<rocksdb::FSWritableFile>* r) {
  if (!s.ok())
    return s;
  const std::string name = normal_path(f);
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(name);
    if (!keep_state || it == files_.end()) {
      // A new file: neither its bytes nor its directory entry are durable.
      // A reopened untracked file: what it holds counts as durable.
      file_state st;
      st.size = initial_size;
      st.synced = keep_state ? initial_size : 0;
      st.entry_durable = keep_state;
      files_[name] = st;
    }
  }
  *r = std::make_unique<tracked_file>(std::move(*r), *this, name, initial_size);
  return s;
}

IOStatus crash_fs::NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                   std::unique_ptr<rocksdb::FSWritableFile>* r,
                                   rocksdb::IODebugContext* dbg) {
  return wrap(f, target()->NewWritableFile(f, o, r, dbg), 0, false, r);
}

IOStatus crash_fs::ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) {
  std::error_code ec;
  const auto size = fs::file_size(f, ec);
  auto s = target()->ReopenWritableFile(f, o, r, dbg);
  return wrap(f, std::move(s), ec ? 0 : size, true, r);
}

IOStatus crash_fs::ReuseWritableFile(const std::string& f, const std::string& old,
                                     const rocksdb::FileOptions& o,
                                     std::unique_ptr<rocksdb::FSWritableFile>* r,
                                     rocksdb::IODebugContext* dbg) {
  auto s = target()->ReuseWritableFile(f, old, o, r, dbg);
  if (!s.ok())
    return s;
  bool durable_entry = true;
  {
    std::lock_guard lock(mutex_);
    if (auto it = files_.find(normal_path(old)); it != files_.end()) {
      durable_entry = it->second.entry_durable;
      files_.erase(it);
    }
    file_state st; // rewritten from offset 0: nothing of it is synced yet
    st.entry_durable = durable_entry;
    files_[normal_path(f)] = st;
  }
  *r = std::make_unique<tracked_file>(std::move(*r), *this, normal_path(f), 0);
  return s;
}

IOStatus crash_fs::NewDirectory(const std::string& name, const rocksdb::IOOptions& o,
                                std::unique_ptr<rocksdb::FSDirectory>* r,
                                rocksdb::IODebugContext* dbg) {
  auto s = target()->NewDirectory(name, o, r, dbg);
  if (s.ok())
    *r = std::make_unique<tracked_dir>(std::move(*r), *this, normal_path(name));
  return s;
}

IOStatus crash_fs::RenameFile(const std::string& src, const std::string& dst,
                              const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) {
  if (crashed())
    return IOStatus::OK(); // the disk no longer changes
  auto s = target()->RenameFile(src, dst, o, dbg);
  if (!s.ok())
    return s;
  std::lock_guard lock(mutex_);
  const auto from = normal_path(src), to = normal_path(dst);
  auto it = files_.find(from);
  if (it == files_.end()) {
    files_.erase(to); // an untracked (durable) file now has that name
    return s;
  }
  auto st = it->second;
  files_.erase(it);
  files_[to] = st; // the new name is durable once the directory is fsynced
  return s;
}

IOStatus crash_fs::LinkFile(const std::string& src, const std::string& dst,
                            const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) {
  if (crashed())
    return IOStatus::OK();
  auto s = target()->LinkFile(src, dst, o, dbg);
  if (!s.ok())
    return s;
  std::lock_guard lock(mutex_);
  auto it = files_.find(normal_path(src));
  file_state st;
  if (it != files_.end())
    st = it->second;
  else {
    std::error_code ec;
    st.size = st.synced = fs::file_size(dst, ec);
  }
  st.entry_durable = false; // a new directory entry
  files_[normal_path(dst)] = st;
  return s;
}

IOStatus crash_fs::DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* dbg) {
  if (crashed())
    return IOStatus::OK();
  auto s = target()->DeleteFile(f, o, dbg);
  if (s.ok()) {
    std::lock_guard lock(mutex_);
    files_.erase(normal_path(f));
  }
  return s;
}

IOStatus crash_fs::Truncate(const std::string& f, size_t size, const rocksdb::IOOptions& o,
                            rocksdb::IODebugContext* dbg) {
  if (crashed())
    return IOStatus::OK();
  auto s = target()->Truncate(f, size, o, dbg);
  return s.ok() ? truncated(normal_path(f), size) : s;
}

IOStatus crash_fs::CreateDir(const std::string& d, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) {
  return target()->CreateDir(d, o, dbg);
}

IOStatus crash_fs::CreateDirIfMissing(const std::string& d, const rocksdb::IOOptions& o,
                                      rocksdb::IODebugContext* dbg) {
  return target()->CreateDirIfMissing(d, o, dbg);
}

IOStatus crash_fs::DeleteDir(const std::string& d, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) {
  if (crashed())
    return IOStatus::OK();
  return target()->DeleteDir(d, o, dbg);
}

IOStatus crash_fs::appended(const std::string& f, std::uint64_t end) {
  std::lock_guard lock(mutex_);
  if (auto it = files_.find(f); it != files_.end())
    it->second.size = std::max(it->second.size, end);
  return IOStatus::OK();
}

IOStatus crash_fs::truncated(const std::string& f, std::uint64_t size) {
  std::lock_guard lock(mutex_);
  if (crashed_)
    return IOStatus::OK();
  if (auto it = files_.find(f); it != files_.end()) {
    it->second.size = size;
    it->second.synced = std::min(it->second.synced, size);
  }
  return IOStatus::OK();
}

IOStatus crash_fs::synced(const std::string& f, std::uint64_t upto) {
  std::lock_guard lock(mutex_);
  if (crashed_)
    return IOStatus::OK(); // after the crash (or racing it): it made nothing durable
  if (auto it = files_.find(f); it != files_.end())
    it->second.synced = std::max(it->second.synced, std::min(upto, it->second.size));
  return IOStatus::OK();
}

IOStatus crash_fs::dir_synced(const std::string& dir) {
  std::lock_guard lock(mutex_);
  if (crashed_)
    return IOStatus::OK();
  for (auto& [name, st] : files_)
    if (parent_of(name) == dir)
      st.entry_durable = true;
  return IOStatus::OK();
}

} // namespace chat::storage::test
