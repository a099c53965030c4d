#pragma once
// The outcome of a storage operation with RocksDB's cause kept: a code that
// mirrors rocksdb::Status::Code (plus the two answers the storage layer gives
// itself) and RocksDB's message. Produced, and logged once, where RocksDB
// answers (src/storage); turned into a client error (`errc`) only at the
// boundary, by to_errc(). No RocksDB header is needed to use it.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "schema/error_code.hpp"

namespace chat::storage {

/// What happened. The RocksDB codes keep RocksDB's names.
enum class status_code : std::uint8_t {
  ok,
  // Answered by RocksDB.
  not_found,
  corruption,
  not_supported,
  invalid_argument,
  io_error,
  merge_in_progress,
  incomplete,
  shutdown_in_progress,
  timed_out,
  aborted,
  busy,
  expired,
  try_again,
  compaction_too_large,
  column_family_dropped,
  // Answered by the storage layer without asking RocksDB.
  closed,     ///< the database is closed or closing
  queue_full, ///< the group-commit queue is at its bound
};

/// The code's name, e.g. "io_error".
std::string_view name(status_code c) noexcept;

/// A code and, for failures, RocksDB's (or the storage layer's) message.
class status {
public:
  /// ok.
  status() = default;
  status(status_code code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const noexcept { return code_ == status_code::ok; }
  bool is_not_found() const noexcept { return code_ == status_code::not_found; }
  status_code code() const noexcept { return code_; }
  /// RocksDB's message (one line; may be empty).
  const std::string& message() const noexcept { return message_; }

  /// "ok", or "<code name>: <message>".
  std::string to_string() const;

private:
  status_code code_ = status_code::ok;
  std::string message_;
};

/// The client error for a read's status (get, scans): ok, not_found;
/// unavailable for transient or closed (busy, timed_out, try_again,
/// shutdown_in_progress, closed, queue_full); internal for everything else
/// (I/O error, corruption, ...).
errc to_errc(const status& s) noexcept;

/// The client error for a commit's status: ok; unavailable when the storage
/// refused it without writing (closed, queue_full); internal for every
/// failed write, whatever RocksDB said (its durability is unknown).
errc commit_errc(const status& s) noexcept;

} // namespace chat::storage
