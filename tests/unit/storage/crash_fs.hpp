#pragma once
// A RocksDB FileSystem for power-loss tests: it forwards everything to the
// default file system but remembers, per file it created, how many bytes an
// fsync made durable, and whether the file's directory entry was fsynced
// since the file was created (or renamed).
//
// crash() is the moment the power goes. From then on nothing RocksDB does
// reaches the "disk" durably, yet every call still succeeds, so RocksDB takes
// no error path (Debian's librocksdb keeps its assertions, and a file writer
// used again after an I/O error aborts): writes still go to the files but
// count as unsynced, fsyncs make nothing durable, and deletes, renames, links
// and truncations are no-ops. The test then closes the database normally and
// calls drop_unsynced(), which makes the directory look like the disk after a
// power loss: each tracked file is cut back to its last synced size, and a
// file created since its directory's last fsync is removed. What was
// acknowledged before crash() must be there when the database is reopened.
//
// What it does not model (documented limits):
// - a rename or delete done before the crash is taken as durable at once, and
//   a renamed file keeps the directory-entry state it had (a real crash
//   before the directory fsync could undo the rename);
// - RangeSync (sync_file_range) is not a sync: it makes nothing durable;
// - files opened through NewRandomRWFile and the info LOG are not tracked,
//   nor are directories created (CreateDir) whose parent was not fsynced;
// - files that existed before this FileSystem saw them count as durable.
// SIGKILL keeps the kernel's page cache, so a plain kill -9 test cannot tell
// an fsynced write from an unsynced one; this FileSystem can.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/file_system.h>

namespace chat::storage::test {

class crash_fs final : public rocksdb::FileSystemWrapper {
public:
  /// Wraps rocksdb::FileSystem::Default().
  crash_fs();

  const char* Name() const override { return "chat.crash_fs"; }

  /// The power goes: from now on nothing becomes durable and the files'
  /// names no longer change (see above). Every call still succeeds.
  void crash();

  bool crashed() const;

  /// Truncates every tracked file to its last synced size and deletes the
  /// files whose directory entry was never fsynced; returns how many bytes
  /// were dropped. Call after crash() and after the DB is closed.
  std::uint64_t drop_unsynced();

  /// Bytes of tracked files that a power loss now would drop.
  std::uint64_t unsynced_bytes() const;

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& o,
                                 std::unique_ptr<rocksdb::FSDirectory>* r,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst,
                               const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& dst,
                             const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& f, size_t size, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& d, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& d, const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& d, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* dbg) override;

  // Called by the file and directory wrappers.
  rocksdb::IOStatus appended(const std::string& f, std::uint64_t end);
  rocksdb::IOStatus truncated(const std::string& f, std::uint64_t size);
  rocksdb::IOStatus synced(const std::string& f, std::uint64_t upto);
  rocksdb::IOStatus dir_synced(const std::string& dir);

private:
  struct file_state {
    std::uint64_t size = 0;        ///< bytes written (what the page cache holds)
    std::uint64_t synced = 0;      ///< bytes an fsync made durable
    bool entry_durable = false;    ///< its directory was fsynced since it was created
  };

  rocksdb::IOStatus wrap(const std::string& f, rocksdb::IOStatus s, std::uint64_t initial_size,
                         bool keep_state, std::unique_ptr<rocksdb::FSWritableFile>* r);

  mutable std::mutex mutex_;
  bool crashed_ = false;
  std::map<std::string, file_state> files_; // by normalised path
};

/// The lexically normal form of `p` without a trailing separator.
std::string normal_path(const std::string& p);

} // namespace chat::storage::test
