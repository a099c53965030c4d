#pragma once
// Private to src/storage: the one place RocksDB outcomes become chat::errc.
#include <string>

#include <rocksdb/status.h>

#include "schema/error_code.hpp"

namespace chat::storage {

/// The project error for a RocksDB status.
errc to_errc(const rocksdb::Status& s) noexcept;

/// `s` as one line of text (for open errors and logs).
std::string one_line(const rocksdb::Status& s);

} // namespace chat::storage
