#pragma once
// Private to src/storage: the one place RocksDB outcomes become
// storage::status (and, for the old callers, chat::errc).
#include <string>
#include <string_view>

#include <rocksdb/status.h>

#include "schema/error_code.hpp"
#include "storage/status.hpp"

namespace chat::storage {

/// `s` as a storage::status: its code and its one-line message. Does not log.
status to_status(const rocksdb::Status& s);

/// to_status(s), logged once (level error, component "storage", with `op`
/// and, when given, `column`) unless it is ok or not_found. Call it exactly
/// where RocksDB answered, and pass the status on from there: callers up the
/// stack must not log it again.
status checked(const rocksdb::Status& s, std::string_view op, std::string_view column = {});

/// The project error for a RocksDB status (to_errc(to_status(s))).
errc to_errc(const rocksdb::Status& s) noexcept;

/// `s` as one line of text (for open errors and logs).
std::string one_line(const rocksdb::Status& s);

} // namespace chat::storage
